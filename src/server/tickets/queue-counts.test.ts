import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseReference } from "../../shared/tickets.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// The views' counts are kept per workspace (queue-counts.ts): they must still be right after any
// change, whether it is announced on the live bus, only visible in the database (another process
// without Redis), or made by this process's own routes.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const counts = async (who: Team["agent"]) =>
  Object.fromEntries(
    (await t.app.inject({ url: "/api/workspace/views", headers: { cookie: who.cookie } }))
      .json()
      .views.map((v: { key: string; count: number }) => [v.key, v.count]),
  );
const ticketOf = async (wsId: string, reference: string) =>
  t.ctx.database.db
    .selectFrom("tickets")
    .select(["id", "updated_at"])
    .where("workspace_id", "=", wsId)
    .where("number", "=", parseReference(reference) as number)
    .executeTakeFirstOrThrow();

describe("the views' counts, kept between calls", () => {
  test("follow this process's changes, one workspace at a time", async () => {
    const one = await makeTeam(t);
    const two = await makeTeam(t);
    const a = await submitTicket(t, one.ws.slug);
    await submitTicket(t, two.ws.slug);
    assert.deepEqual(await counts(one.agent), { open: 1, mine: 0, unassigned: 1, waiting: 1 });
    assert.deepEqual(await counts(two.agent), { open: 1, mine: 0, unassigned: 1, waiting: 1 });
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${a.reference}/take`,
      headers: one.agent.headers,
      payload: {},
    });
    assert.deepEqual(await counts(one.agent), { open: 1, mine: 1, unassigned: 0, waiting: 1 });
    // Another agent of the workspace reads the same rows, counted for them.
    assert.deepEqual(await counts(one.admin), { open: 1, mine: 0, unassigned: 0, waiting: 1 });
    assert.deepEqual(await counts(two.agent), { open: 1, mine: 0, unassigned: 1, waiting: 1 });
    await submitTicket(t, one.ws.slug);
    assert.equal((await counts(one.agent)).open, 2);
  });

  test("count My teams for an agent in a team, from the same kept rows", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const a = await submitTicket(t, ws.slug);
    await submitTicket(t, ws.slug);
    assert.equal((await counts(agent)).teams, undefined);
    const at = new Date().toISOString();
    const db = t.ctx.database.db;
    await db
      .insertInto("teams")
      .values({ id: "team-q1", workspace_id: ws.id, name: "Billing", created_at: at, updated_at: at })
      .execute();
    await db
      .insertInto("team_members")
      .values({ team_id: "team-q1", agent_id: agent.id, workspace_id: ws.id })
      .execute();
    const row = await ticketOf(ws.id, a.reference);
    await db
      .updateTable("tickets")
      .set({ team_id: "team-q1", updated_at: new Date(Date.parse(row.updated_at) + 1000).toISOString() })
      .where("id", "=", row.id)
      .execute();
    assert.deepEqual(await counts(agent), { open: 2, mine: 0, unassigned: 2, waiting: 2, teams: 1 });
    assert.equal((await counts(admin)).teams, undefined);
  });

  test("follow a change written by another process: its update time, or its live event", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    assert.deepEqual(await counts(agent), { open: 1, mine: 0, unassigned: 1, waiting: 1 });
    const row = await ticketOf(ws.id, s.reference);
    // Straight into the database, with a new update time and no event.
    await t.ctx.database.db
      .updateTable("tickets")
      .set({ assignee_id: agent.id, updated_at: new Date(Date.parse(row.updated_at) + 1000).toISOString() })
      .where("id", "=", row.id)
      .execute();
    assert.deepEqual(await counts(agent), { open: 1, mine: 1, unassigned: 0, waiting: 1 });
    // The update time unchanged: the event (as Redis brings another process's) is what tells.
    await t.ctx.database.db
      .updateTable("tickets")
      .set({ status: "resolved" })
      .where("id", "=", row.id)
      .execute();
    t.ctx.live.publish({ workspaceId: ws.id, topic: "ticket", reference: s.reference });
    assert.deepEqual(await counts(agent), { open: 0, mine: 0, unassigned: 0, waiting: 0 });
  });
});
