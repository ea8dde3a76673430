import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../actors.ts";
import { addAgent } from "../agents/agent.service.ts";
import { makeAgent, makeWorkspace, type SignedInAgent, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Auto-assignment through the real portal submission: round robin in turn and fairly, least open
// tickets, only agents who may take a ticket (online, under capacity, active, accepted), a ticket
// type's team, two tickets at once against an agent with room for one, and the assignee told.

let t: TestEnv;
before(async () => {
  t = await testEnv({ SUBMIT_RATE_LIMIT_PER_HOUR: "100000" });
});
after(() => t.close());

interface Desk {
  slug: string;
  admin: SignedInAgent;
  agents: SignedInAgent[];
}

/** A workspace with an admin and `n` more agents, all signed in, in the given mode. */
async function desk(n: number, mode: string): Promise<Desk> {
  const ws = await makeWorkspace(t);
  const adminRow = await makeAgent(t, ws.id, { role: "admin" });
  const admin = await signIn(t, ws.slug, adminRow.email);
  const agents: SignedInAgent[] = [];
  for (let i = 0; i < n; i++) agents.push(await signIn(t, ws.slug, (await makeAgent(t, ws.id)).email));
  await api(admin, "PATCH", "/api/workspace/settings/assignment", { mode }, 200);
  return { slug: ws.slug, admin, agents };
}

async function api(
  who: SignedInAgent,
  method: "GET" | "PATCH" | "PUT" | "POST" | "DELETE",
  url: string,
  payload?: Record<string, unknown>,
  status = 200,
) {
  const res = await t.app.inject({
    method,
    url,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload }),
  });
  assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
  return res.body ? (res.json() as Record<string, unknown>) : {};
}

async function assigneeOf(d: Desk, reference: string): Promise<string | null> {
  const body = (await api(d.admin, "GET", `/api/workspace/tickets/${reference}`)) as {
    assignee: { id: string } | null;
  };
  return body.assignee?.id ?? null;
}

async function open(d: Desk, type?: string) {
  const s = await submitTicket(t, d.slug, type ? { type } : {});
  return { reference: s.reference, assignee: await assigneeOf(d, s.reference) };
}

async function setAway(who: SignedInAgent, handBack = false) {
  return api(who, "PUT", "/api/workspace/me/availability", { availability: "away", handBack });
}

async function capacity(d: Desk, agentId: string, cap: number | null) {
  await api(d.admin, "PUT", `/api/workspace/agents/${agentId}/capacity`, { capacity: cap });
}

const notices = (agentId: string) =>
  t.ctx.database.db
    .selectFrom("notifications")
    .select(["kind", "ticket_id"])
    .where("agent_id", "=", agentId)
    .execute();

test("manual: nobody is assigned", async () => {
  const d = await desk(2, "manual");
  assert.equal((await open(d)).assignee, null);
});

test("round robin: each available agent in turn, and fairly", async () => {
  const d = await desk(2, "round_robin");
  const everyone = [d.admin, ...d.agents].map((a) => a.id).sort();
  const got: string[] = [];
  for (let i = 0; i < 9; i++) got.push((await open(d)).assignee as string);
  // The order repeats: a, b, c, a, b, c …
  assert.deepEqual(got.slice(0, 3).sort(), everyone);
  assert.deepEqual(got.slice(3, 6), got.slice(0, 3));
  assert.deepEqual(got.slice(6, 9), got.slice(0, 3));
  for (const id of everyone) assert.equal(got.filter((g) => g === id).length, 3);
});

test("least open: the agent with the fewest open tickets; resolved ones do not count", async () => {
  const d = await desk(2, "manual");
  const [a, b] = d.agents as [SignedInAgent, SignedInAgent];
  // Hand out by hand first: admin 2 open, a 1 open + 2 resolved, b 2 open.
  const give = async (who: SignedInAgent, status?: string) => {
    const s = await submitTicket(t, d.slug);
    await api(d.admin, "PATCH", `/api/workspace/tickets/${s.reference}`, {
      assigneeId: who.id,
      ...(status ? { status, resolution: "Done." } : {}),
    });
  };
  await give(d.admin);
  await give(d.admin);
  await give(a);
  await give(a, "resolved");
  await give(a, "resolved");
  await give(b);
  await give(b);
  await api(d.admin, "PATCH", "/api/workspace/settings/assignment", { mode: "least_open" });
  assert.equal((await open(d)).assignee, a.id, "a has one open ticket, the others two");
  // Now all have two: the next three go one to each.
  const next = [(await open(d)).assignee, (await open(d)).assignee, (await open(d)).assignee];
  assert.deepEqual([...next].sort(), [d.admin.id, a.id, b.id].sort());
});

test("away, at capacity, deactivated and invited agents get nothing", async () => {
  const d = await desk(3, "round_robin");
  const [away, full, gone] = d.agents as [SignedInAgent, SignedInAgent, SignedInAgent];
  const { workspace_id: wsId } = await t.ctx.database.db
    .selectFrom("agents")
    .select("workspace_id")
    .where("id", "=", d.admin.id)
    .executeTakeFirstOrThrow();
  await setAway(away);
  await capacity(d, full.id, 0);
  await api(d.admin, "PATCH", `/api/workspace/agents/${gone.id}`, { active: false });
  await addAgent(
    t.ctx,
    { ...systemActor("test"), workspaceId: wsId },
    { email: "invited@example.test", name: "Ivy Invited", role: "agent" },
  );
  for (let i = 0; i < 4; i++) assert.equal((await open(d)).assignee, d.admin.id);
  // The admin at capacity too: the ticket waits unassigned.
  await capacity(d, d.admin.id, 4);
  assert.equal((await open(d)).assignee, null);
  // Back online, the away agent takes the next.
  await api(away, "PUT", "/api/workspace/me/availability", { availability: "online" });
  assert.equal((await open(d)).assignee, away.id);
});

test("by type: a ticket type belongs to a team and is assigned among its members", async () => {
  const d = await desk(3, "round_robin");
  const [a, b, c] = d.agents as [SignedInAgent, SignedInAgent, SignedInAgent];
  const team = (await api(
    d.admin,
    "POST",
    "/api/workspace/teams",
    { name: "Bugs", memberIds: [a.id, b.id] },
    201,
  )) as {
    id: string;
  };
  await api(d.admin, "PATCH", "/api/workspace/settings/assignment", {
    teamsByType: { "Bug Report": team.id },
  });
  const bugs = [await open(d, "Bug Report"), await open(d, "Bug Report"), await open(d, "Bug Report")];
  for (const bug of bugs) assert.ok([a.id, b.id].includes(bug.assignee as string), "a member of the team");
  assert.notEqual(bugs[0]?.assignee, bugs[1]?.assignee, "in turn within the team");
  const detail = (await api(d.admin, "GET", `/api/workspace/tickets/${bugs[0]?.reference}`)) as {
    teamId: string;
  };
  assert.equal(detail.teamId, team.id);
  // Another type: the whole workspace, no team.
  const other = await open(d, "General Inquiry");
  assert.ok([d.admin.id, a.id, b.id, c.id].includes(other.assignee as string));
  const od = (await api(d.admin, "GET", `/api/workspace/tickets/${other.reference}`)) as {
    teamId: string | null;
  };
  assert.equal(od.teamId, null);
  // A team of nobody available: the ticket is the team's, unassigned.
  await setAway(a);
  await setAway(b);
  assert.equal((await open(d, "Bug Report")).assignee, null);
  // Only admins change the settings; an unknown team is refused with its field.
  await api(c, "PATCH", "/api/workspace/settings/assignment", { mode: "manual" }, 403);
  const bad = await t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/assignment",
    headers: d.admin.headers,
    payload: { teamsByType: { "Bug Report": "nope" } },
  });
  assert.equal(bad.statusCode, 400);
  assert.ok((bad.json() as { error: { fields: Record<string, string> } }).error.fields.teamsByType);
});

test("two tickets at once never both go to an agent with room for one", async () => {
  const d = await desk(1, "least_open");
  const [a] = d.agents as [SignedInAgent];
  await setAway(d.admin);
  await capacity(d, a.id, 1);
  for (let round = 0; round < 3; round++) {
    const both = await Promise.all([
      submitTicket(t, d.slug, { email: `x${round}@customer.test` }),
      submitTicket(t, d.slug, { email: `y${round}@customer.test` }),
    ]);
    const assignees = await Promise.all(both.map((s) => assigneeOf(d, s.reference)));
    assert.equal(
      assignees.filter((x) => x === a.id).length,
      round === 0 ? 1 : 0,
      `round ${round}: ${assignees}`,
    );
  }
});

test("the assignee is told: auto-assigned, or assigned by someone else, not by themselves", async () => {
  const d = await desk(1, "round_robin");
  const [a] = d.agents as [SignedInAgent];
  await setAway(d.admin);
  const heard: string[] = [];
  const stop = t.ctx.live.subscribe((m) => {
    if (m.topic === "notifications") heard.push(...(m.agentIds ?? []));
  });
  const first = await open(d);
  assert.equal(first.assignee, a.id);
  assert.equal((await notices(a.id)).filter((n) => n.kind === "assigned").length, 1);
  assert.deepEqual(heard, [a.id], "the bell hears of it after commit");
  await api(d.admin, "PUT", "/api/workspace/me/availability", { availability: "online" });
  await api(d.admin, "PATCH", "/api/workspace/settings/assignment", { mode: "manual" });
  const s = await submitTicket(t, d.slug);
  await api(d.admin, "PATCH", `/api/workspace/tickets/${s.reference}`, { assigneeId: a.id });
  assert.equal((await notices(a.id)).filter((n) => n.kind === "assigned").length, 2);
  await api(d.admin, "PATCH", `/api/workspace/tickets/${s.reference}`, { assigneeId: d.admin.id });
  assert.equal(
    (await notices(d.admin.id)).filter((n) => n.kind === "assigned").length,
    0,
    "not told of their own doing",
  );
  assert.deepEqual(heard, [a.id, a.id]);
  stop();
});

test("going away: keep my tickets, or hand them back to be assigned again", async () => {
  const d = await desk(2, "round_robin");
  const [a, b] = d.agents as [SignedInAgent, SignedInAgent];
  await setAway(d.admin);
  await setAway(b);
  const mine = [await open(d), await open(d)];
  for (const m of mine) assert.equal(m.assignee, a.id);
  await api(b, "PUT", "/api/workspace/me/availability", { availability: "online" });
  // Away, keeping them.
  await setAway(a, false);
  for (const m of mine) assert.equal(await assigneeOf(d, m.reference), a.id);
  // Away again, handing them back: b (the only one online) takes them.
  const r = (await setAway(a, true)) as { handedBack: string[] };
  assert.deepEqual([...r.handedBack].sort(), mine.map((m) => m.reference).sort());
  for (const m of mine) assert.equal(await assigneeOf(d, m.reference), b.id);
});

test("a deleted team: its tickets keep no team, its ticket types go to everyone", async () => {
  const d = await desk(1, "round_robin");
  const [a] = d.agents as [SignedInAgent];
  const team = (await api(
    d.admin,
    "POST",
    "/api/workspace/teams",
    { name: "Ops", memberIds: [a.id] },
    201,
  )) as {
    id: string;
  };
  await api(d.admin, "PATCH", "/api/workspace/settings/assignment", {
    teamsByType: { "Feature Request": team.id },
  });
  const before = await open(d, "Feature Request");
  assert.equal(before.assignee, a.id);
  await api(a, "DELETE", `/api/workspace/teams/${team.id}`, undefined, 403);
  await api(d.admin, "DELETE", `/api/workspace/teams/${team.id}`, undefined, 204);
  const detail = (await api(d.admin, "GET", `/api/workspace/tickets/${before.reference}`)) as {
    teamId: string | null;
  };
  assert.equal(detail.teamId, null);
  const settings = (await api(d.admin, "GET", "/api/workspace/settings/assignment")) as {
    teamsByType: object;
  };
  assert.deepEqual(settings.teamsByType, {});
  await api(d.admin, "GET", `/api/workspace/teams/${team.id}`, undefined, 404);
});
