import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeTeam, type SignedInAgent, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The routing pages over HTTP, as an admin and an agent use them: Settings → Assignment, teams
// and their members, capacity, the header's availability control, a ticket's team and the queue's
// "My teams".

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function post(who: SignedInAgent, url: string, fields: [string, string][]) {
  const body = new URLSearchParams([...fields, ["_csrf", who.csrf]]).toString();
  return t.app.inject({ method: "POST", url, headers: { cookie: who.cookie, ...FORM }, payload: body });
}
const get = (who: SignedInAgent, url: string) => t.app.inject({ url, headers: { cookie: who.cookie } });

test("an admin sets up teams and assignment; agents get tickets by them", async () => {
  const { ws, admin, agent } = await makeTeam(t);
  const created = await post(admin, "/app/settings/teams", [["name", "Billing"]]);
  assert.equal(created.statusCode, 303);
  const team = await t.ctx.database.db
    .selectFrom("teams")
    .select("id")
    .where("workspace_id", "=", ws.id)
    .executeTakeFirstOrThrow();
  assert.equal(
    (
      await post(admin, `/app/settings/teams/${team.id}`, [
        ["name", "Billing"],
        ["member", agent.id],
      ])
    ).statusCode,
    303,
  );
  // A name already taken is refused on the page, with its field.
  const dup = await post(admin, "/app/settings/teams", [["name", "billing"]]);
  assert.equal(dup.statusCode, 409);
  assert.match(dup.body, /is taken/);

  const page = await get(admin, "/app/settings/assignment");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Round robin/);
  assert.equal(
    (
      await post(admin, "/app/settings/assignment", [
        ["mode", "round_robin"],
        ["team:Bug Report", team.id],
      ])
    ).statusCode,
    303,
  );
  const audit = await t.ctx.database.db
    .selectFrom("audit_events")
    .select("action")
    .where("workspace_id", "=", ws.id)
    .execute();
  assert.ok(audit.some((a) => a.action === "settings.assignment"));
  assert.ok(audit.some((a) => a.action === "team.created"));

  // An agent may look, not change.
  assert.equal((await get(agent, "/app/settings/assignment")).statusCode, 200);
  assert.equal((await post(agent, "/app/settings/assignment", [["mode", "manual"]])).statusCode, 403);

  const bug = await submitTicket(t, ws.slug, { type: "Bug Report" });
  const ticket = await get(agent, `/app/tickets/${bug.reference}`);
  assert.match(ticket.body, /<select id="p-team" name="teamId">/);
  assert.match(ticket.body, new RegExp(`<option value="${team.id}" selected>Billing</option>`));
  // My teams: the agent's team's tickets.
  const mine = await get(agent, "/app?team=mine");
  assert.match(mine.body, new RegExp(bug.reference));
  assert.match(mine.body, /data-view="teams" aria-current="page">My teams /);
  const other = await submitTicket(t, ws.slug, { type: "General Inquiry", subject: "Another thing" });
  assert.doesNotMatch((await get(agent, "/app?team=mine")).body, new RegExp(other.reference));

  // The ticket's team changes from its page.
  const moved = await post(agent, `/app/tickets/${other.reference}/properties`, [["teamId", team.id]]);
  assert.equal(moved.statusCode, 303);
  assert.match((await get(agent, "/app?team=mine")).body, new RegExp(other.reference));
});

test("capacity by an admin; availability by the agent in the header", async () => {
  const { ws, admin, agent } = await makeTeam(t);
  const header = await get(agent, "/app");
  assert.match(header.body, /<details class="availability availability-online">/);
  assert.equal(
    (
      await post(agent, "/app/me/availability", [
        ["availability", "away"],
        ["next", "/app"],
      ])
    ).statusCode,
    303,
  );
  assert.match((await get(agent, "/app")).body, /availability-away/);

  const bad = await post(admin, `/app/settings/agents/${agent.id}/capacity`, [["capacity", "-3"]]);
  assert.equal(bad.statusCode, 400);
  assert.equal(
    (await post(admin, `/app/settings/agents/${agent.id}/capacity`, [["capacity", "5"]])).statusCode,
    303,
  );
  const row = await t.ctx.database.db
    .selectFrom("agents")
    .select(["capacity", "availability"])
    .where("id", "=", agent.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual({ ...row }, { capacity: 5, availability: "away" });
  const teams = await get(admin, "/app/settings/teams");
  assert.match(teams.body, /Workload/);
  assert.equal(
    (await post(agent, `/app/settings/agents/${admin.id}/capacity`, [["capacity", "1"]])).statusCode,
    403,
  );
  assert.ok(ws.id);
});
