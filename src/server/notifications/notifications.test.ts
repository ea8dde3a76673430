import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../actors.ts";
import { addAgent } from "../agents/agent.service.ts";
import { newId } from "../ids.ts";
import { applyRetention } from "../lifecycle/retention.ts";
import { makeAgent, makeWorkspace, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { mentionedAgents } from "./mentions.ts";

// Agents' notices: each agent alone in the To: of their own email, never an invited or a
// deactivated agent, each as their profile says; @mentions in notes; the bell's list, read
// marks, and nobody else's.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(async () => {
  await t.close();
});

/** A workspace with a signed-in admin and agent, an invited agent and a deactivated one. */
async function world() {
  const ws = await makeWorkspace(t);
  const adminRow = await makeAgent(t, ws.id, { role: "admin", name: "Ada Admin" });
  const agentRow = await makeAgent(t, ws.id, { name: "Sam Agent" });
  const invited = await addAgent(
    t.ctx,
    { ...systemActor("test"), workspaceId: ws.id },
    { email: `invited-${ws.slug}@example.test`, name: "Ivy Invited", role: "agent" },
  );
  const gone = await makeAgent(t, ws.id, { name: "Gus Gone" });
  await t.ctx.database.db.updateTable("agents").set({ active: false }).where("id", "=", gone.id).execute();
  return {
    ws,
    admin: await signIn(t, ws.slug, adminRow.email),
    agent: await signIn(t, ws.slug, agentRow.email),
    invited,
    gone,
  };
}

const outbox = (workspaceId: string, kind: string) =>
  t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["to_address", "ticket_id"])
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", kind)
    .orderBy("to_address")
    .execute();

const notices = (agentId: string, kind: string) =>
  t.ctx.database.db
    .selectFrom("notifications")
    .select(["id", "data"])
    .where("agent_id", "=", agentId)
    .where("kind", "=", kind)
    .execute();

test("a new ticket: one email per accepted, active agent, each alone in To:, and a bell notice each", async () => {
  const w = await world();
  await submitTicket(t, w.ws.slug, { subject: "Printer on fire" });
  const emails = await outbox(w.ws.id, "agent_new_ticket");
  assert.deepEqual(emails.map((e) => e.to_address).sort(), [w.admin.email, w.agent.email].sort());
  for (const e of emails) assert.doesNotMatch(e.to_address, /,/, "one agent per email");
  const all = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select("to_address")
    .where("workspace_id", "=", w.ws.id)
    .where("kind", "!=", "agent_invitation")
    .execute();
  for (const e of all) {
    assert.ok(!e.to_address.includes(w.invited.email), "the invited agent is never emailed");
    assert.ok(!e.to_address.includes(w.gone.email), "the deactivated agent is never emailed");
  }
  assert.equal((await notices(w.admin.id, "new_ticket")).length, 1);
  assert.equal((await notices(w.agent.id, "new_ticket")).length, 1);
  assert.equal((await notices(w.invited.id, "new_ticket")).length, 0);
  assert.equal((await notices(w.gone.id, "new_ticket")).length, 0);
});

test("each agent's profile decides: email off keeps the bell, both off tells nothing", async () => {
  const w = await world();
  const patch = (body: Record<string, unknown>) =>
    t.app.inject({ method: "PATCH", url: "/api/workspace/profile", headers: w.agent.headers, payload: body });
  const r = await patch({ notifications: { new_ticket: { email: false } } });
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual(r.json().notifications.new_ticket, { app: true, email: false });
  assert.deepEqual(r.json().notifications.mention, { app: true, email: true }, "the rest keep the defaults");
  await submitTicket(t, w.ws.slug);
  assert.deepEqual(
    (await outbox(w.ws.id, "agent_new_ticket")).map((e) => e.to_address),
    [w.admin.email],
  );
  assert.equal((await notices(w.agent.id, "new_ticket")).length, 1);

  await patch({ notifications: { new_ticket: { app: false } } });
  await submitTicket(t, w.ws.slug);
  assert.equal((await notices(w.agent.id, "new_ticket")).length, 1, "no new notice");
  assert.equal((await outbox(w.ws.id, "agent_new_ticket")).length, 2, "the admin's second only");

  const bad = await patch({ timeZone: "Mars/Olympus" });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, "validation_failed");
  assert.ok(bad.json().error.fields.timeZone);
  const zone = await patch({ timeZone: "Europe/Berlin" });
  assert.equal(zone.json().timeZone, "Europe/Berlin");
  const page = await t.app.inject({ url: "/app/notifications", headers: { cookie: w.agent.cookie } });
  assert.match(page.body, /<body class="app" data-zone="Europe\/Berlin">/);
});

test("a customer's reply: the assignee alone when assigned, every agent while unassigned", async () => {
  const w = await world();
  const s = await submitTicket(t, w.ws.slug, { subject: "Refund" });
  const reply = (body: string) =>
    t.app.inject({
      method: "POST",
      url: `/api/public/portals/${w.ws.slug}/tickets/${s.reference}/replies?t=${encodeURIComponent(s.token)}`,
      payload: { body },
    });
  assert.equal((await reply("Anyone there?")).statusCode, 201);
  assert.deepEqual(
    (await outbox(w.ws.id, "agent_customer_reply")).map((e) => e.to_address).sort(),
    [w.admin.email, w.agent.email].sort(),
  );
  const assign = await t.app.inject({
    method: "PATCH",
    url: `/api/workspace/tickets/${s.reference}`,
    headers: w.admin.headers,
    payload: { assigneeId: w.agent.id },
  });
  assert.equal(assign.statusCode, 200, assign.body);
  assert.equal((await reply("Still broken.")).statusCode, 201);
  const emails = await outbox(w.ws.id, "agent_customer_reply");
  assert.equal(emails.length, 3);
  assert.equal(emails.filter((e) => e.to_address === w.agent.email).length, 2);
  assert.equal((await notices(w.agent.id, "customer_reply")).length, 2);
  assert.equal((await notices(w.admin.id, "customer_reply")).length, 1);
});

test("an @mention in an internal note tells that agent, by name or email, and never the writer", async () => {
  const w = await world();
  const s = await submitTicket(t, w.ws.slug, { subject: "Mentions" });
  const note = (body: string, who = w.admin) =>
    t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: who.headers,
      payload: { body },
    });
  assert.equal((await note("@sam agent can you look? cc @Ada Admin, and @Ivy Invited")).statusCode, 201);
  const mine = await notices(w.agent.id, "mention");
  assert.equal(mine.length, 1);
  assert.deepEqual(JSON.parse(mine[0]?.data ?? "{}").by, "Ada Admin");
  assert.equal((await notices(w.admin.id, "mention")).length, 0, "not the writer");
  assert.equal((await notices(w.invited.id, "mention")).length, 0, "not an agent who has not accepted");
  assert.deepEqual(
    (await outbox(w.ws.id, "agent_notice")).map((e) => e.to_address),
    [w.agent.email],
  );
  assert.equal((await note(`thanks @${w.admin.email}!`, w.agent)).statusCode, 201);
  assert.equal((await notices(w.admin.id, "mention")).length, 1, "by email");
  assert.equal((await note("mail me at someone@sam agent.test")).statusCode, 201);
  assert.equal((await notices(w.agent.id, "mention")).length, 1, "an address is no mention");
});

test("mentionedAgents: names and emails, whole words only", () => {
  const agents = [
    { id: "a", name: "Ann", email: "ann@x.test" },
    { id: "b", name: "Ann Lee", email: "lee@x.test" },
  ];
  assert.deepEqual(
    mentionedAgents("hi @ann.", agents).map((a) => a.id),
    ["a"],
  );
  assert.deepEqual(
    mentionedAgents("hi @Ann Lee", agents).map((a) => a.id),
    ["a", "b"],
  );
  assert.deepEqual(mentionedAgents("hi @annie", agents), []);
  assert.deepEqual(
    mentionedAgents("(@LEE@x.test)", agents).map((a) => a.id),
    ["b"],
  );
  assert.deepEqual(mentionedAgents("bob@ann.test", agents), []);
});

test("the bell: list newest first, count, mark one and all read; another agent's is a 404", async () => {
  const w = await world();
  await submitTicket(t, w.ws.slug, { subject: "First" });
  t.advance(1000);
  await submitTicket(t, w.ws.slug, { subject: "Second" });
  const get = (url: string, who = w.agent) => t.app.inject({ url, headers: { cookie: who.cookie } });
  const list = await get("/api/workspace/notifications");
  assert.equal(list.statusCode, 200);
  const body = list.json() as {
    unread: number;
    items: { id: string; text: string; ticket: { subject: string } }[];
  };
  assert.equal(body.unread, 2);
  assert.deepEqual(
    body.items.map((i) => i.ticket.subject),
    ["Second", "First"],
  );
  assert.match(body.items[0]?.text ?? "", /^New ticket from Casey Customer on TKT-\d+: Second$/);
  const [second, first] = body.items as unknown as [{ id: string }, { id: string }];

  const page = await get("/app/notifications");
  assert.match(page.body, /aria-label="Notifications, 2 unread"/);

  const theirs = await t.app.inject({
    method: "POST",
    url: `/api/workspace/notifications/${second.id}/read`,
    headers: w.admin.headers,
  });
  assert.equal(theirs.statusCode, 404, "the admin cannot mark the agent's");
  const adminList = (await get("/api/workspace/notifications", w.admin)).json() as {
    items: { id: string }[];
  };
  assert.ok(!adminList.items.some((i) => i.id === second.id), "nor read it");

  const read = await t.app.inject({
    method: "POST",
    url: `/api/workspace/notifications/${second.id}/read`,
    headers: w.agent.headers,
  });
  assert.equal(read.statusCode, 200);
  assert.ok(read.json().readAt);
  assert.deepEqual((await get("/api/workspace/notifications/count")).json(), { unread: 1 });
  const unread = (await get("/api/workspace/notifications?unread=1")).json() as { items: { id: string }[] };
  assert.deepEqual(
    unread.items.map((i) => i.id),
    [first.id],
  );
  const all = await t.app.inject({
    method: "POST",
    url: "/api/workspace/notifications/read-all",
    headers: w.agent.headers,
  });
  assert.deepEqual(all.json(), { marked: 1 });
  assert.deepEqual((await get("/api/workspace/notifications/count")).json(), { unread: 0 });
  assert.deepEqual((await get("/api/workspace/notifications/count", w.admin)).json(), { unread: 2 });
});

test("retention: read notifications older than 90 days go; unread and younger ones stay", async () => {
  const w = await world();
  const now = t.ctx.now().getTime();
  const day = 86_400_000;
  const at = (days: number) => new Date(now - days * day).toISOString();
  const row = (label: string, created: number, read: number | null) => ({
    id: newId(),
    workspace_id: w.ws.id,
    agent_id: w.agent.id,
    kind: "mention",
    ticket_id: null,
    data: JSON.stringify({ subject: label }),
    read_at: read === null ? null : at(read),
    created_at: at(created),
  });
  await t.ctx.database.db
    .insertInto("notifications")
    .values([row("old read", 91, 90), row("old unread", 200, null), row("young read", 89, 1)])
    .execute();
  const r = await applyRetention(t.ctx, w.ws.id);
  assert.equal(r.notifications, 1);
  const left = await t.ctx.database.db
    .selectFrom("notifications")
    .select("data")
    .where("agent_id", "=", w.agent.id)
    .execute();
  assert.deepEqual(left.map((l) => JSON.parse(l.data).subject).sort(), ["old unread", "young read"]);
});
