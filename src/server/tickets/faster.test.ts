import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Working faster: take, bulk, merge (with the customer's tracking link), views' counts, unread.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Agent = Awaited<ReturnType<typeof makeTeam>>["agent"];
const post = (url: string, who: Agent, payload: object) =>
  t.app.inject({ method: "POST", url: `/api/workspace${url}`, headers: who.headers, payload });
const get = (url: string, who: Agent) =>
  t.app.inject({ url: `/api/workspace${url}`, headers: { cookie: who.cookie } });
const customerReply = (slug: string, s: Submitted, body: string) =>
  t.app.inject({ method: "POST", url: trackUrl(slug, s).replace("?", "/replies?"), payload: { body } });

describe("take it", () => {
  test("assigns the ticket to me, records it, and is 404 for another workspace's ticket", async () => {
    const { ws, agent } = await makeTeam(t);
    const other = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const res = await post(`/tickets/${s.reference}/take`, agent, {});
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().assignee.id, agent.id);
    assert.ok(res.json().events.some((e: { type: string }) => e.type === "assignee_changed"));
    assert.equal((await post(`/tickets/${s.reference}/take`, other.agent, {})).statusCode, 404);
  });

  test("the app's Take it form assigns and goes back to the queue", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const res = await t.app.inject({
      method: "POST",
      url: `/app/tickets/${s.reference}/take`,
      headers: { cookie: agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(agent.csrf)}&back=queue`,
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/app");
    assert.equal((await get(`/tickets/${s.reference}`, agent)).json().assignee.id, agent.id);
  });
});

describe("bulk changes", () => {
  test("applies to each ticket and reports the ones refused, without undoing the others", async () => {
    const { ws, agent } = await makeTeam(t);
    const other = await makeTeam(t);
    const a = await submitTicket(t, ws.slug, { subject: "A" });
    const b = await submitTicket(t, ws.slug, { subject: "B" });
    const foreign = await submitTicket(t, other.ws.slug, { subject: "Not ours" });
    const refs = [a.reference, b.reference, "TKT-9999"];
    const res = await post("/tickets/bulk", agent, {
      references: refs,
      action: { kind: "priority", priority: "high" },
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.succeeded, 2);
    assert.equal(body.failed, 1);
    assert.deepEqual(
      body.results.map((r: { reference: string; ok: boolean; code?: string }) => [r.reference, r.ok, r.code]),
      [
        [a.reference, true, undefined],
        [b.reference, true, undefined],
        ["TKT-9999", false, "not_found"],
      ],
    );
    for (const s of [a, b])
      assert.equal((await get(`/tickets/${s.reference}`, agent)).json().priority, "high");
    // Another workspace's ticket of the same number is not touched.
    const theirs = await post("/tickets/bulk", other.agent, {
      references: [foreign.reference],
      action: { kind: "status", status: "waiting" },
    });
    assert.equal(theirs.json().succeeded, 1);
    assert.equal((await get(`/tickets/${a.reference}`, agent)).json().status, "open");

    const assign = await post("/tickets/bulk", agent, {
      references: [a.reference, b.reference],
      action: { kind: "assign", assigneeId: agent.id },
    });
    assert.equal(assign.json().succeeded, 2);
    const mine = (await get("/tickets?assignee=me", agent)).json();
    assert.equal(mine.items.length, 2);
  });

  test("refuses more than 100 references and an unknown action, naming the field", async () => {
    const { agent } = await makeTeam(t);
    const many = Array.from({ length: 101 }, (_, i) => `TKT-${String(i + 1).padStart(4, "0")}`);
    const tooMany = await post("/tickets/bulk", agent, {
      references: many,
      action: { kind: "status", status: "open" },
    });
    assert.equal(tooMany.statusCode, 400);
    assert.ok(tooMany.json().error.fields.references);
    const bad = await post("/tickets/bulk", agent, { references: ["TKT-0001"], action: { kind: "explode" } });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields);
  });
});

describe("merging two tickets", () => {
  test("moves the conversation, files and history, closes the source, and its tracking link opens the target", async () => {
    const { ws, agent } = await makeTeam(t);
    const first = await submitTicket(t, ws.slug, { subject: "Printer broken", description: "It smokes" });
    const second = await submitTicket(t, ws.slug, { subject: "Printer again", description: "Still smoking" });
    assert.equal((await customerReply(ws.slug, second, "Any news?")).statusCode, 201);
    const upload = await t.app.inject({
      method: "POST",
      url: "/api/workspace/uploads?name=log.txt",
      headers: { ...agent.headers, "content-type": "application/octet-stream" },
      payload: Buffer.from("printer log: smoke detected\n"),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const note = await post(`/tickets/${second.reference}/notes`, agent, {
      body: "Same as the first one",
      attachments: [upload.json().key],
    });
    assert.equal(note.statusCode, 201, note.body);

    const res = await post(`/tickets/${second.reference}/merge`, agent, { into: first.reference });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().source, second.reference);
    assert.equal(res.json().moved.comments, 3);

    const target = (await get(`/tickets/${first.reference}`, agent)).json();
    const bodies = target.conversation.map((c: { body: string }) => c.body);
    assert.ok(bodies.includes("Printer again\n\nStill smoking"));
    assert.ok(bodies.includes("Any news?"));
    assert.ok(bodies.includes("Same as the first one"));
    assert.ok(target.events.some((e: { type: string }) => e.type === "merged_from"));
    const noted = target.conversation.find((c: { body: string }) => c.body === "Same as the first one");
    assert.deepEqual(
      noted.attachments.map((f: { name?: string; fileName?: string }) => f.name ?? f.fileName),
      ["log.txt"],
    );
    assert.equal(res.json().moved.attachments, 1);

    const source = (await get(`/tickets/${second.reference}`, agent)).json();
    assert.equal(source.status, "closed");
    assert.equal(source.conversation.length, 0);
    assert.ok(
      source.events.some(
        (e: { type: string; data: { into?: string } }) =>
          e.type === "merged_into" && e.data.into === first.reference,
      ),
    );

    // The customer's old link opens the target, with a working token of its own.
    const old = await t.app.inject({
      url: new URL(second.trackingUrl, "http://x").pathname + new URL(second.trackingUrl, "http://x").search,
    });
    assert.equal(old.statusCode, 303, old.body);
    const moved = new URL(String(old.headers.location), "http://x");
    assert.equal(moved.pathname, `/portal/${ws.slug}/tickets/${first.reference}`);
    const view = await t.app.inject({
      url: `/api/public/portals/${ws.slug}/tickets/${first.reference}?t=${moved.searchParams.get("t")}`,
    });
    assert.equal(view.statusCode, 200);
    assert.ok(view.json().conversation.some((m: { body: string }) => m.body === "Any news?"));
    assert.ok(!view.json().conversation.some((m: { body: string }) => m.body === "Same as the first one"));
  });

  test("refuses another customer's ticket and the ticket itself, with a clear 4xx", async () => {
    const { ws, agent } = await makeTeam(t);
    const mine = await submitTicket(t, ws.slug, { email: "one@customer.test" });
    const theirs = await submitTicket(t, ws.slug, { email: "two@customer.test" });
    const other = await post(`/tickets/${mine.reference}/merge`, agent, { into: theirs.reference });
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().error.code, "merge_other_customer");
    assert.ok(other.json().error.fields.into);
    const self = await post(`/tickets/${mine.reference}/merge`, agent, { into: mine.reference });
    assert.equal(self.statusCode, 400);
    assert.ok(self.json().error.fields.into);
    assert.equal((await get(`/tickets/${mine.reference}`, agent)).json().status, "open");
  });
});

describe("views and unread", () => {
  test("counts all open, mine, unassigned and waiting for us; the queue filters waiting for us", async () => {
    const { ws, agent } = await makeTeam(t);
    const a = await submitTicket(t, ws.slug, { subject: "A" });
    const b = await submitTicket(t, ws.slug, { subject: "B" });
    await submitTicket(t, ws.slug, { subject: "C" });
    await post(`/tickets/${a.reference}/take`, agent, {});
    // We answered B: it waits on the customer, not on us.
    await post(`/tickets/${b.reference}/replies`, agent, { body: "On it" });
    const counts = async () =>
      Object.fromEntries(
        (await get("/views", agent))
          .json()
          .views.map((v: { key: string; count: number }) => [v.key, v.count]),
      );
    assert.deepEqual(await counts(), { open: 3, mine: 1, unassigned: 2, waiting: 2 });
    const waitingPage = async () =>
      (await t.app.inject({ url: "/app?waiting=us", headers: { cookie: agent.cookie } })).body;
    assert.doesNotMatch(await waitingPage(), new RegExp(`data-reference="${b.reference}"`));
    assert.match(await waitingPage(), new RegExp(`data-reference="${a.reference}"`));
    await customerReply(ws.slug, b, "Thanks, but it still fails");
    assert.equal((await counts()).waiting, 3);
    assert.match(await waitingPage(), new RegExp(`data-reference="${b.reference}"`));
  });

  test("a customer reply marks the ticket unread until I open it; another agent's view does not clear mine", async () => {
    const { ws, agent, admin } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const unread = async (who: Agent) =>
      (await get("/tickets", who))
        .json()
        .items.find((i: { reference: string }) => i.reference === s.reference).unread;
    assert.equal(await unread(agent), false);
    t.advance(1000);
    await customerReply(ws.slug, s, "Hello again");
    assert.equal(await unread(agent), true);
    assert.equal(await unread(admin), true);
    t.advance(1000);
    const page = await t.app.inject({
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.equal(await unread(agent), false);
    assert.equal(await unread(admin), true);
    const queue = await t.app.inject({ url: "/app", headers: { cookie: admin.cookie } });
    assert.match(queue.body, /Unread customer reply/);
    assert.match(queue.body, /data-view="waiting"/);
  });
});
