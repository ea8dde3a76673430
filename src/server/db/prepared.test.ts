import assert from "node:assert/strict";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { PreparedRead, ReadCache, readTogether } from "./prepared.ts";
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
      .values({ id: `ws-${slug}`, slug, name, created_at: now, updated_at: now })
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

    // A write in a transaction, and one outside any: each is seen by the very next read.
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

  it("refuses a query that leaves a declared value unused", () => {
    const broken = new PreparedRead(["slug", "unused"], (db, p) =>
      db.selectFrom("workspaces").select("id").where("slug", "=", p.slug),
    );
    assert.throws(() => broken.bind(env.ctx.database, { slug: "x", unused: "y" }), /"unused" is never used/);
  });
});
