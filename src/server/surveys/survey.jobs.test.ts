import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { deliverDueEmails } from "../email/delivery.ts";
import { outgoingMessageOf } from "../email/email.message.ts";
import { mailDir } from "../email/email.transport.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { surveySendJob } from "./survey.jobs.ts";
import { createSurvey, sendSurvey } from "./survey.service.ts";
import { DAY, email, MINUTE, surveyWorld } from "./surveys.test-support.ts";

// The survey_send job (the scheduler's handler, run directly with the job it would hand over): a
// separate CSAT email after its delay, sent once with List-Unsubscribe; skipped when the ticket was
// reopened or the job is stale; two surveys of one contact due together respect the quiet days.
// "Still fixed?" is in still-fixed.test.ts.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const { db, resolve, resolvedEmail, surveysOf, setSettings, dueJobOf } = surveyWorld(() => t);

describe("the survey_send job", () => {
  test("separate_email: the CSAT is its own email after the delay, sent once, with List-Unsubscribe", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, {
      csat_delivery: "separate_email",
      csat_delay_minutes: 30,
      still_fixed_days: 0,
    });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Later" });
    const ticket = await resolve(team, s.reference);
    assert.equal(
      (await resolvedEmail(ticket.id)).data.rateUrl,
      undefined,
      "no button in the resolution email",
    );
    const [csat] = await surveysOf(ticket.id);
    assert.equal(csat?.status, "scheduled");
    const job = await dueJobOf(csat?.id as string);
    assert.equal(job.kind, "survey_send");
    assert.equal(job.run_at, csat?.send_at);
    assert.ok(Math.abs(Date.parse(job.run_at) - Date.parse(csat?.created_at as string) - 30 * MINUTE) < 1000);

    t.advance(30 * MINUTE);
    assert.equal(await surveySendJob.run(t.ctx, job), "done");
    assert.equal(await surveySendJob.run(t.ctx, job), "skipped", "a second run sends nothing");
    const [sent] = await surveysOf(ticket.id);
    assert.equal(sent?.status, "sent");
    assert.equal(Date.parse(sent?.expires_at as string) - Date.parse(sent?.sent_at as string), 7 * DAY);
    const emails = await db()
      .selectFrom("outbox_emails")
      .selectAll()
      .where("workspace_id", "=", team.ws.id)
      .where("kind", "=", "survey_request")
      .execute();
    assert.equal(emails.length, 1);
    const message = outgoingMessageOf(emails[0] as NonNullable<(typeof emails)[0]>);
    assert.match(message.subject, new RegExp(`\\[${s.reference}\\] How did we do\\?`));
    assert.match(message.html, /Rate your experience/);
    assert.match(message.html, /Unsubscribe from surveys/);
    assert.match(String(message.headers["List-Unsubscribe"]), /\/surveys\/unsubscribe\//);
    assert.equal(message.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");

    // Delivered: the .eml carries both headers; the stored copy keeps none of the link tokens.
    await deliverDueEmails(t.ctx, systemActor("outbox delivery"), { limit: 1000 });
    const eml = fs.readFileSync(path.join(mailDir(t.ctx.config), `${emails[0]?.id}.eml`), "utf8");
    assert.match(eml, /^List-Unsubscribe:\s+<http:\/\/[^>]+\/surveys\/unsubscribe\/[A-Za-z0-9_-]{40,}>\r?$/m);
    assert.match(eml, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const stored = await db()
      .selectFrom("outbox_emails")
      .select(["status", "headers", "template_data"])
      .where("id", "=", emails[0]?.id as string)
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, "sent");
    assert.match(stored.headers, /\/surveys\/unsubscribe\/\(removed-once-sent\)/);
    assert.match(stored.template_data ?? "", /\/surveys\/\(removed-once-sent\)/);
    assert.doesNotMatch(
      `${stored.headers}${stored.template_data}`,
      /\/surveys\/(unsubscribe\/)?[A-Za-z0-9_-]{40,}/,
    );
  });

  test("a reply that resolves is the resolution's email: the CSAT leaves at once as its own", async () => {
    const team = await makeTeam(t);
    const address = email();
    const s = await submitTicket(t, team.ws.slug, { email: address, subject: "By reply" });
    const res = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: team.agent.headers,
      payload: { body: "Done, it works now.", status: "resolved" },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id = (res.json() as { ticket: { id: string } }).ticket.id;
    const csat = (await surveysOf(id)).find((x) => x.kind === "csat");
    assert.equal(csat?.status, "sent");
    const request = await db()
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("kind", "=", "survey_request")
      .where("to_address", "=", address)
      .executeTakeFirstOrThrow();
    assert.match(request.template_data ?? "", /"kind":"csat"/);
  });

  test("a reopened ticket's CSAT is skipped 'reopened'; a stale job skips its survey 'stale'", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, {
      csat_delivery: "separate_email",
      csat_delay_minutes: 0,
      still_fixed_days: 0,
    });
    const a = await submitTicket(t, team.ws.slug, { email: email(), subject: "Reopened" });
    const ta = await resolve(team, a.reference);
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${a.reference}`,
      headers: team.agent.headers,
      payload: { status: "open" },
    });
    const [sa] = await surveysOf(ta.id);
    assert.equal(await surveySendJob.run(t.ctx, await dueJobOf(sa?.id as string)), "skipped");
    assert.equal((await surveysOf(ta.id))[0]?.skip_reason, "reopened");

    const b = await submitTicket(t, team.ws.slug, { email: email(), subject: "Stale" });
    const tb = await resolve(team, b.reference);
    const [sb] = await surveysOf(tb.id);
    assert.equal(surveySendJob.staleAfterMs, DAY);
    await surveySendJob.onStale?.(t.ctx, await dueJobOf(sb?.id as string));
    const [stale] = await surveysOf(tb.id);
    assert.equal(stale?.status, "skipped");
    assert.equal(stale?.skip_reason, "stale");
  });
});

describe("quiet days", () => {
  test("two surveys of one contact sent at the same time: one is sent, the other skipped 'quiet'", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, { quiet_days: 30 });
    // Several contacts at once, each with two surveys due together: every pair must serialize.
    const pairs = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const c = await makeCustomer(t, team.ws.id);
        return db()
          .transaction()
          .execute(async (tx) =>
            Promise.all(
              (["nps", "ces"] as const).map((kind) =>
                createSurvey(t.ctx, tx, {
                  workspaceId: team.ws.id,
                  kind,
                  contactId: c.contactId,
                  companyId: null,
                  trigger: "schedule",
                  sendAt: t.ctx.now(),
                }),
              ),
            ),
          );
      }),
    );
    const results = await Promise.all(pairs.flat().map((s) => sendSurvey(t.ctx, s.id)));
    assert.equal(results.filter((r) => r === "sent").length, pairs.length, results.join());
    for (const pair of pairs) {
      const rows = await db()
        .selectFrom("surveys")
        .select(["status", "skip_reason"])
        .where(
          "id",
          "in",
          pair.map((s) => s.id),
        )
        .execute();
      assert.deepEqual(rows.map((r) => r.status).sort(), ["sent", "skipped"]);
      assert.ok(rows.some((r) => r.skip_reason === "quiet"));
    }
  });
});
