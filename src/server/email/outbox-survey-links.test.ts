import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AgentActor } from "../actors.ts";
import { createSurvey, sendSurvey } from "../surveys/survey.service.ts";
import { email, surveyWorld } from "../surveys/surveys.test-support.ts";
import { makeCustomer, makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { getOutboxEmail, outboxEml } from "./outbox.service.ts";

// A survey's one-time links (answer and unsubscribe) are not in the Outbox an admin reads before
// the email is delivered: neither in its page nor its .eml, nor in its List-Unsubscribe header.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const { db, resolvedWithLink } = surveyWorld(() => t);

function tokensOf(...urls: (string | undefined)[]): string[] {
  return urls.filter((u): u is string => !!u).map((u) => new URL(u).pathname.split("/").pop() as string);
}

async function seenInOutbox(admin: AgentActor, id: string) {
  const e = await getOutboxEmail(t.ctx, admin, id);
  const eml = (await outboxEml(t.ctx, admin, id)).toString("utf8");
  // Quoted-printable may fold a long line; the .eml is read unfolded.
  const unfolded = eml.replace(/=\r?\n/g, "").replace(/\r?\n[ \t]+/g, " ");
  return [JSON.stringify(e.headers), e.text ?? "", e.html ?? "", JSON.stringify(e.row), unfolded].join("\n");
}

test("a survey email and a resolution email with its CSAT show their survey links hidden", async () => {
  const team = await makeTeam(t);
  const admin: AgentActor = { kind: "agent", workspaceId: team.ws.id, agentId: team.admin.id, role: "admin" };

  const c = await makeCustomer(t, team.ws.id);
  const s = await db()
    .transaction()
    .execute((tx) =>
      createSurvey(t.ctx, tx, {
        workspaceId: team.ws.id,
        kind: "nps",
        contactId: c.contactId,
        companyId: null,
        trigger: "schedule",
        sendAt: t.ctx.now(),
      }),
    );
  assert.equal(await sendSurvey(t.ctx, s.id), "sent");
  const request = await db()
    .selectFrom("outbox_emails")
    .selectAll()
    .where("kind", "=", "survey_request")
    .where("to_address", "=", c.email)
    .executeTakeFirstOrThrow();
  const data = JSON.parse(request.template_data ?? "{}") as { url: string; unsubscribeUrl: string };
  const seen = await seenInOutbox(admin, request.id);
  for (const token of tokensOf(data.url, data.unsubscribeUrl)) {
    assert.ok(token.length > 16);
    assert.ok(!seen.includes(token), "no survey token in the Outbox");
  }
  assert.match(seen, /link-hidden-in-the-outbox/);

  const resolved = await resolvedWithLink(team, email());
  const r = JSON.parse(resolved.row.template_data ?? "{}") as Record<string, string>;
  const seenResolved = await seenInOutbox(admin, resolved.row.id);
  for (const token of tokensOf(r.rateUrl, r.unsubscribeUrl)) {
    assert.ok(!seenResolved.includes(token), "no CSAT token in the Outbox");
  }
  assert.match(seenResolved, /link-hidden-in-the-outbox/);
});
