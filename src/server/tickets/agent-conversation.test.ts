import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../ids.ts";
import { makeAgent, signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { type LongTicket, makeLongTicket } from "../test/long-conversation.ts";
import { insertComment } from "./ticket.create.ts";
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
    // An email that could not be delivered, long ago: the newest page has it too (said on top).
    // And one change at the very moment of the newest page's oldest message: that page's only.
    const boundary = await t.ctx.database.db
      .selectFrom("comments")
      .select("created_at")
      .where("id", "=", all[37] as string)
      .executeTakeFirstOrThrow();
    for (const [at, mark, type] of [
      ["2025-12-31T00:00:00.000Z", "before the first message", "priority_changed"],
      ["2025-12-31T12:00:00.000Z", "undelivered long ago", "email_failed"],
      [boundary.created_at, "at the boundary", "priority_changed"],
      ["2026-01-01T00:01:50.000Z", "among the newest", "priority_changed"],
    ] as const) {
      await recordEvent(t.ctx.database, t.ctx.database.db, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        actor: { type: "system", id: null },
        type,
        data: { from: "medium", to: "high", mark, to_address: "casey@example.test", reason: "mailbox full" },
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
    assert.deepEqual(marks(first.body), ["undelivered long ago", "at the boundary", "among the newest"]);
    const second = await get(`?before=${first.body.nextBefore}`);
    assert.ok(!marks(second.body).includes("at the boundary"), "an event is on one page only");
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
    assert.deepEqual(marks(last as Detail), ["before the first message", "undelivered long ago"]);
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
    assert.match(newest.body, /An email was not delivered/, "however old, said on top");

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

  test("a reply from the newest page is not refused when its messages hold no customer message", async () => {
    const other = await makeLongTicket(t, 1);
    const ws = await t.ctx.database.db
      .selectFrom("workspaces")
      .select("id")
      .where("slug", "=", other.slug)
      .executeTakeFirstOrThrow();
    const ticket = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .where("number", "=", Number(other.s.reference.slice(4)))
      .executeTakeFirstOrThrow();
    const row = await makeAgent(t, ws.id);
    const me = await signIn(t, other.slug, row.email);
    // The customer's one message, then more notes than a page holds.
    for (let i = 0; i < 101; i++) {
      await insertComment(t.ctx.database.db, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        author: { type: "agent", agentId: me.id },
        body: `note ${i}`,
        internal: true,
        channel: "portal",
        at: new Date(Date.parse("2026-02-01T00:00:00Z") + i * 1000).toISOString(),
      });
    }
    const detail = (
      await t.app.inject({
        url: `/api/workspace/tickets/${other.s.reference}`,
        headers: { cookie: me.cookie },
      })
    ).json() as Detail & { latestCustomerMessage: string | null };
    assert.ok(detail.conversation.every((m) => m.internal));
    assert.equal(detail.latestCustomerMessage, other.ids[0]);
    const page = await t.app.inject({
      url: `/app/tickets/${other.s.reference}`,
      headers: { cookie: me.cookie },
    });
    assert.ok(page.body.includes(`name="seenMessage" value="${other.ids[0]}"`));
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${other.s.reference}/replies`,
      headers: me.headers,
      payload: { body: "Thanks, on it.", seenMessage: other.ids[0] },
    });
    assert.equal(reply.statusCode, 201, reply.body);
  });
});
