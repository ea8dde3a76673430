import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { SurveyKind, SurveySettingsTable, SurveyTable } from "../db/schema.surveys.ts";
import { newId } from "../ids.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { CSAT_FOLLOW_UP_TITLE, NPS_FOLLOW_UP_TITLE, onSurveyAnswered } from "./follow-ups.ts";
import { makeSlackNotifyJob } from "./slack.ts";
import { setSurveySettings, ticketRow } from "./survey.test-support.ts";

// What answers lead to, at each rule's boundary: a CSAT of 2 makes the agent's task (3 does not),
// due by the workspace's business hours in its zone; an NPS of 6 tells the lead by email and
// Slack and makes their task (7 does not); the Slack message reaches a real HTTP server, and a
// refusal or silence is an error the scheduler retries. The colleague's answerSurvey calls
// onSurveyAnswered in the answer's transaction; here a survey row is answered the same way.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const db = () => t.ctx.database.db;

const setSettings = (workspaceId: string, patch: Partial<SurveySettingsTable>) =>
  setSurveySettings(t, workspaceId, patch);
const ticketOf = (workspaceId: string, reference: string) => ticketRow(t, workspaceId, reference);

/** An answered survey row, and what it leads to, in one transaction (as answerSurvey does). */
async function answer(
  s: {
    workspaceId: string;
    kind: SurveyKind;
    contactId: string;
    ticketId?: string | null;
    agentId?: string | null;
    companyId?: string | null;
  },
  score: number,
  at: Date,
  comment: string | null = "It took too long",
): Promise<SurveyTable> {
  const row: SurveyTable = {
    id: newId(),
    workspace_id: s.workspaceId,
    kind: s.kind,
    contact_id: s.contactId,
    company_id: s.companyId ?? null,
    ticket_id: s.ticketId ?? null,
    plan_id: null,
    agent_id: s.agentId ?? null,
    trigger: s.kind === "csat" ? "resolution" : "schedule",
    status: "answered",
    skip_reason: null,
    token_hash: null,
    unsubscribe_token_hash: null,
    send_at: at.toISOString(),
    sent_at: at.toISOString(),
    expires_at: null,
    score,
    answer: null,
    comment,
    answered_at: at.toISOString(),
    answered_via: "email",
    created_at: at.toISOString(),
  };
  await db()
    .transaction()
    .execute(async (tx) => {
      await tx.insertInto("surveys").values(row).execute();
      await onSurveyAnswered(t.ctx, tx, row);
    });
  return row;
}

const tasksOf = (surveyId: string) =>
  db().selectFrom("agent_tasks").selectAll().where("survey_id", "=", surveyId).execute();
const emailsOf = (workspaceId: string, kind: string) =>
  db()
    .selectFrom("outbox_emails")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", kind)
    .execute();

describe("CSAT follow-up", () => {
  test("2 makes the agent's task due in one business day of the workspace's zone; 3 does not", async () => {
    const team = await makeTeam(t);
    await db()
      .updateTable("workspaces")
      .set({ time_zone: "Europe/Berlin" })
      .where("id", "=", team.ws.id)
      .execute();
    const sub = await submitTicket(t, team.ws.slug, { subject: "Invoice wrong" });
    const ticket = await ticketOf(team.ws.id, sub.reference);
    // Friday 2026-12-04 16:00 in Berlin (15:00 UTC): due Monday 16:00 there.
    const friday = new Date("2026-12-04T15:00:00Z");
    const low = await answer(
      {
        workspaceId: team.ws.id,
        kind: "csat",
        contactId: ticket.contact_id,
        ticketId: ticket.id,
        agentId: team.agent.id,
      },
      2,
      friday,
    );
    const [task] = await tasksOf(low.id);
    assert.ok(task, "a score of 2 makes a task");
    assert.equal(task.title, CSAT_FOLLOW_UP_TITLE);
    assert.equal(task.agent_id, team.agent.id);
    assert.equal(task.source, "csat");
    assert.equal(task.ticket_id, ticket.id);
    assert.equal(task.contact_id, ticket.contact_id);
    assert.equal(new Date(task.due_at as string).toISOString(), "2026-12-07T15:00:00.000Z");
    assert.match(task.body, new RegExp(sub.reference));
    assert.match(task.body, /CSAT 2 of 5/);
    assert.match(task.body, /It took too long/);
    const mails = await emailsOf(team.ws.id, "follow_up_task");
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.to_address, team.agent.email);

    // Answered again (a retried transaction): still one task, one email.
    await db()
      .transaction()
      .execute((tx) => onSurveyAnswered(t.ctx, tx, low));
    assert.equal((await tasksOf(low.id)).length, 1);
    assert.equal((await emailsOf(team.ws.id, "follow_up_task")).length, 1);

    const ok = await answer(
      {
        workspaceId: team.ws.id,
        kind: "csat",
        contactId: ticket.contact_id,
        ticketId: ticket.id,
        agentId: team.agent.id,
      },
      3,
      friday,
    );
    assert.equal((await tasksOf(ok.id)).length, 0, "a score of 3 makes none");
  });

  test("a workspace time zone this server does not know counts in UTC; the answer still makes its task", async () => {
    const team = await makeTeam(t);
    await db()
      .updateTable("workspaces")
      .set({ time_zone: "Mars/Olympus_Mons" })
      .where("id", "=", team.ws.id)
      .execute();
    const sub = await submitTicket(t, team.ws.slug);
    const ticket = await ticketOf(team.ws.id, sub.reference);
    // Friday 2026-12-04 16:00 UTC: one 9-17 business day in UTC is Monday 16:00 UTC.
    const low = await answer(
      {
        workspaceId: team.ws.id,
        kind: "csat",
        contactId: ticket.contact_id,
        ticketId: ticket.id,
        agentId: team.agent.id,
      },
      1,
      new Date("2026-12-04T16:00:00Z"),
    );
    const [task] = await tasksOf(low.id);
    assert.equal(new Date(task?.due_at as string).toISOString(), "2026-12-07T16:00:00.000Z");
    const [mail] = await emailsOf(team.ws.id, "follow_up_task");
    assert.match(JSON.stringify(mail), /\(UTC\)/);
  });

  test("without the ticket's agent the lead gets it; the threshold is a setting", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug);
    const ticket = await ticketOf(team.ws.id, sub.reference);
    await setSettings(team.ws.id, { cs_lead_agent_id: team.admin.id, csat_follow_up_max: 3 });
    const s = await answer(
      { workspaceId: team.ws.id, kind: "csat", contactId: ticket.contact_id, ticketId: ticket.id },
      3,
      t.ctx.now(),
    );
    const [task] = await tasksOf(s.id);
    assert.equal(task?.agent_id, team.admin.id);
  });
});

describe("NPS detractor", () => {
  test("6 tells the lead by email and Slack and makes their task; 7 does not", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug);
    const ticket = await ticketOf(team.ws.id, sub.reference);
    await setSettings(team.ws.id, {
      cs_lead_agent_id: team.admin.id,
      slack_webhook_url: "https://hooks.slack.com/services/T/B/X",
    });
    const low = await answer(
      { workspaceId: team.ws.id, kind: "nps", contactId: ticket.contact_id },
      6,
      t.ctx.now(),
      "Too pricey",
    );
    const [task] = await tasksOf(low.id);
    assert.equal(task?.title, NPS_FOLLOW_UP_TITLE);
    assert.equal(task?.agent_id, team.admin.id);
    assert.equal(task?.source, "nps");
    assert.ok(task?.due_at);
    const mails = await emailsOf(team.ws.id, "nps_detractor");
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.to_address, team.admin.email);
    const job = await db()
      .selectFrom("scheduled_jobs")
      .selectAll()
      .where("key", "=", `slack:survey:${low.id}`)
      .executeTakeFirstOrThrow();
    assert.equal(job.kind, "slack_notify");
    const payload = JSON.parse(job.payload) as { text: string };
    assert.match(payload.text, /6\/10/);
    assert.match(payload.text, /Too pricey/);
    assert.doesNotMatch(job.payload, /hooks\.slack\.com/, "the URL is read when the job runs, not stored");

    const fine = await answer(
      { workspaceId: team.ws.id, kind: "nps", contactId: ticket.contact_id },
      7,
      t.ctx.now(),
    );
    assert.equal((await tasksOf(fine.id)).length, 0);
    assert.equal((await emailsOf(team.ws.id, "nps_detractor")).length, 1);
    assert.equal(
      (
        await db()
          .selectFrom("scheduled_jobs")
          .select("id")
          .where("key", "=", `slack:survey:${fine.id}`)
          .execute()
      ).length,
      0,
    );
  });

  test("the Slack text escapes &, < and > of the customer's name, company and comment", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug);
    const ticket = await ticketOf(team.ws.id, sub.reference);
    await setSettings(team.ws.id, { slack_webhook_url: "https://hooks.slack.com/services/T/B/X" });
    await db()
      .updateTable("contacts")
      .set({ name: "<!channel> Eve & Co" })
      .where("id", "=", ticket.contact_id)
      .execute();
    const companyId = newId();
    const now = t.ctx.now().toISOString();
    await db()
      .insertInto("companies")
      .values({
        id: companyId,
        workspace_id: team.ws.id,
        name: "<https://evil.example|Acme>",
        created_at: now,
        updated_at: now,
      })
      .execute();
    const low = await answer(
      { workspaceId: team.ws.id, kind: "nps", contactId: ticket.contact_id, companyId },
      2,
      t.ctx.now(),
      "<@U123> see <!here> & fix",
    );
    const job = await db()
      .selectFrom("scheduled_jobs")
      .selectAll()
      .where("key", "=", `slack:survey:${low.id}`)
      .executeTakeFirstOrThrow();
    const { text } = JSON.parse(job.payload) as { text: string };
    assert.doesNotMatch(text, /[<>]/);
    assert.match(text, /&lt;!channel&gt; Eve &amp; Co/);
    assert.match(text, /\(&lt;https:\/\/evil\.example\|Acme&gt;\)/);
    assert.match(text, /&lt;@U123&gt; see &lt;!here&gt; &amp; fix/);
  });

  test("without a lead the admins hear of it, and without a webhook no Slack job", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug);
    const ticket = await ticketOf(team.ws.id, sub.reference);
    const low = await answer(
      { workspaceId: team.ws.id, kind: "nps", contactId: ticket.contact_id },
      0,
      t.ctx.now(),
    );
    const [mail] = await emailsOf(team.ws.id, "nps_detractor");
    assert.equal(mail?.to_address, team.admin.email);
    const [task] = await tasksOf(low.id);
    assert.equal(task?.agent_id, null, "no lead: the task waits unassigned");
    assert.equal(
      (
        await db()
          .selectFrom("scheduled_jobs")
          .select("id")
          .where("key", "=", `slack:survey:${low.id}`)
          .execute()
      ).length,
      0,
    );
  });
});

describe("Slack job against a real local server", () => {
  test("posts { text } to the webhook read at run time; a 500 throws, the retry delivers", async () => {
    const received: { body: string; type: string | undefined }[] = [];
    let answerWith = 500;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push({ body, type: req.headers["content-type"] });
        res.writeHead(answerWith).end(answerWith === 200 ? "ok" : "no");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const team = await makeTeam(t);
      // Stored directly: the settings accept only public https addresses (see slack.ts).
      await setSettings(team.ws.id, { slack_webhook_url: `http://127.0.0.1:${port}/hook` });
      const job: DueJob = {
        id: newId(),
        workspace_id: team.ws.id,
        kind: "slack_notify",
        key: "slack:survey:test",
        run_at: t.ctx.now().toISOString(),
        attempts: 0,
        payload: { text: "NPS detractor: Casey answered 3/10." },
      };
      const localJob = makeSlackNotifyJob(() => null, 2000);
      await assert.rejects(localJob.run(t.ctx, job), /answered 500/);
      answerWith = 200;
      assert.equal(await localJob.run(t.ctx, { ...job, attempts: 1 }), "done");
      assert.equal(received.length, 2);
      assert.deepEqual(JSON.parse(received[1]?.body as string), {
        text: "NPS detractor: Casey answered 3/10.",
      });
      assert.equal(received[1]?.type, "application/json");

      // The running server's handler refuses a local address: nothing is posted.
      const { slackNotifyJob } = await import("./slack.ts");
      assert.equal(await slackNotifyJob.run(t.ctx, job), "skipped");
      assert.equal(received.length, 2);
      // Nor any address but Slack's webhooks, even a public https one stored around the settings.
      for (const url of [
        "https://example.com/services/T/B/X",
        "https://hooks.slack.com.example.com/services/T/B/X",
        "https://hooks.slack.com:8443/services/T/B/X",
        "https://a:b@hooks.slack.com/services/T/B/X",
      ]) {
        await setSettings(team.ws.id, { slack_webhook_url: url });
        assert.equal(await slackNotifyJob.run(t.ctx, job), "skipped", url);
      }
      // A webhook removed since: nothing to send.
      await setSettings(team.ws.id, { slack_webhook_url: null });
      assert.equal(await localJob.run(t.ctx, job), "skipped");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test("a server that does not answer in time is an error (retried later)", async () => {
    const server = http.createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const team = await makeTeam(t);
      await setSettings(team.ws.id, {
        slack_webhook_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
      });
      const job: DueJob = {
        id: newId(),
        workspace_id: team.ws.id,
        kind: "slack_notify",
        key: "slack:survey:slow",
        run_at: t.ctx.now().toISOString(),
        attempts: 0,
        payload: { text: "hello" },
      };
      await assert.rejects(makeSlackNotifyJob(() => null, 200).run(t.ctx, job), /unreachable/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
