import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { parseReference } from "../../shared/tickets.ts";
import type { SurveyKind, SurveySettingsTable, SurveyTable } from "../db/schema.surveys.ts";
import { newId } from "../ids.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";
import { CES_SEND_DELAY_MS } from "./ces.ts";
import { CSAT_FOLLOW_UP_TITLE, NPS_FOLLOW_UP_TITLE, onSurveyAnswered } from "./follow-ups.ts";
import { npsSweepJob, sweepNps } from "./nps.ts";
import { makeSlackNotifyJob } from "./slack.ts";
import { SURVEY_DEFAULTS } from "./survey-settings.ts";

// What surveys lead to, at each rule's boundary: a CSAT of 2 makes the agent's task (3 does not),
// due by the workspace's business hours in its zone; an NPS of 6 tells the lead by email and Slack
// and makes their task (7 does not); the Slack message reaches a real HTTP server and a refusal is
// retried; the NPS sweep asks at 30 days (not 29) and again at 90 (not 89); CES follows a
// completed plan and the closing of a chosen ticket type only.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const DAY = 86_400_000;
const db = () => t.ctx.database.db;

async function setSettings(workspaceId: string, patch: Partial<SurveySettingsTable>) {
  const row: SurveySettingsTable = {
    ...SURVEY_DEFAULTS,
    ces_ticket_types: "[]",
    report_agent_ids: "[]",
    ...patch,
    workspace_id: workspaceId,
    updated_at: t.ctx.now().toISOString(),
  };
  const { workspace_id: _, ...update } = row;
  await db()
    .insertInto("survey_settings")
    .values(row)
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet(update))
    .execute();
}

async function ticketOf(workspaceId: string, reference: string) {
  return db()
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", parseReference(reference) as number)
    .executeTakeFirstOrThrow();
}

/** An answered survey row, and what it leads to, in one transaction (as answerSurvey does). */
async function answer(
  s: {
    workspaceId: string;
    kind: SurveyKind;
    contactId: string;
    ticketId?: string | null;
    agentId?: string | null;
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
    company_id: null,
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

describe("NPS sweep", () => {
  test("asks 30 days after the first resolved ticket (not 29), then again at 90 days (not 89)", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug, { email: "nps-boundary@customer.test" });
    const ticket = await ticketOf(team.ws.id, sub.reference);
    // A contact without any resolved ticket is never asked.
    await submitTicket(t, team.ws.slug, { email: "nps-open@customer.test" });
    const resolvedAt = t.ctx.now().getTime() - 29 * DAY;
    await db()
      .updateTable("tickets")
      .set({ status: "resolved", resolved_at: new Date(resolvedAt).toISOString() })
      .where("id", "=", ticket.id)
      .execute();
    const npsOf = () =>
      db()
        .selectFrom("surveys")
        .selectAll()
        .where("contact_id", "=", ticket.contact_id)
        .where("kind", "=", "nps")
        .execute();

    assert.equal(await sweepNps(t.ctx, team.ws.id), 0, "29 days: not yet");
    t.advance(DAY);
    assert.equal(await sweepNps(t.ctx, team.ws.id), 1, "30 days: asked");
    const [first] = await npsOf();
    assert.equal(first?.trigger, "schedule");
    assert.equal(first?.status, "scheduled");
    const sendJob = await db()
      .selectFrom("scheduled_jobs")
      .select("kind")
      .where("key", "=", `survey:${first?.id}`)
      .executeTakeFirst();
    assert.equal(sendJob?.kind, "survey_send");
    assert.equal(await sweepNps(t.ctx, team.ws.id), 0, "asked already");

    t.advance(89 * DAY);
    assert.equal(await sweepNps(t.ctx, team.ws.id), 0, "89 days after: not yet");
    t.advance(DAY);
    assert.equal(await sweepNps(t.ctx, team.ws.id), 1, "90 days after: asked again");
    assert.equal((await npsOf()).length, 2);
  });

  test("the job runs for its workspace, caps a run, and schedules tomorrow's", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug, { email: "nps-job@customer.test" });
    const ticket = await ticketOf(team.ws.id, sub.reference);
    await db()
      .updateTable("tickets")
      .set({ status: "closed", closed_at: new Date(t.ctx.now().getTime() - 40 * DAY).toISOString() })
      .where("id", "=", ticket.id)
      .execute();
    // A cap of one: of two contacts due, one is asked per run.
    const sub2 = await submitTicket(t, team.ws.slug, { email: "nps-job2@customer.test" });
    await db()
      .updateTable("tickets")
      .set({ status: "closed", closed_at: new Date(t.ctx.now().getTime() - 40 * DAY).toISOString() })
      .where("id", "=", (await ticketOf(team.ws.id, sub2.reference)).id)
      .execute();
    assert.equal(await sweepNps(t.ctx, team.ws.id, 1), 1);
    const job: DueJob = {
      id: newId(),
      workspace_id: team.ws.id,
      kind: "nps_sweep",
      key: "nps:test",
      run_at: t.ctx.now().toISOString(),
      attempts: 0,
      payload: {},
    };
    assert.equal(await npsSweepJob.run(t.ctx, job), "done");
    assert.equal(await npsSweepJob.run(t.ctx, job), "skipped", "nothing left to ask");
    const next = await db()
      .selectFrom("scheduled_jobs")
      .select(["key", "run_at"])
      .where("kind", "=", "nps_sweep")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(next.length, 1, "tomorrow's run, once");
    assert.ok(Date.parse(next[0]?.run_at as string) > t.ctx.now().getTime());
    // NPS turned off: nobody is asked.
    await setSettings(team.ws.id, { nps_enabled: false });
    t.advance(200 * DAY);
    assert.equal(await sweepNps(t.ctx, team.ws.id), 0);
  });
});

describe("CES", () => {
  const agentApi = (
    team: Awaited<ReturnType<typeof makeTeam>>,
    method: string,
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method: method as "GET",
      url: `/api/workspace${url}`,
      headers: team.agent.headers,
      ...(payload ? { payload } : {}),
    });

  test("a completed plan asks its portal assignees, else the company's manager; once", async () => {
    const team = await makeTeam(t);
    const acme = await makeCompany(t, team.ws.id, "Acme CES");
    const manager = await customerIn(t, team.ws.id, acme, "company", "Mia Manager");
    const worker = await customerIn(t, team.ws.id, acme, "own", "Wes Worker");
    const tpl = await agentApi(team, "POST", "/onboarding/templates", { name: "Onboarding" });
    const templateId = (tpl.json() as { id: string }).id;
    await agentApi(team, "POST", `/onboarding/templates/${templateId}/tasks`, {
      title: "Send your logo",
      actor: "customer",
      dueOffsetDays: 1,
    });
    const cesOf = (planId: string) =>
      db()
        .selectFrom("surveys")
        .selectAll()
        .where("plan_id", "=", planId)
        .where("kind", "=", "ces")
        .execute();

    // Plan 1: nobody assigned → the manager.
    const p1 = (await agentApi(team, "POST", `/companies/${acme}/plans`, { templateId })).json() as {
      id: string;
    };
    const done1 = await agentApi(team, "PATCH", `/plans/${p1.id}`, { status: "completed" });
    assert.equal(done1.statusCode, 200, done1.body);
    const s1 = await cesOf(p1.id);
    assert.deepEqual(
      s1.map((s) => s.contact_id),
      [manager.contactId],
    );
    assert.equal(s1[0]?.trigger, "plan_completed");
    assert.ok(
      Math.abs(Date.parse(s1[0]?.send_at as string) - (t.ctx.now().getTime() + CES_SEND_DELAY_MS)) < 5000,
    );
    // Completed again (reopened and completed): still one survey for it.
    await agentApi(team, "PATCH", `/plans/${p1.id}`, { status: "active" });
    await agentApi(team, "PATCH", `/plans/${p1.id}`, { status: "completed" });
    assert.equal((await cesOf(p1.id)).length, 1);

    // Plan 2: the worker was the task's portal assignee → the worker.
    const p2 = (await agentApi(team, "POST", `/companies/${acme}/plans`, { templateId })).json() as {
      id: string;
      tasks: { id: string }[];
    };
    await db()
      .updateTable("tasks")
      .set({ portal_assignee_contact_id: worker.contactId })
      .where("plan_id", "=", p2.id)
      .execute();
    await agentApi(team, "PATCH", `/plans/${p2.id}`, { status: "completed" });
    assert.deepEqual(
      (await cesOf(p2.id)).map((s) => s.contact_id),
      [worker.contactId],
    );

    // CES after plans turned off: none.
    await setSettings(team.ws.id, { ces_after_plan: false });
    const p3 = (await agentApi(team, "POST", `/companies/${acme}/plans`, { templateId })).json() as {
      id: string;
    };
    await agentApi(team, "PATCH", `/plans/${p3.id}`, { status: "completed" });
    assert.equal((await cesOf(p3.id)).length, 0);
  });

  test("closing a ticket of a chosen type asks CES once; another type does not", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, { ces_ticket_types: JSON.stringify(["Bug Report"]) });
    const bug = await submitTicket(t, team.ws.slug, { type: "Bug Report", email: "ces-bug@customer.test" });
    const other = await submitTicket(t, team.ws.slug, {
      type: "General Inquiry",
      email: "ces-q@customer.test",
    });
    for (const ref of [bug.reference, other.reference]) {
      const r = await agentApi(team, "PATCH", `/tickets/${ref}`, { status: "closed" });
      assert.equal(r.statusCode, 200, r.body);
    }
    const bugTicket = await ticketOf(team.ws.id, bug.reference);
    const cesOf = async (ref: string) =>
      db()
        .selectFrom("surveys")
        .selectAll()
        .where("ticket_id", "=", (await ticketOf(team.ws.id, ref)).id)
        .where("kind", "=", "ces")
        .execute();
    const [s] = await cesOf(bug.reference);
    assert.ok(s, "a Bug Report closed asks CES");
    assert.equal(s.contact_id, bugTicket.contact_id);
    assert.equal(s.trigger, "closed_type");
    assert.ok(Math.abs(Date.parse(s.send_at) - (t.ctx.now().getTime() + CES_SEND_DELAY_MS)) < 5000);
    assert.equal((await cesOf(other.reference)).length, 0, "a General Inquiry does not");
    // Reopened and closed again: still one.
    await agentApi(team, "PATCH", `/tickets/${bug.reference}`, { status: "open" });
    await agentApi(team, "PATCH", `/tickets/${bug.reference}`, { status: "closed" });
    assert.equal((await cesOf(bug.reference)).length, 1);
  });
});
