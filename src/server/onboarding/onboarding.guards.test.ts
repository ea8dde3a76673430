import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { runDueJobs } from "../jobs/job-runner.ts";
import { scheduleJob } from "../jobs/scheduler.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany, openRequest, type PortalCustomer } from "../test/portal-world.ts";
import { sendTaskReminders, taskRemindersJob } from "./task-reminders.ts";

// The guards around onboarding: a task with a form is completed by sending it, the timeline
// marks an event customer-visible only while customers see the task, a due date Date cannot hold
// is the field's fault, and reminders reach every workspace and stop two weeks after the due date.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const DAY = 86_400_000;
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const agent = (team: Team, method: string, url: string, payload?: object) =>
  t.app.inject({
    method: method as "GET",
    url: `/api/workspace${url}`,
    headers: team.agent.headers,
    ...(payload ? { payload } : {}),
  });
const portal = (c: PortalCustomer, method: "GET" | "POST", url: string) =>
  t.app.inject({ method, url, headers: method === "GET" ? { cookie: c.cookie } : c.headers });
const postForm = (a: { cookie: string }, url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: a.cookie, ...FORM },
    payload: new URLSearchParams(fields).toString(),
  });

/** A team, a company with a customer, and a plan of customer tasks with the titles given. */
async function planWith(titles: string[], team?: Team) {
  const tm = team ?? (await makeTeam(t));
  const acme = await makeCompany(t, tm.ws.id, "Acme");
  const own = await customerIn(t, tm.ws.id, acme, "own", "Otto Own");
  const tpl = (await agent(tm, "POST", "/onboarding/templates", { name: "Onboarding" })).json() as {
    id: string;
  };
  for (const title of titles) {
    const r = await agent(tm, "POST", `/onboarding/templates/${tpl.id}/tasks`, { title, dueOffsetDays: 1 });
    assert.equal(r.statusCode, 201, r.body);
  }
  const applied = await agent(tm, "POST", `/companies/${acme}/plans`, { templateId: tpl.id });
  assert.equal(applied.statusCode, 201, applied.body);
  const plan = applied.json() as { id: string; tasks: { id: string; title: string }[] };
  const ids = plan.tasks.map((x) => x.id);
  return { team: tm, acme, own, plan, ids };
}

async function addForm(workspaceId: string, name: string) {
  const now = t.ctx.now().toISOString();
  const id = `form-${Math.random().toString(36).slice(2)}`;
  await t.ctx.database.db
    .insertInto("forms")
    .values({ id, workspace_id: workspaceId, name, request_type: null, created_at: now, updated_at: now })
    .execute();
  return id;
}

async function answer(
  w: { team: Team; acme: string },
  taskId: string,
  formId: string,
  status: "draft" | "submitted",
) {
  const now = t.ctx.now().toISOString();
  // One answer per task: the draft becomes the sent answer.
  await t.ctx.database.db.deleteFrom("form_responses").where("task_id", "=", taskId).execute();
  await t.ctx.database.db
    .insertInto("form_responses")
    .values({
      id: `resp-${Math.random().toString(36).slice(2)}`,
      workspace_id: w.team.ws.id,
      form_id: formId,
      form_version: 1,
      company_id: w.acme,
      task_id: taskId,
      ticket_id: null,
      contact_id: null,
      status,
      answers: "{}",
      submitted_at: status === "submitted" ? now : null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

describe("a task with a form", () => {
  test("is not completed without its sent answers: 409 form_required, and the page offers the form", async () => {
    const w = await planWith(["Company details"]);
    const [task] = w.ids as [string];
    const formId = await addForm(w.team.ws.id, "Billing contacts");
    assert.equal((await agent(w.team, "PATCH", `/tasks/${task}`, { formId })).statusCode, 200);
    const slug = w.team.ws.slug;
    const api = `/api/portal/${slug}/onboarding/tasks/${task}`;

    const refused = await portal(w.own, "POST", `${api}/complete`);
    assert.equal(refused.statusCode, 409, refused.body);
    const err = (refused.json() as { error: { code: string; message: string } }).error;
    assert.equal(err.code, "form_required");
    assert.match(err.message, /Billing contacts/);
    assert.match(err.message, /Fill in the form/);
    const still = (await portal(w.own, "GET", api)).json() as { portalStatus: string; formSent: boolean };
    assert.deepEqual([still.portalStatus, still.formSent], ["not_started", false]);
    // Still due: the form stays among what the customer has to send.
    const home = await portal(w.own, "GET", `/portal/${slug}/home`);
    assert.match(home.body, /Billing contacts/);

    // The page: "Fill in the form" where Mark complete was; its POST answers the same refusal.
    const pageUrl = `/portal/${slug}/onboarding/tasks/${task}`;
    const page = await portal(w.own, "GET", pageUrl);
    assert.doesNotMatch(page.body, /Mark complete/);
    assert.match(page.body, new RegExp(`<a class="button primary" href="${pageUrl}/form">Fill in the form`));
    const byForm = await postForm(w.own, `${pageUrl}/complete`, { _csrf: w.own.csrf });
    assert.equal(byForm.statusCode, 409);
    // In the reader's words (errors:code.form_required); the button beside it names the form.
    assert.match(byForm.body, /role="alert">This task asks for a form: use “Fill in the form”/);

    // A draft is not enough; sent answers are.
    await answer(w, task, formId, "draft");
    assert.equal((await portal(w.own, "POST", `${api}/complete`)).statusCode, 409);
    await answer(w, task, formId, "submitted");
    assert.match((await portal(w.own, "GET", pageUrl)).body, /Mark complete/);
    const done = await portal(w.own, "POST", `${api}/complete`);
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(
      [
        (done.json() as { portalStatus: string }).portalStatus,
        (done.json() as { formSent: boolean }).formSent,
      ],
      ["complete", true],
    );
  });

  test("starting it is still allowed, and a task without a form completes as before", async () => {
    const w = await planWith(["With a form", "Without"]);
    const [withForm, without] = w.ids as [string, string];
    const formId = await addForm(w.team.ws.id, "Details");
    await agent(w.team, "PATCH", `/tasks/${withForm}`, { formId });
    const api = `/api/portal/${w.team.ws.slug}/onboarding/tasks`;
    assert.equal((await portal(w.own, "POST", `${api}/${withForm}/start`)).statusCode, 200);
    assert.equal((await portal(w.own, "POST", `${api}/${without}/complete`)).statusCode, 200);
  });
});

describe("customer-visible task events", () => {
  const events = (companyId: string, taskId: string) =>
    t.ctx.database.db
      .selectFrom("company_events")
      .select(["type", "customer_visible", "data"])
      .where("company_id", "=", companyId)
      .where("data", "like", `%${taskId}%`)
      .execute();

  test("a task of an archived plan, or hidden, moves on the team's timeline only", async () => {
    const w = await planWith(["ARCHIVED-TASK-TITLE-88", "Shown task"]);
    const [archived, shown] = w.ids as [string, string];
    // Control: on an active plan, a shown task's progress is the customer's to see.
    await agent(w.team, "PATCH", `/tasks/${shown}`, { portalStatus: "in_progress" });
    const before = await events(w.acme, shown);
    assert.ok(before.some((e) => e.type === "task_started" && Boolean(e.customer_visible)));

    assert.equal(
      (await agent(w.team, "PATCH", `/plans/${w.plan.id}`, { status: "archived" })).statusCode,
      200,
    );
    await agent(w.team, "PATCH", `/tasks/${archived}`, { portalStatus: "complete" });
    const ref = await openRequest(t, w.team.ws.slug, w.own, "About the archived task");
    assert.equal(
      (await agent(w.team, "POST", `/tasks/${archived}/tickets`, { reference: ref })).statusCode,
      200,
    );
    const after = await events(w.acme, archived);
    assert.deepEqual(after.map((e) => e.type).sort(), ["task_completed", "task_linked"]);
    for (const e of after) {
      assert.ok(!e.customer_visible, `${e.type} is the team's only`);
      assert.ok(!e.data.includes("ARCHIVED-TASK-TITLE-88"), `${e.type} carries no title`);
    }

    // Hidden in the same change as the status: the event follows the task as it now is.
    const v = await planWith(["HIDDEN-NOW-TITLE-12"], w.team);
    const [hidden] = v.ids as [string];
    await agent(v.team, "PATCH", `/tasks/${hidden}`, { portalStatus: "complete", portalVisible: false });
    const ev = await events(v.acme, hidden);
    assert.equal(ev.length, 1);
    assert.ok(!ev[0]?.customer_visible && !ev[0]?.data.includes("HIDDEN-NOW-TITLE-12"));
  });

  test("a completed plan's task is still the customer's to see", async () => {
    const w = await planWith(["Finished plan task"]);
    const [task] = w.ids as [string];
    await agent(w.team, "PATCH", `/plans/${w.plan.id}`, { status: "completed" });
    await agent(w.team, "PATCH", `/tasks/${task}`, { portalStatus: "complete" });
    const ev = await events(w.acme, task);
    assert.ok(ev.some((e) => e.type === "task_completed" && Boolean(e.customer_visible)));
  });
});

describe("due dates from input", () => {
  test("a leap second passes the format but not Date: 400 validation_failed on dueAt, never a 500", async () => {
    const w = await planWith(["Sign the contract"]);
    const [task] = w.ids as [string];
    const leap = "2030-06-30T23:59:60Z";
    for (const [m, url, body] of [
      ["PATCH", `/tasks/${task}`, { dueAt: leap }],
      ["POST", `/plans/${w.plan.id}/tasks`, { title: "Another", dueAt: leap }],
    ] as const) {
      const r = await agent(w.team, m, url, body);
      assert.equal(r.statusCode, 400, `${m} ${url}: ${r.body}`);
      const err = (r.json() as { error: { code: string; fields: Record<string, string> } }).error;
      assert.equal(err.code, "validation_failed");
      assert.ok(err.fields.dueAt, "the field at fault is named");
    }
    // The page's form re-renders with the refusal instead of failing.
    const page = await postForm(w.team.agent, `/app/onboarding/tasks/${task}`, {
      _csrf: w.team.agent.csrf,
      title: "Sign the contract",
      dueAt: leap,
    });
    assert.equal(page.statusCode, 400, page.body.slice(0, 300));
    // The page's form is refused without its CSRF token, as every onboarding page's POST.
    const forged = await postForm(w.team.agent, `/app/onboarding/tasks/${task}`, {
      title: "Forged",
      dueAt: "",
    });
    assert.equal(forged.statusCode, 403);
    // A valid date still saves.
    const ok = await agent(w.team, "PATCH", `/tasks/${task}`, { dueAt: "2030-06-30T23:59:59Z" });
    assert.equal((ok.json() as { dueAt: string }).dueAt, "2030-06-30T23:59:59.000Z");
  });
});

describe("reminders", () => {
  const mailsTo = async (address: string) =>
    (
      await t.ctx.database.db
        .selectFrom("outbox_emails")
        .select("template_data")
        .where("kind", "=", "task_reminder")
        .where("to_address", "=", address)
        .execute()
    ).map((r) => r.template_data);

  test("stop two weeks after the due date", async () => {
    const w = await planWith(["LONG-OVERDUE-TASK", "RECENTLY-OVERDUE-TASK"]);
    const [old, recent] = w.ids as [string, string];
    const now = t.ctx.now().getTime();
    await agent(w.team, "PATCH", `/tasks/${old}`, { dueAt: new Date(now - 20 * DAY).toISOString() });
    await agent(w.team, "PATCH", `/tasks/${recent}`, { dueAt: new Date(now - 13 * DAY).toISOString() });
    await sendTaskReminders(t.ctx, systemActor("test"));
    const mails = await mailsTo(w.own.email);
    assert.equal(mails.length, 1);
    assert.match(mails[0] ?? "", /RECENTLY-OVERDUE-TASK/);
    assert.doesNotMatch(mails[0] ?? "", /LONG-OVERDUE-TASK/);

    // Only the 20-day one left: nothing at all the next day.
    await agent(w.team, "PATCH", `/tasks/${recent}`, { portalStatus: "complete" });
    t.advance(DAY);
    try {
      await sendTaskReminders(t.ctx, systemActor("test"));
      assert.equal((await mailsTo(w.own.email)).length, 1, "a task 21 days overdue is not reminded of");
    } finally {
      t.advance(-DAY);
    }
  });

  test("every workspace is served, however many tasks another has overdue", async () => {
    // Workspace A: a backlog of overdue tasks, more than one read could hold, for a company with
    // no one on the portal; workspace B: one task due tomorrow.
    const a = await planWith(["Backlog"]);
    const b = await planWith(["Send your logo"]);
    const quiet = await makeCompany(t, a.team.ws.id, "Quiet");
    const now = t.ctx.now();
    const due = new Date(now.getTime() - 3 * DAY).toISOString();
    const stamp = now.toISOString();
    const rows = Array.from({ length: 5001 }, (_, i) => ({
      id: `backlog-${a.team.ws.id}-${i}`,
      workspace_id: a.team.ws.id,
      company_id: quiet,
      plan_id: a.plan.id,
      position: 100 + i,
      title: `Backlog ${i}`,
      actor: "customer" as const,
      due_at: due,
      form_id: null,
      assignee_agent_id: null,
      portal_start: null,
      portal_complete: null,
      portal_assignee_contact_id: null,
      completed_at: null,
      created_at: stamp,
      updated_at: stamp,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await t.ctx.database.db
        .insertInto("tasks")
        .values(rows.slice(i, i + 500))
        .execute();
    }
    await sendTaskReminders(t.ctx, systemActor("test"));
    const toB = await mailsTo(b.own.email);
    assert.equal(toB.length, 1, "workspace B's customer got their reminder");
    assert.match(toB[0] ?? "", /Send your logo/);
    assert.equal((await mailsTo(a.own.email)).length, 1, "and workspace A's too");
  });

  test("the scheduled task_reminders job sends them, and a second run the same day nothing", async () => {
    const w = await planWith(["Send your logo"]);
    const handlers = { task_reminders: taskRemindersJob };
    const runOnce = async (key: string) => {
      await scheduleJob(t.ctx, t.ctx.database.db, {
        kind: "task_reminders",
        key,
        runAt: t.ctx.now(),
        workspaceId: null,
      });
      return runDueJobs(t.ctx, systemActor("test"), { handlers });
    };
    assert.equal((await runOnce(`task_reminders:first-${w.team.ws.id}`)).done, 1);
    assert.equal((await mailsTo(w.own.email)).length, 1);
    assert.equal((await runOnce(`task_reminders:again-${w.team.ws.id}`)).skipped, 1);
    assert.equal((await mailsTo(w.own.email)).length, 1);
  });
});
