import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { AgentActor, CustomerActor, TokenHolderActor, VisitorActor } from "../actors.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { linkTicket } from "../incidents/incident.service.ts";
import { eraseContact } from "../lifecycle/contact-erase.ts";
import { policiesVisibleTo } from "../sla/sla.access.ts";
import { makeAgent, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Fixes from the security review of the agent's day: merges across companies, erased contacts in
// agents' notices, assignment notices' reference and wording, crafted queue cursors, the app's
// `next` address, errors a ticket link must not hide, merged tracking links, SLA policies and
// customers. (The live stream's backpressure: live/backpressure.test.ts.)

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
type Who = { headers: Record<string, string>; cookie?: string };
const api = (who: Who, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: who.headers,
    ...(payload ? { payload } : {}),
  });
const db = () => t.ctx.database.db;
const numberOf = (reference: string) => Number(reference.slice(4));

async function ticketRow(reference: string, workspaceId: string) {
  return db()
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", numberOf(reference))
    .executeTakeFirstOrThrow();
}

async function companyIn(workspaceId: string, name: string) {
  const id = newId();
  const now = t.ctx.now().toISOString();
  await db()
    .insertInto("companies")
    .values({ id, workspace_id: workspaceId, name, created_at: now, updated_at: now })
    .execute();
  return id;
}

describe("merging", () => {
  test("refuses two tickets of the same customer filed under different companies", async () => {
    const { ws, agent } = await makeTeam(t);
    const a = await submitTicket(t, ws.slug, { subject: "For Acme" });
    const b = await submitTicket(t, ws.slug, { subject: "For Globex" });
    const [acme, globex] = [await companyIn(ws.id, "Acme"), await companyIn(ws.id, "Globex")];
    await db()
      .updateTable("tickets")
      .set({ company_id: acme })
      .where("id", "=", (await ticketRow(a.reference, ws.id)).id)
      .execute();
    await db()
      .updateTable("tickets")
      .set({ company_id: globex })
      .where("id", "=", (await ticketRow(b.reference, ws.id)).id)
      .execute();
    const res = await api(agent, "POST", `/tickets/${b.reference}/merge`, { into: a.reference });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error.code, "merge_other_company");
    assert.ok(res.json().error.fields.into);
    assert.equal((await ticketRow(b.reference, ws.id)).merged_into_id, null);
  });

  test("an old link to a merged ticket, opened twice, adds at most one token to the target", async () => {
    const { ws, agent } = await makeTeam(t);
    const first = await submitTicket(t, ws.slug, { subject: "Printer" });
    const second = await submitTicket(t, ws.slug, { subject: "Printer again" });
    const res = await api(agent, "POST", `/tickets/${second.reference}/merge`, { into: first.reference });
    assert.equal(res.statusCode, 200, res.body);
    const target = await ticketRow(first.reference, ws.id);
    const tokens = async () =>
      Number(
        (
          await db()
            .selectFrom("tracking_tokens")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("ticket_id", "=", target.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await tokens();
    const old = new URL(second.trackingUrl, "http://x");
    const visit = async () => {
      const r = await t.app.inject({ url: old.pathname + old.search });
      assert.equal(r.statusCode, 303, r.body);
      return new URL(String(r.headers.location), "http://x");
    };
    const one = await visit();
    const two = await visit();
    assert.ok((await tokens()) <= before + 1, "a second visit adds no token");
    assert.equal(one.pathname, `/portal/${ws.slug}/tickets/${first.reference}`);
    const view = await t.app.inject({
      url: `/api/public/portals/${ws.slug}/tickets/${first.reference}?t=${two.searchParams.get("t")}`,
    });
    assert.equal(view.statusCode, 200, view.body);
  });
});

describe("erasing a contact", () => {
  test("leaves no name, subject or excerpt of theirs in the agents' notices", async () => {
    const { ws, admin } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, {
      name: "Erin Erasable",
      email: "erin@customer.test",
      subject: "My secret subject",
    });
    const ticket = await ticketRow(s.reference, ws.id);
    const dataOf = async () =>
      (
        await db().selectFrom("notifications").select("data").where("ticket_id", "=", ticket.id).execute()
      ).map((r) => r.data);
    const beforeErasure = await dataOf();
    assert.ok(beforeErasure.length > 0 && beforeErasure.every((d) => d.includes("Erin Erasable")));
    const actor: AgentActor = { kind: "agent", workspaceId: ws.id, agentId: admin.id, role: "admin" };
    await eraseContact(t.ctx, actor, ticket.contact_id, "erin@customer.test");
    const after = await dataOf();
    assert.equal(after.length, beforeErasure.length);
    for (const d of after) {
      assert.doesNotMatch(d, /Erin|secret/);
      assert.deepEqual(JSON.parse(d), { reference: s.reference });
    }
    // The bell still links the request.
    const list = (await api(admin, "GET", "/notifications")).json();
    const item = list.items.find(
      (i: { ticket: { reference: string } | null }) => i.ticket?.reference === s.reference,
    );
    assert.ok(item);
    assert.doesNotMatch(item.text, /Erin|secret/);
  });
});

describe("assignment notices", () => {
  test("name the ticket by its reference and the agent who assigned by name, in the bell and its link", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { subject: "Paper jam" });
    const res = await api(admin, "PATCH", `/tickets/${s.reference}`, { assigneeId: agent.id });
    assert.equal(res.statusCode, 200, res.body);
    const list = (await api(agent, "GET", "/notifications")).json();
    const assigned = list.items.find((i: { kind: string }) => i.kind === "assigned");
    assert.equal(assigned.text, `Ada Admin assigned you on ${s.reference}: Paper jam`);
    assert.equal(assigned.ticket.reference, s.reference);
    const page = await t.app.inject({ url: "/app/notifications", headers: { cookie: agent.cookie } });
    assert.match(page.body, new RegExp(`href="/app/tickets/${s.reference}"`));
  });

  test("the auto-assigner's notice says so, with the reference", async () => {
    const { ws, admin } = await makeTeam(t);
    const set = await api(admin, "PATCH", "/settings/assignment", { mode: "round_robin" });
    assert.equal(set.statusCode, 200, set.body);
    const s = await submitTicket(t, ws.slug, { subject: "Toner" });
    const row = await ticketRow(s.reference, ws.id);
    assert.ok(row.assignee_id);
    const notice = await db()
      .selectFrom("notifications")
      .select("data")
      .where("ticket_id", "=", row.id)
      .where("kind", "=", "assigned")
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(notice.data), {
      reference: s.reference,
      subject: "Toner",
      by: "Auto-assignment",
    });
  });
});

describe("the queue's cursor", () => {
  const crafted = (c: object | string) =>
    Buffer.from(typeof c === "string" ? c : JSON.stringify(c)).toString("base64url");
  const CASES: [string, object | string][] = [
    ["updated", { s: "updated", u: "yesterday", i: "x" }],
    ["updated", { s: "updated", u: "2026-02-31T00:00:00.000Z", i: "x" }],
    ["updated", { s: "updated", u: "2026-01-01T00:00:00.000Z", i: "a\u0000b" }],
    ["newest", { s: "newest", n: 2 ** 31 }],
    ["oldest", { s: "oldest", n: -1 }],
    ["newest", { s: "newest", n: 1e300 }],
    // JSON's 1e400 reads as Infinity.
    ["sentiment", '{"s":"sentiment","n":5,"v":1e400}'],
    ["due", { s: "due", n: 5, d: "not a time" }],
    ["due", { s: "due", n: 9_999_999_999, d: null }],
  ];
  test("a crafted one is a 400 naming the cursor, on either database", async () => {
    const { ws, agent } = await makeTeam(t);
    await submitTicket(t, ws.slug);
    for (const [sort, c] of CASES) {
      const res = await api(agent, "GET", `/tickets?sort=${sort}&cursor=${crafted(c)}`);
      assert.equal(res.statusCode, 400, `${JSON.stringify(c)}: ${res.body}`);
      assert.ok(res.json().error.fields.cursor, JSON.stringify(c));
    }
    const good = await api(
      agent,
      "GET",
      `/tickets?sort=updated&cursor=${crafted({ s: "updated", u: "2026-01-01T00:00:00.000Z", i: newId() })}`,
    );
    assert.equal(good.statusCode, 200, good.body);
  });
});

describe("the app's next address", () => {
  test("a line break or a backslash in it goes to the queue instead of failing", async () => {
    const { agent } = await makeTeam(t);
    for (const next of ["/app/%0d%0aX", "/app/%5c%5cevil.test", "/app/%20x"]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/app/me/availability",
        headers: { cookie: agent.cookie as string, "content-type": "application/x-www-form-urlencoded" },
        payload: `_csrf=${encodeURIComponent(agent.csrf)}&availability=online&next=${next}`,
      });
      assert.equal(res.statusCode, 303, `${next}: ${res.body}`);
      assert.equal(res.headers.location, "/app");
    }
  });
});

describe("linking a ticket to an incident", () => {
  test("an unknown ticket is the form's fault; a failing database is not hidden as one", async () => {
    const team: Team = await makeTeam(t);
    const declared = await api(team.agent, "POST", "/incidents", { title: "Mail down", message: "Looking" });
    assert.equal(declared.statusCode, 201, declared.body);
    const id = declared.json().id as string;
    const unknown = await api(team.agent, "POST", `/incidents/${id}/tickets`, { reference: "TKT-9999" });
    assert.equal(unknown.statusCode, 400);
    assert.ok(unknown.json().error.fields.reference);
    const s = await submitTicket(t, team.ws.slug);
    const actor: AgentActor = {
      kind: "agent",
      workspaceId: team.ws.id,
      agentId: team.agent.id,
      role: "agent",
    };
    // The tickets table gone for a moment: the database's own error, not "no such ticket".
    await sql`alter table tickets rename to tickets_away`.execute(db());
    try {
      await assert.rejects(linkTicket(t.ctx, actor, id, s.reference), (err) => !(err instanceof AppError));
    } finally {
      await sql`alter table tickets_away rename to tickets`.execute(db());
    }
    const linked = await api(team.agent, "POST", `/incidents/${id}/tickets`, { reference: s.reference });
    assert.equal(linked.statusCode, 200, linked.body);
  });
});

describe("SLA policies", () => {
  test("customers, token holders and visitors read none; agents read their workspace's", async () => {
    const { ws, admin } = await makeTeam(t);
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/sla",
      headers: admin.headers,
      payload: {
        policies: [
          {
            name: "Everyone",
            priority: "medium",
            ticketType: null,
            companyId: null,
            firstResponseMinutes: 60,
            nextResponseMinutes: null,
            resolutionMinutes: null,
            clock: "calendar",
          },
        ],
        holidays: [],
        showResponseTime: true,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const agentRow = await makeAgent(t, ws.id);
    const agent: AgentActor = { kind: "agent", workspaceId: ws.id, agentId: agentRow.id, role: "agent" };
    const count = async (actor: Parameters<typeof policiesVisibleTo>[1]) =>
      (await policiesVisibleTo(db(), actor).select("id").execute()).length;
    assert.equal(await count(agent), 1);
    const customer: CustomerActor = {
      kind: "customer",
      workspaceId: ws.id,
      contactId: newId(),
      companyId: null,
      scope: "company",
    };
    const holder: TokenHolderActor = {
      kind: "token_holder",
      workspaceId: ws.id,
      ticketId: newId(),
      contactId: newId(),
      emailNormalized: "x@y.test",
    };
    const visitor: VisitorActor = { kind: "visitor", workspaceId: ws.id };
    for (const actor of [customer, holder, visitor]) assert.equal(await count(actor), 0, actor.kind);
  });
});
