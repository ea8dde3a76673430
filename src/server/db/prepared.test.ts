import assert from "node:assert/strict";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { sameRow } from "../lib/same-row.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { PORTAL_DEFAULTS } from "../workspaces/portal-settings.ts";
import { estimateBytes, PreparedRead, PreparedWrite, ReadCache, readOne, readTogether } from "./prepared.ts";
import { EXTERNAL_CHANGE_CHECK_MS } from "./sqlite.ts";

describe("prepared reads", () => {
  let env: TestEnv;
  before(async () => {
    env = await testEnv();
  });
  after(() => env.close());

  const BY_SLUG = new PreparedRead(["slug"], (db, p) =>
    db.selectFrom("workspaces").select(["id", "slug", "name"]).where("slug", "=", p.slug),
  );
  const BY_NAME_AND_SLUG = new PreparedRead(["name", "slug"], (db, p) =>
    db
      .selectFrom("workspaces")
      .select("slug")
      .where("name", "=", p.name)
      .where("slug", "=", p.slug)
      .where("slug", "!=", "a-constant-stays-a-constant"),
  );

  async function insertWorkspace(slug: string, name: string, db = env.ctx.database.db) {
    const now = new Date().toISOString();
    await db
      .insertInto("workspaces")
      .values({
        id: `ws-${slug}`,
        slug,
        name,
        portal_access: "public",
        show_assignee: false,
        document_max_bytes: 1,
        document_quota_bytes: 1,
        assignment_mode: "manual",
        assignment_teams: "{}",
        time_zone: "UTC",
        business_hours: "{}",
        ...PORTAL_DEFAULTS,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  it("binds each call's values by name, in whatever order the query uses them", async () => {
    await insertWorkspace("north", "North Co");
    await insertWorkspace("south", "South Co");
    const database = env.ctx.database;
    const [north, south, none, both] = await readTogether(database, [
      BY_SLUG.bind(database, { slug: "north" }),
      BY_SLUG.bind(database, { slug: "south" }),
      BY_SLUG.bind(database, { slug: "nowhere" }),
      BY_NAME_AND_SLUG.bind(database, { slug: "south", name: "South Co" }),
    ]);
    assert.deepEqual(
      north.map((r) => r.name),
      ["North Co"],
    );
    assert.deepEqual(
      south.map((r) => r.name),
      ["South Co"],
    );
    assert.equal(none.length, 0);
    assert.deepEqual(
      both.map((r) => r.slug),
      ["south"],
    );
  });

  it("never sees a transaction's rows before it commits, and sees them after", async () => {
    const database = env.ctx.database;
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => {
      inserted = r;
    });
    const tx = database.db.transaction().execute(async (trx) => {
      await insertWorkspace("pending", "Pending Co", trx);
      inserted();
      await held;
    });
    await insertedYet;
    const [during] = await readTogether(database, [BY_SLUG.bind(database, { slug: "pending" })]);
    assert.equal(during.length, 0, "an uncommitted row is invisible");
    release();
    await tx;
    const [afterCommit] = await readTogether(database, [BY_SLUG.bind(database, { slug: "pending" })]);
    assert.equal(afterCommit.length, 1);
  });

  it("a read cache answers from memory until the database changes (SQLite), and always reads on PostgreSQL", async () => {
    const database = env.ctx.database;
    await insertWorkspace("cached", "Cached Co");
    const cache = new ReadCache<string>(10);
    let reads = 0;
    const read = () =>
      cache.get(database, "cached", async () => {
        reads++;
        const [rows] = await readTogether(database, [BY_SLUG.bind(database, { slug: "cached" })]);
        return rows[0]?.name ?? "none";
      });
    assert.equal(await read(), "Cached Co");
    assert.equal(await read(), "Cached Co");
    const sqlite = database.dialect === "sqlite";
    assert.equal(reads, sqlite ? 1 : 2);

    // A write in a transaction, and those outside any: each is seen by the very next read.
    await database.db
      .transaction()
      .execute((tx) =>
        tx.updateTable("workspaces").set({ name: "Renamed Co" }).where("slug", "=", "cached").execute(),
      );
    assert.equal(await read(), "Renamed Co");
    await database.db
      .updateTable("workspaces")
      .set({ name: "Again Co" })
      .where("slug", "=", "cached")
      .execute();
    assert.equal(await read(), "Again Co");
    // And one returning its rows (UPDATE … RETURNING), as a settings change writes.
    await database.db
      .updateTable("workspaces")
      .set({ name: "Returned Co" })
      .where("slug", "=", "cached")
      .returningAll()
      .executeTakeFirst();
    assert.equal(await read(), "Returned Co");

    if (sqlite) {
      // Another process writing the same file is seen within EXTERNAL_CHANGE_CHECK_MS.
      const file = database.location;
      const other = new DatabaseSync(path.resolve(file), { timeout: 5000 });
      other.prepare("update workspaces set name = 'Outside Co' where slug = 'cached'").run();
      other.close();
      await new Promise((r) => setTimeout(r, EXTERNAL_CHANGE_CHECK_MS + 20));
      assert.equal(await read(), "Outside Co");
    }
  });

  it("a read cache given `unchanged` answers a row read again unchanged as the object it kept, a changed one as read", async () => {
    const database = env.ctx.database;
    await insertWorkspace("kept", "Kept Co");
    const cache = new ReadCache<{ name: string } | undefined>(10, { onPostgres: true, unchanged: sameRow });
    let reads = 0;
    const read = () =>
      cache.get(database, "kept", async () => {
        reads++;
        const [row] = await readOne(database, BY_SLUG.bind(database, { slug: "kept" }));
        return row;
      });
    const first = await read();
    assert.equal(first?.name, "Kept Co");
    // Another row changes: this one is read again (a commit makes every entry stale), and is the same object.
    await database.db
      .updateTable("workspaces")
      .set({ name: "Other Co" })
      .where("slug", "=", "north")
      .execute();
    const again = await read();
    assert.equal(reads, 2, "read again after the commit");
    assert.equal(again, first, "the same object");
    await database.db
      .updateTable("workspaces")
      .set({ name: "Changed Co" })
      .where("slug", "=", "kept")
      .execute();
    const changed = await read();
    assert.notEqual(changed, first);
    assert.equal(changed?.name, "Changed Co");
    assert.equal(await read(), changed);
    // Lookups that read at the same time after a commit all answer the kept object.
    await database.db
      .updateTable("workspaces")
      .set({ name: "North Co" })
      .where("slug", "=", "north")
      .execute();
    const together = await Promise.all([read(), read(), read()]);
    for (const row of together) assert.equal(row, changed, "the kept object, for each lookup");
  });

  it("a read cache keeps at most its size, forgetting the least recently used", async () => {
    const database = env.ctx.database;
    const cache = new ReadCache<number>(2);
    const reads: string[] = [];
    const get = (key: string) =>
      cache.get(database, key, async () => {
        reads.push(key);
        return reads.length;
      });
    await get("a");
    await get("b");
    await get("a"); // a is now the most recent
    await get("c"); // b goes
    await get("a");
    await get("b");
    const expected = database.dialect === "sqlite" ? ["a", "b", "c", "b"] : ["a", "b", "a", "c", "a", "b"];
    assert.deepEqual(reads, expected);
  });

  it("a read cache keeps at most its share of the read-cache budget in bytes (SQLite), the least recently used going first", async () => {
    const database = env.ctx.database;
    const budget = database.readCacheBytes;
    // Each answer is a string of 1,000 characters: with the key and the entry, 1,113 bytes.
    const entry = estimateBytes("x".repeat(1000)) + 1 + 96;
    assert.equal(entry, 1113);
    // A share of 2.5 entries' bytes, and room for 100 entries: the bytes are what bound it.
    const cache = new ReadCache<string>(100, { share: budget ? (entry * 2.5) / budget : 0.1 });
    const reads: string[] = [];
    const get = (key: string, length = 1000) =>
      cache.get(database, key, async () => {
        reads.push(key);
        return key.repeat(length);
      });
    await get("a");
    await get("b");
    await get("a"); // a is now the most recent
    await get("c"); // over the bytes: b goes
    await get("a");
    await get("b");
    await get("h", 3000); // larger than the whole share: answered, not kept
    await get("h", 3000);
    if (database.dialect === "sqlite") {
      assert.deepEqual(reads, ["a", "b", "c", "b", "h", "h"]);
      const usage = cache.usage(database);
      assert.equal(usage.maxBytes, Math.floor(entry * 2.5));
      assert.deepEqual([usage.entries, usage.bytes], [2, 2 * entry]);
      assert.ok(usage.bytes <= usage.maxBytes);
    } else {
      // PostgreSQL: every call reads, nothing is kept.
      assert.deepEqual(reads, ["a", "b", "a", "c", "a", "b", "h", "h"]);
      assert.equal(cache.usage(database).entries, 0);
    }
  });

  it("estimates a value's bytes from its strings, arrays and objects", () => {
    assert.equal(estimateBytes(""), 16);
    assert.equal(estimateBytes("abcd"), 20);
    assert.equal(estimateBytes(42), 8);
    assert.equal(estimateBytes(null), 8);
    // An array: its header and slots, then each element.
    assert.equal(estimateBytes(["ab", 1]), 16 + 2 * 8 + 18 + 8);
    // An object: its header and slots, then each value (the keys are shared between rows).
    assert.equal(estimateBytes({ subject: "abc", n: 1 }), 24 + 2 * 8 + 19 + 8);
    // Rows of a read grow with their text.
    const rows = (n: number, text: string) => Array.from({ length: n }, (_, i) => ({ id: i, body: text }));
    assert.ok(estimateBytes(rows(100, "x".repeat(1000))) > 100 * 1000);
    assert.ok(estimateBytes(rows(100, "x".repeat(1000))) > estimateBytes(rows(10, "x".repeat(1000))) * 9);
  });

  it("refuses a query that leaves a declared value unused", () => {
    const broken = new PreparedRead(["slug", "unused"], (db, p) =>
      db.selectFrom("workspaces").select("id").where("slug", "=", p.slug),
    );
    assert.throws(() => broken.bind(env.ctx.database, { slug: "x", unused: "y" }), /"unused" is never used/);
  });

  describe("prepared writes", () => {
    const INSERT = new PreparedWrite(["id", "slug", "name", "at"], (db, p) =>
      db
        .insertInto("workspaces")
        .values({
          id: p.id,
          slug: p.slug,
          name: p.name,
          portal_access: "public",
          show_assignee: false,
          document_max_bytes: 1,
          document_quota_bytes: 1,
          assignment_mode: "manual",
          assignment_teams: "{}",
          time_zone: "UTC",
          business_hours: "{}",
          ...PORTAL_DEFAULTS,
          created_at: p.at,
          updated_at: p.at,
        })
        .returning(["id", "slug"]),
    );
    const RENAME = new PreparedWrite(["slug", "name"], (db, p) =>
      db
        .updateTable("workspaces")
        .set({ name: p.name, support_email: "constant@example.test" })
        .where("slug", "=", p.slug),
    );
    const workspace = async (slug: string) =>
      (await readOne(env.ctx.database, BY_SLUG.bind(env.ctx.database, { slug })))[0];
    const emailOf = async (slug: string) =>
      (
        await env.ctx.database.db
          .selectFrom("workspaces")
          .select("support_email")
          .where("slug", "=", slug)
          .executeTakeFirst()
      )?.support_email;

    it("binds each call's values in the caller's transaction and answers the returned rows", async () => {
      const database = env.ctx.database;
      const at = new Date().toISOString();
      const rows = await database.db.transaction().execute(async (tx) => {
        const a = await INSERT.execute(database, tx, { id: "ws-pw-1", slug: "pw-one", name: "One", at });
        const b = await INSERT.execute(database, tx, { id: "ws-pw-2", slug: "pw-two", name: "Two", at });
        await RENAME.execute(database, tx, { slug: "pw-two", name: "Two Renamed" });
        return [...a, ...b];
      });
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        [
          { id: "ws-pw-1", slug: "pw-one" },
          { id: "ws-pw-2", slug: "pw-two" },
        ],
      );
      assert.equal((await workspace("pw-one"))?.name, "One");
      assert.equal((await workspace("pw-two"))?.name, "Two Renamed");
      assert.equal(await emailOf("pw-two"), "constant@example.test", "a constant stays a constant");
      assert.equal(await emailOf("pw-one"), null);
    });

    it("rolls back with its transaction", async () => {
      const database = env.ctx.database;
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await INSERT.execute(database, tx, {
            id: "ws-pw-3",
            slug: "pw-three",
            name: "Three",
            at: new Date().toISOString(),
          });
          throw new Error("changed my mind");
        }),
        /changed my mind/,
      );
      assert.equal(await workspace("pw-three"), undefined);
    });

    it("refuses a query that leaves a declared value unused", async () => {
      const broken = new PreparedWrite(["slug", "unused"], (db, p) =>
        db.deleteFrom("workspaces").where("slug", "=", p.slug),
      );
      await assert.rejects(
        broken.execute(env.ctx.database, env.ctx.database.db, { slug: "x", unused: "y" }),
        /"unused" is never used/,
      );
    });
  });
});
