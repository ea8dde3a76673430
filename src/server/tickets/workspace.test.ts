import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { up as leanTicketSearch } from "../../../db/migrations/0008_ticket_search_lean.ts";
import { makeTeam, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const get = (url: string, cookie: string) => t.app.inject({ url, headers: { cookie } });

describe("the agents' queue", () => {
  test("filters by status, priority and assignee, newest first", async () => {
    const { ws, agent } = await makeTeam(t);
    const a = await submitTicket(t, ws.slug, { subject: "Alpha" });
    const b = await submitTicket(t, ws.slug, { subject: "Bravo" });
    const c = await submitTicket(t, ws.slug, { subject: "Charlie" });
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${b.reference}`,
      headers: agent.headers,
      payload: { status: "waiting", priority: "high", assigneeId: agent.id },
    });
    const all = (await get("/api/workspace/tickets", agent.cookie)).json();
    assert.deepEqual(
      all.items.map((i: { reference: string }) => i.reference),
      [c.reference, b.reference, a.reference],
    );
    const waiting = (await get("/api/workspace/tickets?status=waiting", agent.cookie)).json();
    assert.deepEqual(
      waiting.items.map((i: { subject: string }) => i.subject),
      ["Bravo"],
    );
    const openOrWaiting = (
      await get("/api/workspace/tickets?status=open,waiting&sort=oldest", agent.cookie)
    ).json();
    assert.deepEqual(
      openOrWaiting.items.map((i: { subject: string }) => i.subject),
      ["Alpha", "Bravo", "Charlie"],
    );
    const high = (await get("/api/workspace/tickets?priority=high", agent.cookie)).json();
    assert.deepEqual(
      high.items.map((i: { subject: string }) => i.subject),
      ["Bravo"],
    );
    const mine = (await get("/api/workspace/tickets?assignee=me", agent.cookie)).json();
    assert.deepEqual(
      mine.items.map((i: { subject: string }) => i.subject),
      ["Bravo"],
    );
    assert.equal(mine.items[0].assignee.id, agent.id);
    const unassigned = (await get("/api/workspace/tickets?assignee=unassigned", agent.cookie)).json();
    assert.deepEqual(
      unassigned.items.map((i: { subject: string }) => i.subject),
      ["Charlie", "Alpha"],
    );
    const bad = await get("/api/workspace/tickets?status=lost", agent.cookie);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.fields.status, /must be one of/);
  });

  test("searches subjects and messages by word prefix, including internal notes, never another workspace", async () => {
    const { ws, agent } = await makeTeam(t);
    const other = await makeTeam(t);
    const printer = await submitTicket(t, ws.slug, {
      subject: "Printer jammed",
      description: "Paper everywhere",
    });
    const login = await submitTicket(t, ws.slug, {
      subject: "Cannot sign in",
      description: "Password rejected",
    });
    await submitTicket(t, other.ws.slug, { subject: "Printer in the other workspace" });
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${login.reference}/notes`,
      headers: agent.headers,
      payload: { body: "Looks like the SSO certificate expired" },
    });
    await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, printer).replace("?", "/replies?"),
      payload: { body: "The toner light blinks too" },
    });
    const search = async (q: string) =>
      (await get(`/api/workspace/tickets?q=${encodeURIComponent(q)}`, agent.cookie))
        .json()
        .items.map((i: { reference: string }) => i.reference);
    assert.deepEqual(await search("printer"), [printer.reference]);
    assert.deepEqual(await search("PRINT"), [printer.reference], "prefix, any case");
    assert.deepEqual(await search("toner"), [printer.reference], "customer messages");
    assert.deepEqual(await search("certif"), [login.reference], "internal notes, for agents");
    assert.deepEqual(await search("password rejected"), [login.reference], "every word must match");
    assert.deepEqual(await search("printer password"), []);
    assert.deepEqual(await search('"); drop table tickets; --'), [], "syntax is not passed through");
    assert.equal((await search("*")).length, 2, "no words: no text filter");

    // Migration 0008 rebuilds the SQLite index from its stored rows: nothing found before is lost.
    await leanTicketSearch(t.ctx.database.db);
    assert.deepEqual(await search("toner"), [printer.reference]);
    assert.deepEqual(await search("password rejected"), [login.reference]);
    assert.deepEqual(await search("PRINT"), [printer.reference]);
    if (t.ctx.database.dialect === "sqlite") {
      const table = await sql<{
        sql: string;
      }>`select sql from sqlite_master where name = 'ticket_search'`.execute(t.ctx.database.db);
      assert.match(table.rows[0]?.sql ?? "", /detail = none, columnsize = 0/);
    }
  });

  test("pages with a cursor without repeating or skipping, in every sort", async () => {
    const { ws, agent } = await makeTeam(t);
    const refs: string[] = [];
    for (let i = 0; i < 7; i++)
      refs.push((await submitTicket(t, ws.slug, { subject: `Ticket ${i}` })).reference);
    for (const sort of ["newest", "oldest", "updated"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/workspace/tickets?limit=3&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`;
        const page: { items: { reference: string }[]; nextCursor: string | null } = (
          await get(url, agent.cookie)
        ).json();
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((i: { reference: string }) => i.reference));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 7, sort);
      assert.equal(new Set(seen).size, 7, sort);
      if (sort === "newest") assert.deepEqual(seen, [...refs].reverse());
      if (sort === "oldest") assert.deepEqual(seen, refs);
    }
    const bad = await get("/api/workspace/tickets?cursor=garbage", agent.cookie);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, "validation_failed");
    const tooMany = await get("/api/workspace/tickets?limit=1000", agent.cookie);
    assert.equal(tooMany.statusCode, 400);
  });
});

describe("working a ticket", () => {
  test("public reply, internal note, status, priority, assignee and resolution, each recorded as an event", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { name: "Casey", description: "It is on fire" });
    const note = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: agent.headers,
      payload: { body: "Customer is on the gold plan" },
    });
    assert.equal(note.statusCode, 201, note.body);
    assert.equal(note.json().entry.internal, true);
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "We are on it.\r\nHang tight.", status: "in_progress" },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    assert.equal(reply.json().entry.internal, false);
    assert.equal(reply.json().entry.body, "We are on it.\nHang tight.");
    assert.equal(reply.json().ticket.status, "in_progress");
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { priority: "urgent", assigneeId: admin.id },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().assignee.id, admin.id);
    assert.equal(patched.json().priority, "urgent");
    const resolved = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Replaced the fuser unit." },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    const d = resolved.json();
    assert.equal(d.status, "resolved");
    assert.equal(d.resolution, "Replaced the fuser unit.");
    assert.ok(d.resolvedAt);
    assert.deepEqual(
      d.conversation.map((c: { internal: boolean; author: { name: string } }) => [c.internal, c.author.name]),
      [
        [true, "Sam Agent"],
        [false, "Sam Agent"],
      ],
    );
    const types = d.events.map((e: { type: string }) => e.type);
    assert.deepEqual(types, [
      "created",
      "note_added",
      "agent_replied",
      "status_changed",
      "assignee_changed",
      "priority_changed",
      "resolved",
    ]);
    const visible = Object.fromEntries(
      d.events.map((e: { type: string; customerVisible: boolean }) => [e.type, e.customerVisible]),
    );
    assert.equal(visible.note_added, false);
    assert.equal(visible.assignee_changed, false);
    assert.equal(visible.priority_changed, false);
    assert.equal(visible.resolved, true);
    assert.equal(visible.agent_replied, true);
    const statusEvent = d.events.find((e: { type: string }) => e.type === "status_changed");
    assert.deepEqual(statusEvent.data, { from: "open", to: "in_progress" });
    assert.equal(statusEvent.actor.name, "Sam Agent");

    // The customer sees the reply and the resolution, not the note.
    const view = (await t.app.inject({ url: trackUrl(ws.slug, s) })).json();
    assert.equal(view.status, "resolved");
    assert.deepEqual(view.resolution.details, "Replaced the fuser unit.");
    assert.deepEqual(
      view.conversation.map((m: { body: string; author: { type: string; name: string } }) => [
        m.author.type,
        m.author.name,
        m.body,
      ]),
      [["agent", "Sam Agent", "We are on it.\nHang tight."]],
    );
  });

  test("a change that changes nothing records nothing; an unknown assignee is refused", async () => {
    const { ws, agent } = await makeTeam(t);
    const other = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const same = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { status: "open", priority: "medium" },
    });
    assert.equal(same.json().events.length, 1);
    const foreign = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { assigneeId: other.agent.id },
    });
    assert.equal(foreign.statusCode, 400);
    assert.ok(foreign.json().error.fields.assigneeId);
    const unknownField = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { status: "open", internal: true },
    });
    assert.equal(unknownField.statusCode, 400);
    assert.equal(unknownField.json().error.fields.internal, "is not a known field");
  });

  test("reopening a resolved ticket clears its resolved time; a closed ticket cannot be resolved", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const url = `/api/workspace/tickets/${s.reference}`;
    await t.app.inject({
      method: "POST",
      url: `${url}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Done" },
    });
    const reopened = await t.app.inject({
      method: "PATCH",
      url,
      headers: agent.headers,
      payload: { status: "open" },
    });
    assert.equal(reopened.json().resolvedAt, null);
    assert.equal(reopened.json().events.at(-1).type, "reopened");
    await t.app.inject({ method: "PATCH", url, headers: agent.headers, payload: { status: "closed" } });
    const res = await t.app.inject({
      method: "POST",
      url: `${url}/resolve`,
      headers: agent.headers,
      payload: { resolution: "x" },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, "ticket_closed");
  });

  test("an unknown reference is a 404", async () => {
    const { agent } = await makeTeam(t);
    for (const ref of ["TKT-9999", "nonsense", "TKT-0000"]) {
      const res = await get(`/api/workspace/tickets/${ref}`, agent.cookie);
      assert.equal(res.statusCode, 404, ref);
    }
  });
});

describe("contacts", () => {
  test("lists contacts by prefix and shows a contact with their tickets", async () => {
    const { ws, agent } = await makeTeam(t);
    const a = await submitTicket(t, ws.slug, { email: "dana@acme.test", name: "Dana Scully" });
    const b = await submitTicket(t, ws.slug, {
      email: "dana@acme.test",
      name: "Dana Scully",
      subject: "Second",
    });
    await submitTicket(t, ws.slug, { email: "fox@acme.test", name: "Fox Mulder" });
    const list = (await get("/api/workspace/contacts?q=dan", agent.cookie)).json();
    assert.deepEqual(
      list.items.map((c: { email: string }) => c.email),
      ["dana@acme.test"],
    );
    const byName = (await get("/api/workspace/contacts?q=fox%20m", agent.cookie)).json();
    assert.deepEqual(
      byName.items.map((c: { name: string }) => c.name),
      ["Fox Mulder"],
    );
    const wildcard = (await get("/api/workspace/contacts?q=%25", agent.cookie)).json();
    assert.equal(wildcard.items.length, 0, "% is literal");
    const contact = (await get(`/api/workspace/contacts/${list.items[0].id}`, agent.cookie)).json();
    assert.deepEqual(
      contact.tickets.map((x: { reference: string }) => x.reference),
      [b.reference, a.reference],
    );
    const detail = (await get(`/api/workspace/tickets/${a.reference}`, agent.cookie)).json();
    assert.deepEqual(
      detail.contactTickets.map((x: { reference: string }) => x.reference),
      [b.reference],
    );
  });
});

describe("white-label settings", () => {
  test("admins change them, agents may not, and the portal shows them", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const url = "/api/workspace/settings/branding";
    const payload = {
      brandName: "Acme Help",
      primaryColor: "#FF6600",
      supportEmail: "help@acme.test",
      logoUrl: "https://acme.test/logo.png",
    };
    const denied = await t.app.inject({ method: "PATCH", url, headers: agent.headers, payload });
    assert.equal(denied.statusCode, 403);
    const ok = await t.app.inject({ method: "PATCH", url, headers: admin.headers, payload });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().effective.primaryColor, "#ff6600");
    const portal = (await t.app.inject({ url: `/api/public/portals/${ws.slug}` })).json();
    assert.equal(portal.brandName, "Acme Help");
    assert.equal(portal.supportEmail, "help@acme.test");
    const bad = await t.app.inject({
      method: "PATCH",
      url,
      headers: admin.headers,
      payload: { primaryColor: "red", logoUrl: "javascript:alert(1)" },
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields.primaryColor);
    const reset = await t.app.inject({
      method: "PATCH",
      url,
      headers: admin.headers,
      payload: { primaryColor: null },
    });
    assert.equal(reset.json().effective.primaryColor, "#2563eb");
  });
});
