import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../ids.ts";
import { makeAgent, signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { type LongTicket, makeLongTicket } from "../test/long-conversation.ts";
import { recordEvent } from "./ticket.events.ts";

// A long conversation on the agents' side: the API and the ticket page show the newest messages
// and notes, with the history of the same stretch of time; older ones on demand through a cursor
// (a message id) that must be a message of the same ticket.

let t: TestEnv;
let long: LongTicket;
before(async () => {
  t = await testEnv();
  long = await makeLongTicket(t, 120);
});
after(() => t.close());

interface Message {
  id: string;
  body: string;
}
describe("the agents' ticket", () => {
  interface Detail {
    conversation: (Message & { internal: boolean })[];
    events: { type: string; data: Record<string, unknown> }[];
    hasOlder: boolean;
    nextBefore: string | null;
  }
  let agent: Awaited<ReturnType<typeof signIn>>;
  /** Every message of the long ticket, notes included, oldest first. */
  let all: string[];
  const api = (query = "") => `/api/workspace/tickets/${long.s.reference}${query}`;
  const get = async (query = "") => {
    const res = await t.app.inject({ url: api(query), headers: { cookie: agent.cookie } });
    return { status: res.statusCode, body: res.json() as Detail & { error?: { fields?: object } } };
  };

  before(async () => {
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select("id")
      .where("slug", "=", long.slug)
      .executeTakeFirstOrThrow();
    const row = await makeAgent(t, ws.id);
    agent = await signIn(t, long.slug, row.email);
    const ticket = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .where("number", "=", Number(long.s.reference.slice(4)))
      .executeTakeFirstOrThrow();
    const rows = await t.ctx.database.db
      .selectFrom("comments")
      .select("id")
      .where("ticket_id", "=", ticket.id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    all = rows.map((r) => r.id);
    // One change before the first message and one among the newest: each belongs to its own page.
    for (const [at, mark] of [
      ["2025-12-31T00:00:00.000Z", "before the first message"],
      ["2026-01-01T00:01:50.000Z", "among the newest"],
    ] as const) {
      await recordEvent(t.ctx.database, t.ctx.database.db, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        actor: { type: "system", id: null },
        type: "priority_changed",
        data: { from: "medium", to: "high", mark },
        at,
      });
    }
  });

  const marks = (d: Detail) => d.events.map((e) => e.data.mark).filter(Boolean);

  test("the API answers the newest 100 messages, notes included, with the history of the same stretch", async () => {
    assert.equal(all.length, 137, "120 messages and 17 notes");
    const first = await get();
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.conversation.map((m) => m.id),
      all.slice(37),
    );
    assert.ok(first.body.conversation.some((m) => m.internal));
    assert.equal(first.body.hasOlder, true);
    assert.equal(first.body.nextBefore, all[37]);
    assert.deepEqual(marks(first.body), ["among the newest"]);
  });

  test("walks back with before=nextBefore to the first message; each page has its own history", async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    let last: Detail | undefined;
    do {
      const page: { status: number; body: Detail } = await get(
        `?limit=40${before ? `&before=${before}` : ""}`,
      );
      assert.equal(page.status, 200);
      seen.unshift(...page.body.conversation.map((m) => m.id));
      before = page.body.nextBefore;
      last = page.body;
      pages++;
    } while (before);
    assert.deepEqual(seen, all);
    assert.equal(pages, 4);
    assert.equal(last?.hasOlder, false);
    assert.deepEqual(marks(last as Detail), ["before the first message"]);
  });

  test("refuses a page size out of range and a cursor that is not a message of this ticket", async () => {
    assert.equal((await get("?limit=0")).status, 400);
    assert.equal((await get("?limit=201")).status, 400);
    assert.equal((await get("?limit=200")).body.conversation.length, 137);
    const other = await makeLongTicket(t, 2);
    for (const cursor of [other.ids[0], newId()]) {
      const res = await get(`?before=${cursor}`);
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(res.body.error?.fields ?? {}), ["before"]);
    }
  });

  test("the page shows the request and the newest messages, a plain link to the older ones, and a way back", async () => {
    const page = `/app/tickets/${long.s.reference}`;
    const open = (url: string) => t.app.inject({ url, headers: { cookie: agent.cookie } });
    const shown = (html: string) => [...html.matchAll(/message (\d+)</g)].map((m) => Number(m[1]));
    const newest = await open(page);
    assert.equal(newest.statusCode, 200);
    assert.match(newest.body, /The request itself/);
    assert.equal(shown(newest.body).at(-1), 119);
    assert.ok(!shown(newest.body).includes(0));
    assert.ok(newest.body.includes(`href="${page}?before=${all[37]}#conversation"`));
    assert.match(newest.body, /data-poll=/);

    const older = await open(`${page}?before=${all[37]}`);
    assert.equal(older.statusCode, 200);
    assert.match(older.body, /The request itself/);
    assert.equal(shown(older.body)[0], 0);
    assert.ok(!shown(older.body).includes(119));
    assert.match(older.body, /Back to the newest/);
    assert.doesNotMatch(older.body, /data-poll=/, "an older page is not replaced by the newest");

    const stray = await open(`${page}?before=${newId()}`);
    assert.equal(stray.statusCode, 303);
    assert.equal(stray.headers.location, page);
  });
});
