import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../ids.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// The agents' task list: their tasks, open ones first with the overdue first, done with one click
// (the API and the page's plain form), linked to their ticket; another workspace's task is a 404
// and a customer reaches none.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const HOUR = 3_600_000;
type Team = Awaited<ReturnType<typeof makeTeam>>;

const api = (
  who: { headers: Record<string, string> },
  method: "GET" | "POST" | "DELETE",
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: who.headers,
    ...(payload ? { payload } : {}),
  });

async function insertTask(
  team: Team,
  agentId: string,
  title: string,
  dueInMs: number | null,
  ticketId?: string,
) {
  const id = newId();
  await t.ctx.database.db
    .insertInto("agent_tasks")
    .values({
      id,
      workspace_id: team.ws.id,
      agent_id: agentId,
      title,
      body: "Call them back",
      due_at: dueInMs === null ? null : new Date(t.ctx.now().getTime() + dueInMs).toISOString(),
      status: "open",
      done_at: null,
      done_by_agent_id: null,
      ticket_id: ticketId ?? null,
      contact_id: null,
      company_id: null,
      survey_id: null,
      source: "csat",
      created_at: t.ctx.now().toISOString(),
    })
    .execute();
  return id;
}

describe("tasks API", () => {
  test("mine, open first: overdue, then by due date, undated last; done with one call", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug, { subject: "Slow export" });
    const ticketId = (
      await t.ctx.database.db
        .selectFrom("tickets")
        .select("id")
        .where("workspace_id", "=", team.ws.id)
        .executeTakeFirstOrThrow()
    ).id;
    const later = await insertTask(team, team.agent.id, "Later", 48 * HOUR);
    const overdue = await insertTask(team, team.agent.id, "Overdue", -2 * HOUR, ticketId);
    const undated = await insertTask(team, team.agent.id, "Undated", null);
    const soon = await insertTask(team, team.agent.id, "Soon", HOUR);
    await insertTask(team, team.admin.id, "The admin's", HOUR);

    const r = await api(team.agent, "GET", "/tasks?mine=1&status=open");
    assert.equal(r.statusCode, 200, r.body);
    const list = r.json() as { id: string; overdue: boolean; ticket: { reference: string } | null }[];
    assert.deepEqual(
      list.map((x) => x.id),
      [overdue, soon, later, undated],
    );
    assert.equal(list[0]?.overdue, true);
    assert.equal(list[0]?.ticket?.reference, sub.reference);
    assert.equal(list[1]?.overdue, false);

    const done = await api(team.agent, "POST", `/tasks/${overdue}/done`);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((done.json() as { status: string }).status, "done");
    const open = (await api(team.agent, "GET", "/tasks?mine=1&status=open")).json() as { id: string }[];
    assert.deepEqual(
      open.map((x) => x.id),
      [soon, later, undated],
    );
    // All of mine: the done one after the open ones.
    const all = (await api(team.agent, "GET", "/tasks?mine=1")).json() as { id: string }[];
    assert.equal(all.at(-1)?.id, overdue);
    // Undone.
    const undo = await api(team.agent, "DELETE", `/tasks/${overdue}/done`);
    assert.equal((undo.json() as { status: string }).status, "open");
  });

  test("an agent adds a task with a due date and a ticket; bad input names its field", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug);
    const due = new Date(t.ctx.now().getTime() + 24 * HOUR).toISOString();
    const r = await api(team.agent, "POST", "/tasks", {
      title: "Check the invoice",
      dueAt: due,
      ticket: sub.reference,
    });
    assert.equal(r.statusCode, 201, r.body);
    const task = r.json() as {
      agentId: string;
      ticket: { reference: string };
      source: string;
      dueAt: string;
    };
    assert.equal(task.agentId, team.agent.id);
    assert.equal(task.ticket.reference, sub.reference);
    assert.equal(task.source, "manual");
    const empty = await api(team.agent, "POST", "/tasks", { title: "" });
    assert.equal(empty.statusCode, 400);
    assert.ok((empty.json() as { error: { fields: Record<string, string> } }).error.fields.title);
    const noTicket = await api(team.agent, "POST", "/tasks", { title: "x", ticket: "TKT-9999" });
    assert.equal(noTicket.statusCode, 400);
    assert.ok((noTicket.json() as { error: { fields: Record<string, string> } }).error.fields.ticket);
  });

  test("another workspace's task is a 404; a customer reaches none", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const id = await insertTask(a, a.agent.id, "A's task", HOUR);
    const r = await api(b.agent, "POST", `/tasks/${id}/done`);
    assert.equal(r.statusCode, 404);
    assert.deepEqual((await api(b.agent, "GET", "/tasks")).json(), []);
    const row = await t.ctx.database.db
      .selectFrom("agent_tasks")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirst();
    assert.equal(row?.status, "open");

    const customer = await makeCustomer(t, a.ws.id, { access: "company" });
    for (const [method, url] of [
      ["GET", "/api/workspace/tasks"],
      ["POST", `/api/workspace/tasks/${id}/done`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: customer.headers });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
    const page = await t.app.inject({ url: "/app/tasks", headers: { cookie: customer.cookie } });
    assert.equal(page.statusCode, 303);
    assert.doesNotMatch(page.body, /A&#39;s task|A's task/);
  });
});

describe("tasks page", () => {
  test("lists the agent's tasks with local times, overdue in words, and Done is a plain form", async () => {
    const team = await makeTeam(t);
    const sub = await submitTicket(t, team.ws.slug, { subject: "Printer jam" });
    const ticketId = (
      await t.ctx.database.db
        .selectFrom("tickets")
        .select("id")
        .where("workspace_id", "=", team.ws.id)
        .executeTakeFirstOrThrow()
    ).id;
    const overdue = await insertTask(team, team.agent.id, "Call Casey back", -HOUR, ticketId);
    await insertTask(team, team.agent.id, "Send the quote", 5 * HOUR);

    const ticketBefore = await t.app.inject({
      url: `/app/tickets/${sub.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.match(
      ticketBefore.body,
      /Follow-up tasks<\/h2>[\s\S]*Overdue<\/span> <bdi>Call Casey back<\/bdi>/,
    );
    const page = await t.app.inject({ url: "/app/tasks", headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      /<a href="\/app\/tasks" aria-current="page">Tasks <span class="nav-count">2<span class="visually-hidden"> open<\/span><\/span><\/a>/,
      "the navigation counts the open tasks",
    );
    assert.match(page.body, /Overdue<\/span> <bdi>Call Casey back<\/bdi>/);
    assert.match(page.body, new RegExp(`href="/app/tickets/${sub.reference}"`));
    assert.match(page.body, /<time datetime="[^"]+Z">/);
    assert.ok(page.body.indexOf("Call Casey back") < page.body.indexOf("Send the quote"), "overdue first");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;

    const done = await t.app.inject({
      method: "POST",
      url: `/app/tasks/${overdue}/done`,
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(csrf)}&done=true`,
    });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, "/app/tasks?saved=done");
    const after = await t.app.inject({
      url: "/app/tasks?saved=done",
      headers: { cookie: team.agent.cookie },
    });
    assert.match(after.body, /Task done\./);
    assert.match(after.body, /Done this week/);
    assert.match(after.body, /class="nav-count">1</);

    // The ticket's sidebar lists its open follow-up tasks (none once done).
    const ticketPage = await t.app.inject({
      url: `/app/tickets/${sub.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.doesNotMatch(ticketPage.body, /Follow-up tasks/);

    // Without the CSRF token nothing changes.
    const forged = await t.app.inject({
      method: "POST",
      url: `/app/tasks/${overdue}/done`,
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "done=false",
    });
    assert.equal(forged.statusCode, 403);

    // Adding one by the form, due in the workspace's time zone.
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ time_zone: "Asia/Tokyo" })
      .where("id", "=", team.ws.id)
      .execute();
    const add = await t.app.inject({
      method: "POST",
      url: "/app/tasks",
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(csrf)}&title=Ring+back&dueAt=2027-01-05T09:30&ticket=`,
    });
    assert.equal(add.statusCode, 303, add.body);
    const row = await t.ctx.database.db
      .selectFrom("agent_tasks")
      .select("due_at")
      .where("workspace_id", "=", team.ws.id)
      .where("title", "=", "Ring back")
      .executeTakeFirstOrThrow();
    assert.equal(new Date(row.due_at as string).toISOString(), "2027-01-05T00:30:00.000Z");
    const bad = await t.app.inject({
      method: "POST",
      url: "/app/tasks",
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(csrf)}&title=&dueAt=`,
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="title"[^>]*aria-invalid|aria-describedby="title-error"/);
  });
});
