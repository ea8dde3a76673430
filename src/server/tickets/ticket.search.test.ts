import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { up as ticketSearchByNumber } from "../../../db/migrations/0038_ticket_search_by_number.ts";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { SEARCH_WINDOWS } from "./queue.ts";
import { ROWID_BLOCK } from "./ticket.search.ts";

// The queue's text search walks the index newest (or oldest) first and stops at the page: the
// same tickets, in the same order, page by page, as reading every match would give.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const get = (url: string, cookie: string) => t.app.inject({ url, headers: { cookie } });
type Page = { items: { reference: string; status: string }[]; nextCursor: string | null };

/** Every page of a listing, followed by its cursor. */
async function allPages(url: string, cookie: string): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`${url}${cursor ? `&cursor=${cursor}` : ""}`, cookie);
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as Page;
    seen.push(...page.items.map((i) => i.reference));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe("ticket text search, walked in windows", () => {
  test("pages newest and oldest first like the whole set, with filters, never another workspace", async () => {
    const { ws, agent } = await makeTeam(t);
    const other = await makeTeam(t);
    const tickets: { s: Submitted; invoice: boolean; waiting: boolean }[] = [];
    for (let i = 0; i < 40; i++) {
      const invoice = i % 3 === 0;
      const s = await submitTicket(t, ws.slug, {
        subject: invoice ? `Invoice ${i} is wrong` : `Printer ${i} jammed`,
        description: i % 7 === 0 ? "About the invoicing address" : "Nothing else",
      });
      // The other workspace's tickets share the numbers (and the index's rowid blocks).
      await submitTicket(t, other.ws.slug, { subject: `Invoice ${i} of the other workspace` });
      tickets.push({ s, invoice: invoice || i % 7 === 0, waiting: i % 2 === 0 });
    }
    // A later reply on an old ticket: its index row sits in that ticket's block.
    const old = tickets[4] as (typeof tickets)[number];
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, old.s).replace("?", "/replies?"),
      payload: { body: "Where is my invoice?" },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    old.invoice = true;
    for (const x of tickets.filter((x) => x.waiting)) {
      const res = await t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${x.s.reference}`,
        headers: agent.headers,
        payload: { status: "waiting" },
      });
      assert.equal(res.statusCode, 200, res.body);
    }

    const newest = tickets
      .filter((x) => x.invoice)
      .map((x) => x.s.reference)
      .reverse();
    const waitingNewest = tickets
      .filter((x) => x.invoice && x.waiting)
      .map((x) => x.s.reference)
      .reverse();
    const saved = { ...SEARCH_WINDOWS };
    try {
      // Small windows, and the rest at once after a few: every path of the walk on a small index.
      for (const maxRows of [8192, 12]) {
        SEARCH_WINDOWS.maxRows = maxRows;
        SEARCH_WINDOWS.firstTickets = maxRows === 12 ? 1 : saved.firstTickets;
        SEARCH_WINDOWS.maxTickets = maxRows === 12 ? 40 : saved.maxTickets;
        for (const limit of [1, 2, 5, 100]) {
          const base = `/api/workspace/tickets?q=invo&limit=${limit}`;
          assert.deepEqual(await allPages(`${base}&sort=newest`, agent.cookie), newest, `${limit}`);
          assert.deepEqual(await allPages(`${base}&sort=oldest`, agent.cookie), [...newest].reverse());
          assert.deepEqual(await allPages(`${base}&status=waiting`, agent.cookie), waitingNewest);
          assert.deepEqual(
            await allPages(`${base}&status=waiting&sort=oldest`, agent.cookie),
            [...waitingNewest].reverse(),
          );
        }
      }
    } finally {
      Object.assign(SEARCH_WINDOWS, saved);
    }
    const updated = await allPages("/api/workspace/tickets?q=invo&sort=updated&limit=4", agent.cookie);
    assert.deepEqual([...updated].sort(), [...newest].sort(), "other sorts: the same tickets");
    assert.deepEqual(
      await allPages("/api/workspace/tickets?q=invoice%20wrong&limit=3", agent.cookie),
      tickets
        .filter((x, i) => i % 3 === 0 && x.s)
        .map((x) => x.s.reference)
        .reverse(),
      "every word",
    );
    assert.deepEqual(await allPages("/api/workspace/tickets?q=nomatchatall&limit=3", agent.cookie), []);

    if (t.ctx.database.dialect === "sqlite") {
      // Each row's rowid is in its ticket's block; the migration rebuilds them from older ones.
      const misplaced = async () =>
        (
          await sql<{
            n: number;
          }>`select count(*) as n from ticket_search s join tickets t on t.id = s.ticket_id
            where s.rowid / ${sql.lit(ROWID_BLOCK)} != t.number`.execute(t.ctx.database.db)
        ).rows[0]?.n;
      assert.equal(await misplaced(), 0);
      await sql`create temp table old_rows as select body, id, workspace_id, ticket_id from ticket_search`.execute(
        t.ctx.database.db,
      );
      await sql`delete from ticket_search`.execute(t.ctx.database.db);
      await sql`insert into ticket_search (body, id, workspace_id, ticket_id)
        select body, id, workspace_id, ticket_id from old_rows`.execute(t.ctx.database.db);
      await sql`drop table old_rows`.execute(t.ctx.database.db);
      assert.ok(Number(await misplaced()) > 0, "rows as the index wrote them before");
      await ticketSearchByNumber(t.ctx.database.db);
      assert.equal(await misplaced(), 0);
      assert.deepEqual(await allPages("/api/workspace/tickets?q=invo&limit=2", agent.cookie), newest);
    }
  });

  test("a cursor at the last ticket number there can be ends the listing, with no overflow", async () => {
    const { ws, agent } = await makeTeam(t);
    await submitTicket(t, ws.slug, { subject: "Invoice at the edge" });
    for (const sort of ["oldest", "newest"]) {
      const cursor = Buffer.from(JSON.stringify({ s: sort, n: 2 ** 31 - 1 })).toString("base64url");
      const res = await get(`/api/workspace/tickets?q=invoice&sort=${sort}&cursor=${cursor}`, agent.cookie);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as Page;
      assert.deepEqual(
        page.items.map((i) => i.reference).length,
        sort === "oldest" ? 0 : 1,
        `${sort}: nothing after the last number, everything before it`,
      );
    }
  });

  test("stays right after a reply, a note, a merge and an erasure", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const first = await submitTicket(t, ws.slug, { subject: "Printer smoking", email: "a@customer.test" });
    const second = await submitTicket(t, ws.slug, {
      subject: "Scanner quietly broken",
      email: "erase-me@customer.test",
    });
    const third = await submitTicket(t, ws.slug, { subject: "Monitor flickers", email: "a@customer.test" });
    const search = async (q: string) => allPages(`/api/workspace/tickets?q=${q}&limit=1`, agent.cookie);

    const note = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${first.reference}/notes`,
      headers: agent.headers,
      payload: { body: "Checked the fuser unit" },
    });
    assert.equal(note.statusCode, 201, note.body);
    assert.deepEqual(await search("fuser"), [first.reference]);
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, third).replace("?", "/replies?"),
      payload: { body: "The fuser of this one too" },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    assert.deepEqual(await search("fuser"), [third.reference, first.reference]);

    // A merge indexes the source's subject under the target.
    const merged = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${third.reference}/merge`,
      headers: agent.headers,
      payload: { into: first.reference },
    });
    assert.equal(merged.statusCode, 200, merged.body);
    assert.deepEqual((await search("monitor")).sort(), [first.reference, third.reference].sort());

    // An erasure forgets the contact's words and indexes what stays.
    assert.deepEqual(await search("quietly"), [second.reference]);
    const contact = await t.ctx.database.db
      .selectFrom("contacts")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .where("email_normalized", "=", "erase-me@customer.test")
      .executeTakeFirstOrThrow();
    const erased = await t.app.inject({
      method: "POST",
      url: `/api/workspace/contacts/${contact.id}/erase`,
      headers: admin.headers,
      payload: { confirmEmail: "erase-me@customer.test" },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    assert.deepEqual(await search("fuser"), [third.reference, first.reference]);
    if (t.ctx.database.dialect === "sqlite") {
      const rows = await sql<{
        block: number;
        number: number;
      }>`select s.rowid / ${sql.lit(ROWID_BLOCK)} as block,
          t.number from ticket_search s join tickets t on t.id = s.ticket_id
         where t.workspace_id = ${ws.id}`.execute(t.ctx.database.db);
      assert.ok(rows.rows.length >= 5);
      for (const r of rows.rows) assert.equal(Number(r.block), Number(r.number));
    }
  });
  test("a prefix finds what FTS5's own prefix query finds, looked up word by word or not", async () => {
    const { ws, agent } = await makeTeam(t);
    const subjects = [
      "Statement for March",
      "Statements missing",
      "Stated wrongly",
      "Café crème spilled",
      "Cafeteria closed",
      // More words of one prefix than are looked up one by one: the prefix itself is matched.
      ...Array.from({ length: 70 }, (_, i) => `Zephyr${i} down`),
      "Nothing related",
    ];
    const refs = new Map<string, string>();
    for (const subject of subjects)
      refs.set(subject, (await submitTicket(t, ws.slug, { subject })).reference);
    const expect = (pick: (s: string) => boolean) =>
      subjects
        .filter(pick)
        .map((s) => refs.get(s) as string)
        .reverse();
    const cases: [string, string[]][] = [
      ["stat", expect((s) => s.startsWith("Stat"))],
      ["statement", expect((s) => s.startsWith("Statement"))],
      ["statements", expect((s) => s === "Statements missing")],
      // SQLite's tokenizer folds diacritics (a word typed with one stays a prefix query);
      // PostgreSQL's simple configuration keeps them.
      ...((t.ctx.database.dialect === "sqlite"
        ? [
            ["cafe", expect((s) => s.startsWith("Caf"))],
            ["caf%C3%A9", expect((s) => s.startsWith("Caf"))],
          ]
        : [
            ["cafe", expect((s) => s.startsWith("Cafe"))],
            ["caf%C3%A9", expect((s) => s.startsWith("Café"))],
          ]) as [string, string[]][]),
      ["zephyr", expect((s) => s.startsWith("Zephyr"))],
      ["zephyr6%20down", expect((s) => /^Zephyr6\d? down/.test(s))],
      ["st", expect((s) => s.startsWith("Stat"))],
      ["stx", []],
    ];
    // On SQLite every search reads on the read-only connection: on the writer's it would flush
    // the group commit and count as a commit, dropping the process's kept reads.
    const reader = t.ctx.database.reader;
    const onReader: string[] = [];
    const all = reader?.all;
    if (reader && all)
      reader.all = (text, parameters) => {
        if (text.includes("ticket_search match") && text.includes("order by rowid")) onReader.push(text);
        return all.call(reader, text, parameters);
      };
    for (const [q, want] of cases) {
      for (const sort of ["newest", "updated"]) {
        const got = await allPages(`/api/workspace/tickets?q=${q}&sort=${sort}&limit=25`, agent.cookie);
        assert.deepEqual(
          sort === "newest" ? got : got.sort(),
          sort === "newest" ? want : [...want].sort(),
          `${q} ${sort}`,
        );
      }
    }
    if (reader && all) {
      reader.all = all;
      // Each newest-first query above walked at least one window of the index, read there.
      assert.ok(onReader.length >= cases.length, `${onReader.length} searches on the reader`);
    }
  });
});
