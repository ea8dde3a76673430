import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany, openRequest, type PortalCustomer } from "../test/portal-world.ts";
import { sendTaskReminders } from "./task-reminders.ts";

// Onboarding through the app: templates, applying one to a company, the team's edits, the
// customer's plan, starting and completing, links to requests, reminders, and the scoping and
// canary checks (nothing of the team's side in any customer answer).

const CANARY = "CANARY-INTERNAL-7731";
const HIDDEN = "HIDDEN-TASK-TITLE-19";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

const agent = (team: Team, method: string, url: string, payload?: object) =>
  t.app.inject({
    method: method as "GET",
    url: `/api/workspace${url}`,
    headers: team.agent.headers,
    ...(payload ? { payload } : {}),
  });

const portal = (c: PortalCustomer, method: "GET" | "POST", url: string) =>
  t.app.inject({ method, url, headers: method === "GET" ? { cookie: c.cookie } : c.headers });

async function world() {
  const team = await makeTeam(t);
  const other = await makeTeam(t);
  const acme = await makeCompany(t, team.ws.id, "Acme");
  const beta = await makeCompany(t, team.ws.id, "Beta");
  const manager = await customerIn(t, team.ws.id, acme, "company", "Mia Manager");
  const own = await customerIn(t, team.ws.id, acme, "own", "Otto Own");
  const colleague = await customerIn(t, team.ws.id, acme, "own", "Cleo Colleague");
  const betaManager = await customerIn(t, team.ws.id, beta, "company", "Ben Beta");
  const bCorp = await makeCompany(t, other.ws.id, "Bcorp");
  const stranger = await customerIn(t, other.ws.id, bCorp, "company", "Xena Other");

  const created = await agent(team, "POST", "/onboarding/templates", { name: "Onboarding" });
  assert.equal(created.statusCode, 201, created.body);
  const templateId = (created.json() as { id: string }).id;
  const tasks = [
    { title: "Kickoff call", actor: "team", dueOffsetDays: 0 },
    { title: "Send your logo", actor: "customer", dueOffsetDays: 1, description: "A PNG or SVG." },
    { title: HIDDEN, actor: "customer", dueOffsetDays: 1, portalVisible: false },
    { title: "Sign the contract", actor: "customer", dueOffsetDays: 10 },
  ];
  for (const task of tasks) {
    const r = await agent(team, "POST", `/onboarding/templates/${templateId}/tasks`, task);
    assert.equal(r.statusCode, 201, r.body);
  }
  const applied = await agent(team, "POST", `/companies/${acme}/plans`, { templateId });
  assert.equal(applied.statusCode, 201, applied.body);
  const plan = applied.json() as { id: string; tasks: { id: string; title: string }[] };
  const byTitle = (title: string) => plan.tasks.find((x) => x.title === title)?.id as string;
  const ids = {
    kickoff: byTitle("Kickoff call"),
    logo: byTitle("Send your logo"),
    hidden: byTitle(HIDDEN),
    contract: byTitle("Sign the contract"),
  };
  // The team's side of the logo task: blocked, with an internal note.
  const edited = await agent(team, "PATCH", `/tasks/${ids.logo}`, {
    status: "blocked",
    internalNote: `${CANARY} waiting on legal review`,
    assigneeAgentId: team.agent.id,
    portalStatus: "in_progress",
  });
  assert.equal(edited.statusCode, 200, edited.body);
  await agent(team, "PATCH", `/tasks/${ids.hidden}`, { internalNote: CANARY, status: "blocked" });
  return { team, other, acme, beta, manager, own, colleague, betaManager, stranger, templateId, plan, ids };
}

const assertClean = (body: string, where: string) => {
  assert.ok(!body.includes(CANARY), `the internal note reached ${where}`);
  assert.ok(!body.includes(HIDDEN), `a hidden task reached ${where}`);
  assert.ok(
    !/blocked|internal_?note|internalNote|assignee_agent/i.test(body),
    `the team's state reached ${where}`,
  );
};

describe("templates and plans (agents)", () => {
  test("a template's tasks are copied in order, due their offset from now; edits keep both states", async () => {
    const { team, templateId, plan, ids } = await world();
    const tpl = (await agent(team, "GET", `/onboarding/templates/${templateId}`)).json() as {
      tasks: { id: string; title: string; position: number }[];
    };
    assert.deepEqual(
      tpl.tasks.map((x) => x.title),
      ["Kickoff call", "Send your logo", HIDDEN, "Sign the contract"],
    );
    // Reordering the template never changes the plan already applied.
    const reordered = await agent(team, "PUT", `/onboarding/templates/${templateId}/order`, {
      ids: [...tpl.tasks.map((x) => x.id)].reverse(),
    });
    assert.equal(reordered.statusCode, 200);
    assert.equal((reordered.json() as { tasks: { title: string }[] }).tasks[0]?.title, "Sign the contract");
    const got = (await agent(team, "GET", `/plans/${plan.id}`)).json() as {
      tasks: {
        id: string;
        title: string;
        dueAt: string;
        status: string;
        internalNote: string;
        portalStatus: string;
      }[];
    };
    assert.equal(got.tasks[0]?.title, "Kickoff call");
    const logo = got.tasks.find((x) => x.id === ids.logo);
    assert.equal(logo?.status, "blocked");
    assert.equal(logo?.portalStatus, "in_progress");
    assert.ok(logo?.internalNote.includes(CANARY));
    const due = Date.parse(logo?.dueAt ?? "") - Date.now();
    assert.ok(due > 23 * 3_600_000 && due < 25 * 3_600_000, "due one day from now");
  });

  test("bad input names the field; another workspace's ids are 404", async () => {
    const { team, other, templateId, plan, ids, acme } = await world();
    const bad = await agent(team, "POST", "/onboarding/templates", { name: "  " });
    assert.equal(bad.statusCode, 400);
    assert.ok((bad.json() as { error: { fields: Record<string, string> } }).error.fields.name);
    const badTask = await agent(team, "PATCH", `/tasks/${ids.logo}`, { portalStatus: "blocked" });
    assert.equal(badTask.statusCode, 400);
    const order = await agent(team, "PUT", `/plans/${plan.id}/order`, { ids: [ids.logo] });
    assert.equal(order.statusCode, 400);
    for (const [m, url, body] of [
      ["GET", `/onboarding/templates/${templateId}`],
      ["GET", `/plans/${plan.id}`],
      ["GET", `/tasks/${ids.logo}`],
      ["PATCH", `/tasks/${ids.logo}`, { internalNote: "x" }],
      ["GET", `/companies/${acme}/plans`],
      ["POST", `/companies/${acme}/plans`, { templateId }],
    ] as const) {
      const r = await agent(other, m, url, body);
      assert.equal(r.statusCode, 404, `${m} ${url}`);
    }
  });
});

describe("the customer's plan", () => {
  test("the plan with progress and their tasks, never the team's side", async () => {
    const { own, team, plan, ids } = await world();
    const slug = team.ws.slug;
    const res = await portal(own, "GET", `/api/portal/${slug}/onboarding`);
    assert.equal(res.statusCode, 200);
    const body = res.json() as {
      plans: { id: string; total: number; done: number; tasks: { title: string; statusLabel: string }[] }[];
    };
    assert.equal(body.plans[0]?.id, plan.id);
    assert.equal(body.plans[0]?.total, 3);
    assert.equal(body.plans[0]?.tasks.find((x) => x.title === "Send your logo")?.statusLabel, "In progress");
    const urls = [
      `/api/portal/${slug}/onboarding`,
      `/api/portal/${slug}/onboarding/summary`,
      `/api/portal/${slug}/onboarding/plans/${plan.id}`,
      `/api/portal/${slug}/onboarding/tasks/${ids.logo}`,
      `/portal/${slug}/home`,
      `/portal/${slug}/onboarding`,
      `/portal/${slug}/onboarding/tasks/${ids.logo}`,
    ];
    for (const url of urls) {
      const r = await portal(own, "GET", url);
      assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 200)}`);
      assertClean(r.body, url);
    }
    const summary = (await portal(own, "GET", `/api/portal/${slug}/onboarding/summary`)).json() as {
      plan: { done: number; total: number };
      dueFromYou: { title: string }[];
    };
    assert.deepEqual([summary.plan.done, summary.plan.total], [0, 3]);
    assert.equal(summary.dueFromYou[0]?.title, "Send your logo");
    const home = await portal(own, "GET", `/portal/${slug}/home`);
    assert.match(home.body, /0 of 3 done/);
    // A hidden task is a 404 like any other company's.
    assert.equal(
      (await portal(own, "GET", `/api/portal/${slug}/onboarding/tasks/${ids.hidden}`)).statusCode,
      404,
    );
  });

  test("start and complete: their own tasks, not the team's nor a colleague's", async () => {
    const { own, colleague, manager, team, ids, plan } = await world();
    const slug = team.ws.slug;
    const api = `/api/portal/${slug}/onboarding/tasks`;
    const started = await portal(own, "POST", `${api}/${ids.contract}/start`);
    assert.equal(started.statusCode, 200, started.body);
    assert.equal((started.json() as { portalStatus: string }).portalStatus, "in_progress");
    const done = await portal(own, "POST", `${api}/${ids.contract}/complete`);
    assert.equal((done.json() as { portalStatus: string }).portalStatus, "complete");
    assertClean(done.body, "complete");
    assert.equal((await portal(own, "POST", `${api}/${ids.kickoff}/start`)).statusCode, 403);
    await agent(team, "PATCH", `/tasks/${ids.logo}`, { portalAssigneeContactId: colleague.contactId });
    assert.equal((await portal(own, "POST", `${api}/${ids.logo}/complete`)).statusCode, 403);
    assert.equal((await portal(manager, "POST", `${api}/${ids.logo}/complete`)).statusCode, 200);
    // The agents see the customer's side moved, and their own untouched.
    const p = (await agent(team, "GET", `/plans/${plan.id}`)).json() as {
      tasks: { id: string; status: string; portalStatus: string }[];
    };
    const logo = p.tasks.find((x) => x.id === ids.logo);
    assert.deepEqual([logo?.status, logo?.portalStatus], ["blocked", "complete"]);
    // Without the CSRF token nothing changes.
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `${api}/${ids.contract}/start`,
      headers: { cookie: own.cookie },
    });
    assert.equal(noCsrf.statusCode, 403);
  });

  test("another company's or workspace's plan and task are 404 on every route; archived plans leave", async () => {
    const { betaManager, stranger, own, team, other, ids, plan } = await world();
    const slug = team.ws.slug;
    for (const [c, s] of [
      [betaManager, slug],
      [stranger, other.ws.slug],
    ] as const) {
      for (const [m, url] of [
        ["GET", `/api/portal/${s}/onboarding/plans/${plan.id}`],
        ["GET", `/api/portal/${s}/onboarding/tasks/${ids.logo}`],
        ["POST", `/api/portal/${s}/onboarding/tasks/${ids.logo}/start`],
        ["POST", `/api/portal/${s}/onboarding/tasks/${ids.logo}/complete`],
        ["GET", `/portal/${s}/onboarding/tasks/${ids.logo}`],
      ] as const) {
        const r = await portal(c, m, url);
        assert.equal(r.statusCode, 404, `${c.name} ${m} ${url}`);
        assert.ok(!r.body.includes("Send your logo"));
      }
      const list = await portal(c, "GET", `/api/portal/${s}/onboarding`);
      assert.deepEqual(list.json(), { plans: [] });
    }
    await agent(team, "PATCH", `/plans/${plan.id}`, { status: "archived" });
    assert.equal(
      (await portal(own, "GET", `/api/portal/${slug}/onboarding/tasks/${ids.logo}`)).statusCode,
      404,
    );
    assert.deepEqual((await portal(own, "GET", `/api/portal/${slug}/onboarding`)).json(), { plans: [] });
  });
});

describe("tickets and tasks", () => {
  test("a linked request shows on the task and the task on the request, within the customer's scope", async () => {
    const { team, own, colleague, manager, betaManager, ids, plan } = await world();
    const slug = team.ws.slug;
    const ref = await openRequest(t, slug, own, "Logo question");
    const linked = await agent(team, "POST", `/tasks/${ids.logo}/tickets`, { reference: ref });
    assert.equal(linked.statusCode, 200, linked.body);
    assert.deepEqual((linked.json() as { ticketReferences: string[] }).ticketReferences, [ref]);
    const spawned = await agent(team, "POST", `/tickets/${ref}/tasks`, { planId: plan.id });
    assert.equal(spawned.statusCode, 201, spawned.body);
    assert.equal((spawned.json() as { title: string }).title, "Logo question");

    const ofTask = (c: PortalCustomer) =>
      portal(c, "GET", `/api/portal/${slug}/onboarding/tasks/${ids.logo}`).then(
        (r) => (r.json() as { requests: { reference: string }[] }).requests,
      );
    assert.deepEqual(await ofTask(own), [{ reference: ref, subject: "Logo question" }]);
    assert.deepEqual(await ofTask(manager), [{ reference: ref, subject: "Logo question" }]);
    assert.deepEqual(await ofTask(colleague), [], "a colleague with own scope does not see Otto's request");
    const onRequest = await portal(own, "GET", `/api/portal/${slug}/requests/${ref}/tasks`);
    assert.deepEqual(
      (onRequest.json() as { title: string }[]).map((x) => x.title).sort(),
      ["Logo question", "Send your logo"].filter((x) => x === "Send your logo" || true).sort(),
    );
    assertClean(onRequest.body, "the request's tasks");
    const page = await portal(own, "GET", `/portal/${slug}/requests/${ref}`);
    assert.match(page.body, /Send your logo/);
    assertClean(page.body, "the request page");
    assert.equal(
      (await portal(betaManager, "GET", `/api/portal/${slug}/requests/${ref}/tasks`)).statusCode,
      404,
    );
  });
});

describe("reminders", () => {
  test("one email for several tasks due, once a day, with nothing internal", async () => {
    const { team, own, ids } = await world();
    // Two tasks due tomorrow or before for Otto: the logo (tomorrow) and the contract (made overdue).
    await agent(team, "PATCH", `/tasks/${ids.contract}`, {
      dueAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    const sent = await sendTaskReminders(t.ctx, systemActor("test"));
    assert.ok(sent >= 1);
    const mails = async () =>
      t.ctx.database.db
        .selectFrom("outbox_emails")
        .selectAll()
        .where("workspace_id", "=", team.ws.id)
        .where("kind", "=", "task_reminder")
        .where("to_address", "=", own.email)
        .execute();
    const first = await mails();
    assert.equal(first.length, 1);
    const data = first[0]?.template_data ?? "";
    assert.match(data, /Send your logo/);
    assert.match(data, /Sign the contract/);
    assertClean(`${first[0]?.subject} ${data}`, "the reminder");
    await sendTaskReminders(t.ctx, systemActor("test"));
    assert.equal((await mails()).length, 1, "not sent twice the same day");
  });
});

describe("the timeline and forms", () => {
  test("customer-visible events carry a visible task's title only, never the team's side", async () => {
    const { team, own, acme, ids } = await world();
    const slug = team.ws.slug;
    await portal(own, "POST", `/api/portal/${slug}/onboarding/tasks/${ids.contract}/start`);
    await portal(own, "POST", `/api/portal/${slug}/onboarding/tasks/${ids.contract}/complete`);
    await agent(team, "PATCH", `/tasks/${ids.hidden}`, { portalStatus: "complete" });
    const events = await t.ctx.database.db
      .selectFrom("company_events")
      .selectAll()
      .where("company_id", "=", acme)
      .execute();
    const types = events.map((e) => e.type);
    for (const type of ["plan_applied", "task_started", "task_completed"])
      assert.ok(types.includes(type), type);
    const visible = events.filter((e) => Boolean(e.customer_visible));
    assertClean(JSON.stringify(visible), "the customer's timeline");
    assert.ok(visible.some((e) => e.data.includes("Sign the contract")));
    // The hidden task's completion is on the team's timeline only, without its title.
    const hidden = events.filter((e) => e.data.includes(ids.hidden));
    assert.ok(hidden.length > 0 && hidden.every((e) => !e.customer_visible && !e.data.includes(HIDDEN)));
  });

  test("a task's form: chosen from the workspace's forms, linked from the customer's task page", async () => {
    const { team, other, own, ids } = await world();
    const now = new Date().toISOString();
    const form = { name: "Company details", request_type: null, created_at: now, updated_at: now };
    await t.ctx.database.db
      .insertInto("forms")
      .values([
        { id: `f-${ids.logo}`, workspace_id: team.ws.id, ...form },
        { id: `g-${ids.logo}`, workspace_id: other.ws.id, ...form },
      ])
      .execute();
    const foreign = await agent(team, "PATCH", `/tasks/${ids.contract}`, { formId: `g-${ids.logo}` });
    assert.equal(foreign.statusCode, 400);
    assert.ok((foreign.json() as { error: { fields: Record<string, string> } }).error.fields.formId);
    assert.equal(
      (await agent(team, "PATCH", `/tasks/${ids.contract}`, { formId: `f-${ids.logo}` })).statusCode,
      200,
    );
    const slug = team.ws.slug;
    const task = (
      await portal(own, "GET", `/api/portal/${slug}/onboarding/tasks/${ids.contract}`)
    ).json() as {
      formName: string;
    };
    assert.equal(task.formName, "Company details");
    const page = await portal(own, "GET", `/portal/${slug}/onboarding/tasks/${ids.contract}`);
    assert.match(page.body, new RegExp(`href="/portal/${slug}/onboarding/tasks/${ids.contract}/form"`));
    assert.match(page.body, /Fill in the form/);
  });

  test("no reminder for a complete task, an archived plan or a colleague's task", async () => {
    const { team, own, colleague, plan, ids } = await world();
    await agent(team, "PATCH", `/tasks/${ids.logo}`, { portalAssigneeContactId: colleague.contactId });
    await agent(team, "PATCH", `/tasks/${ids.contract}`, {
      portalStatus: "complete",
      dueAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    await sendTaskReminders(t.ctx, systemActor("test"));
    const to = async (address: string) =>
      (
        await t.ctx.database.db
          .selectFrom("outbox_emails")
          .select("template_data")
          .where("kind", "=", "task_reminder")
          .where("to_address", "=", address)
          .execute()
      ).map((r) => r.template_data);
    assert.deepEqual(
      await to(own.email),
      [],
      "Otto has nothing due: the logo is Cleo's, the contract complete",
    );
    const cleo = await to(colleague.email);
    assert.equal(cleo.length, 1);
    assert.match(cleo[0] ?? "", /Send your logo/);
    await agent(team, "PATCH", `/plans/${plan.id}`, { status: "archived" });
    t.advance(86_400_000);
    try {
      await sendTaskReminders(t.ctx, systemActor("test"));
      assert.equal((await to(colleague.email)).length, 1, "an archived plan sends nothing");
    } finally {
      t.advance(-86_400_000);
    }
  });
});
