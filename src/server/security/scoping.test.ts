import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Workspace A's agent must see nothing of workspace B through any route; a token opens only its
// own ticket; internal notes reach no public path.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const NOTE = "SECRET-NOTE-7f3a: customer owes us money";

describe("tenancy", () => {
  test("an agent of workspace A gets 404s and empty lists for everything of workspace B", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const bTicket = await submitTicket(t, b.ws.slug, {
      subject: "B's private matter",
      email: "only-in-b@example.test",
    });
    const aTicket = await submitTicket(t, a.ws.slug, { subject: "A's matter" });
    assert.equal(aTicket.reference, bTicket.reference, "both workspaces number from TKT-0001");
    const bContact = await t.ctx.database.db
      .selectFrom("contacts")
      .select("id")
      .where("workspace_id", "=", b.ws.id)
      .executeTakeFirstOrThrow();

    // Same reference exists in A, so use a B-only number too.
    const bOnly = await submitTicket(t, b.ws.slug, { subject: "B's second" });
    const reads = [`/api/workspace/tickets/${bOnly.reference}`, `/api/workspace/contacts/${bContact.id}`];
    for (const url of reads) {
      const res = await t.app.inject({ url, headers: { cookie: a.agent.cookie } });
      assert.equal(res.statusCode, 404, url);
    }
    const writes: Array<[string, string, object]> = [
      ["PATCH", `/api/workspace/tickets/${bOnly.reference}`, { status: "closed" }],
      ["POST", `/api/workspace/tickets/${bOnly.reference}/replies`, { body: "hi" }],
      ["POST", `/api/workspace/tickets/${bOnly.reference}/notes`, { body: "hi" }],
      ["POST", `/api/workspace/tickets/${bOnly.reference}/resolve`, { resolution: "x" }],
      ["PATCH", `/api/workspace/agents/${b.agent.id}`, { active: false }],
    ];
    for (const [method, url, payload] of writes) {
      const res = await t.app.inject({ method: method as "POST", url, headers: a.admin.headers, payload });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
    }
    // A's TKT-0001 is A's own, whatever B has under the same number.
    const own = (
      await t.app.inject({
        url: `/api/workspace/tickets/${aTicket.reference}`,
        headers: { cookie: a.agent.cookie },
      })
    ).json();
    assert.equal(own.subject, "A's matter");

    const queue = (
      await t.app.inject({ url: "/api/workspace/tickets", headers: { cookie: a.agent.cookie } })
    ).json();
    assert.ok(queue.items.every((i: { subject: string }) => !i.subject.startsWith("B's")));
    const search = (
      await t.app.inject({ url: "/api/workspace/tickets?q=private", headers: { cookie: a.agent.cookie } })
    ).json();
    assert.equal(search.items.length, 0);
    const contacts = (
      await t.app.inject({ url: "/api/workspace/contacts?q=only", headers: { cookie: a.agent.cookie } })
    ).json();
    assert.equal(contacts.items.length, 0);
    const agents = (
      await t.app.inject({ url: "/api/workspace/agents", headers: { cookie: a.agent.cookie } })
    ).json();
    assert.ok(agents.items.every((x: { id: string }) => x.id !== b.agent.id && x.id !== b.admin.id));
    const assign = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${aTicket.reference}`,
      headers: a.agent.headers,
      payload: { assigneeId: b.agent.id },
    });
    assert.equal(assign.statusCode, 400, "B's agent cannot be assigned in A");

    // B's ticket is untouched.
    const bView = (
      await t.app.inject({
        url: `/api/workspace/tickets/${bOnly.reference}`,
        headers: { cookie: b.agent.cookie },
      })
    ).json();
    assert.equal(bView.status, "open");
    assert.equal(bView.conversation.length, 0);
    assert.equal(bView.events.length, 1);
  });

  test("a tracking token opens only its own ticket in its own workspace", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const aT = await submitTicket(t, a.ws.slug);
    const bT = await submitTicket(t, b.ws.slug);
    assert.equal(aT.reference, bT.reference);
    assert.equal((await t.app.inject({ url: trackUrl(b.ws.slug, bT, aT.token) })).statusCode, 404);
    assert.equal((await t.app.inject({ url: trackUrl(a.ws.slug, aT, bT.token) })).statusCode, 404);
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(b.ws.slug, bT, aT.token).replace("?", "/replies?"),
      payload: { body: "sneaky" },
    });
    assert.equal(reply.statusCode, 404);
    const comments = await t.ctx.database.db
      .selectFrom("comments")
      .select("id")
      .where("workspace_id", "=", b.ws.id)
      .execute();
    assert.equal(comments.length, 0);
  });
});

describe("internal notes", () => {
  test("appear on no public path", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: agent.headers,
      payload: { body: NOTE },
    });
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "A public answer" },
    });
    const customerReply = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "thanks" },
    });
    const publicResponses = [
      await t.app.inject({ url: trackUrl(ws.slug, s) }),
      customerReply,
      await t.app.inject({ url: `/api/public/portals/${ws.slug}` }),
    ];
    for (const r of publicResponses) {
      assert.ok(r.statusCode < 300, r.body);
      assert.ok(!r.body.includes("SECRET-NOTE"), r.body);
    }
    const view = publicResponses[0]?.json();
    assert.deepEqual(
      view.conversation.map((m: { body: string }) => m.body),
      ["A public answer", "thanks"],
    );
    // The agent does see it, marked as internal.
    const detail = (
      await t.app.inject({ url: `/api/workspace/tickets/${s.reference}`, headers: { cookie: agent.cookie } })
    ).json();
    const note = detail.conversation.find((c: { body: string }) => c.body === NOTE);
    assert.equal(note.internal, true);
  });
});
