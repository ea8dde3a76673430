import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../ids.ts";
import { makeTeam, type Submitted, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { fillLongConversation, type LongTicket, makeLongTicket } from "../test/long-conversation.ts";
import { customerIn, openRequest } from "../test/portal-world.ts";

// A long conversation is paged: the tracking API and page show the newest messages, older ones on
// demand through a cursor (a message id) that must be a public message of the same ticket.

let t: TestEnv;
let long: LongTicket;
const longTicket = (count: number) => makeLongTicket(t, count);
const fillConversation = (workspaceId: string, reference: string, count: number) =>
  fillLongConversation(t, workspaceId, reference, count);
before(async () => {
  t = await testEnv();
  long = await longTicket(120);
});
after(() => t.close());

interface Message {
  id: string;
  body: string;
  author: { type: string };
  attachments: { id: string }[];
}
interface Tracked {
  conversation: Message[];
  hasOlder: boolean;
  nextBefore: string | null;
  description: string;
}

const track = async (slug: string, s: Submitted, query = "") => {
  const res = await t.app.inject({ url: `${trackUrl(slug, s)}${query}` });
  return {
    status: res.statusCode,
    body: res.json() as Tracked & { error?: { code: string; fields?: object } },
  };
};

describe("the tracking API's conversation", () => {
  test("answers the newest 50 messages oldest first, with the cursor of the older ones", async () => {
    const { status, body } = await track(long.slug, long.s);
    assert.equal(status, 200);
    assert.equal(body.description, "The request itself", "the request itself is always there");
    assert.deepEqual(
      body.conversation.map((m) => m.id),
      long.ids.slice(70),
    );
    assert.equal(body.conversation.at(-1)?.body, "message 119");
    assert.equal(body.hasOlder, true);
    assert.equal(body.nextBefore, long.ids[70]);
    assert.ok(!JSON.stringify(body).includes("internal note"), "no internal note on any page");
  });

  test("walks back through every older page with before=nextBefore, to the first message", async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: Tracked } = await track(
        long.slug,
        long.s,
        before ? `&before=${before}` : "",
      );
      assert.equal(status, 200);
      assert.ok(!JSON.stringify(body).includes("internal note"));
      seen.unshift(...body.conversation.map((m) => m.id));
      before = body.nextBefore;
      assert.equal(body.hasOlder, before !== null);
      pages++;
    } while (before);
    assert.equal(pages, 3, "50 + 50 + 20");
    assert.deepEqual(seen, long.ids, "every public message once, in order");
  });

  test("takes a smaller or larger page within 1 to 100", async () => {
    const small = await track(long.slug, long.s, "&limit=10");
    assert.deepEqual(
      small.body.conversation.map((m) => m.id),
      long.ids.slice(110),
    );
    const older = await track(long.slug, long.s, `&limit=10&before=${small.body.nextBefore}`);
    assert.deepEqual(
      older.body.conversation.map((m) => m.id),
      long.ids.slice(100, 110),
    );
    assert.equal((await track(long.slug, long.s, "&limit=100")).body.conversation.length, 100);
    for (const bad of ["0", "101", "x"]) {
      const res = await track(long.slug, long.s, `&limit=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error?.code, "validation_failed");
    }
  });

  test("refuses a cursor that is not a public message of this ticket, after the token's own check", async () => {
    const other = await longTicket(3);
    for (const before of [other.ids[1], long.notes[0], newId(), "not-an-id"]) {
      const res = await track(long.slug, long.s, `&before=${before}`);
      assert.equal(res.status, 400, String(before));
      assert.equal(res.body.error?.code, "validation_failed");
      assert.ok(res.body.error?.fields && "before" in res.body.error.fields);
    }
    // Another ticket's token with this ticket's cursor: the same 404 as any wrong token.
    const wrong = await t.app.inject({
      url: `${trackUrl(long.slug, long.s, other.s.token)}&before=${long.ids[80]}`,
    });
    assert.equal(wrong.statusCode, 404);
  });

  test("a short conversation is one page with nothing older", async () => {
    const short = await longTicket(2);
    const { body } = await track(short.slug, short.s);
    assert.deepEqual(
      body.conversation.map((m) => m.id),
      short.ids,
    );
    assert.equal(body.hasOlder, false);
    assert.equal(body.nextBefore, null);
  });

  test("each page carries the files of its own messages, never those of a note", async () => {
    const paged = await longTicket(60);
    const db = t.ctx.database.db;
    const ticket = await db
      .selectFrom("comments")
      .select(["ticket_id", "workspace_id"])
      .where("id", "=", paged.ids[0] as string)
      .executeTakeFirstOrThrow();
    const file = async (commentId: string, name: string) => {
      const id = newId();
      await db
        .insertInto("attachments")
        .values({
          id,
          workspace_id: ticket.workspace_id,
          ticket_id: ticket.ticket_id,
          comment_id: commentId,
          file_name: name,
          content_type: "text/plain",
          size_bytes: 1,
          sha256: "0".repeat(64),
          storage_key: `nowhere/${id}`,
          uploaded_by_type: "contact",
          uploaded_by_id: null,
          created_at: "2026-01-01T00:00:00.000Z",
          claim_hash: null,
          attached_at: "2026-01-01T00:00:00.000Z",
          scan_status: null,
          thumb_key: null,
        })
        .execute();
      return id;
    };
    const oldFile = await file(paged.ids[3] as string, "old.txt");
    const newFile = await file(paged.ids[55] as string, "new.txt");
    await file(paged.notes[0] as string, "note.txt");
    const first = await track(paged.slug, paged.s);
    const files = (b: Tracked) => b.conversation.flatMap((m) => m.attachments.map((a) => a.id));
    assert.deepEqual(files(first.body), [newFile]);
    const second = await track(paged.slug, paged.s, `&before=${first.body.nextBefore}`);
    assert.deepEqual(files(second.body), [oldFile]);
    assert.ok(!JSON.stringify([first.body, second.body]).includes("note.txt"));
  });
});

describe("the tracking page's conversation, without JavaScript", () => {
  const page = (slug: string, s: Submitted) => `/portal/${slug}/tickets/${s.reference}`;
  const open = (url: string) => t.app.inject({ url, headers: { cookie: `portico_track=${long.s.token}` } });
  const shown = (html: string) => [...html.matchAll(/message (\d+)</g)].map((m) => Number(m[1]));

  test("shows the request and the newest 50, with a plain link to the older ones", async () => {
    const res = await open(page(long.slug, long.s));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /The request itself/);
    assert.deepEqual(
      shown(res.body),
      Array.from({ length: 50 }, (_, i) => 70 + i),
    );
    const older = `${page(long.slug, long.s)}?before=${long.ids[70]}`;
    assert.ok(res.body.includes(`href="${older}#conversation-title"`), "a link, no script needed");
    assert.match(res.body, /Show older messages/);
    assert.ok(!res.body.includes("Show the newest messages"));
    assert.match(res.body, /id="latest"/);
    assert.ok(!res.body.includes("internal note"));
  });

  test("the older page shows the 50 before, the request still on top, and a way back; its live part polls the same page", async () => {
    const res = await open(`${page(long.slug, long.s)}?before=${long.ids[70]}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /The request itself/);
    assert.deepEqual(
      shown(res.body),
      Array.from({ length: 50 }, (_, i) => 20 + i),
    );
    assert.ok(res.body.includes(`?before=${long.ids[20]}#conversation-title`));
    assert.ok(res.body.includes(`href="${page(long.slug, long.s)}#latest"`));
    assert.ok(!res.body.includes('id="latest"'), "the latest message is not on this page");
    assert.ok(
      res.body.includes(`data-poll="${page(long.slug, long.s)}?part=live&amp;before=${long.ids[70]}"`),
    );
    const live = await open(`${page(long.slug, long.s)}?part=live&before=${long.ids[70]}`);
    assert.equal(live.statusCode, 200);
    assert.deepEqual(shown(live.body).slice(0, 2), [20, 21]);
    // The reply form is there on every page.
    assert.ok(res.body.includes(`action="${page(long.slug, long.s)}/reply"`));
  });

  test("another ticket's message as the cursor shows the newest messages instead, saying so", async () => {
    const other = await longTicket(2);
    const res = await open(`${page(long.slug, long.s)}?before=${other.ids[0]}`);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /That part of the conversation could not be found/);
    assert.equal(shown(res.body).at(-1), 119);
    assert.ok(!res.body.includes("message 0<"));
  });
});

describe("the signed-in portal's request", () => {
  test("the API and the page page the conversation the same way, and refuse another request's cursor", async () => {
    const team = await makeTeam(t);
    const pat = await customerIn(t, team.ws.id, null, "own", "Pat Own");
    const ref = await openRequest(t, team.ws.slug, pat, "Paged");
    const { ids, notes } = await fillConversation(team.ws.id, ref, 60);
    const api = `/api/portal/${team.ws.slug}/tickets/${ref}`;
    const first = (await pat.get(api)).json() as Tracked;
    assert.deepEqual(
      first.conversation.map((m) => m.id),
      ids.slice(10),
    );
    assert.equal(first.hasOlder, true);
    assert.equal(first.nextBefore, ids[10]);
    const second = (await pat.get(`${api}?before=${first.nextBefore}`)).json() as Tracked;
    assert.deepEqual(
      second.conversation.map((m) => m.id),
      ids.slice(0, 10),
    );
    assert.equal(second.hasOlder, false);
    assert.equal(second.nextBefore, null);
    assert.ok(!JSON.stringify([first, second]).includes("internal note"));
    for (const before of [long.ids[5], notes[0]]) {
      const bad = await pat.get(`${api}?before=${before}`);
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.json().error.fields.before);
    }

    const pageUrl = `/portal/${team.ws.slug}/requests/${ref}`;
    const newest = await pat.get(pageUrl);
    assert.equal(newest.statusCode, 200);
    assert.equal([...newest.body.matchAll(/message \d+</g)].length, 50);
    assert.ok(newest.body.includes(`href="${pageUrl}?before=${ids[10]}#conversation-title"`));
    const older = await pat.get(`${pageUrl}?before=${ids[10]}`);
    assert.equal(older.statusCode, 200);
    assert.deepEqual(
      [...older.body.matchAll(/message (\d+)</g)].map((m) => Number(m[1])),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.ok(older.body.includes(`href="${pageUrl}#latest"`));
    const foreign = await pat.get(`${pageUrl}?before=${long.ids[5]}`);
    assert.equal(foreign.statusCode, 400);
    assert.match(foreign.body, /That part of the conversation could not be found/);
  });
});
