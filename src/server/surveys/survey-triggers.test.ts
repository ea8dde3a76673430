import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SurveySettingsTable } from "../db/schema.surveys.ts";
import { newId } from "../ids.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";
import { CES_SEND_DELAY_MS } from "./ces.ts";
import { npsSweepJob, sweepNps } from "./nps.ts";
import { setSurveySettings, ticketRow } from "./survey.test-support.ts";

// What asks a survey, at each rule's boundary: the NPS sweep asks at 30 days after the first
// resolved ticket (not 29) and again 90 days after the last (not 89); CES follows a completed
// plan (its portal assignees, else the company's manager) and the closing of a chosen ticket
// type only, once each.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const DAY = 86_400_000;
const db = () => t.ctx.database.db;
const setSettings = (workspaceId: string, patch: Partial<SurveySettingsTable>) =>
  setSurveySettings(t, workspaceId, patch);
const ticketOf = (workspaceId: string, reference: string) => ticketRow(t, workspaceId, reference);

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
    const more = await db()
      .selectFrom("scheduled_jobs")
      .select("key")
      .where("kind", "=", "nps_sweep")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.deepEqual(more, [], "a sweep under the batch size plans no follow-up run");
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
