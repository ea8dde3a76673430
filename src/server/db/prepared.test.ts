import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { PreparedRead, readTogether } from "./prepared.ts";

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

  it("refuses a query that leaves a declared value unused", () => {
    const broken = new PreparedRead(["slug", "unused"], (db, p) =>
      db.selectFrom("workspaces").select("id").where("slug", "=", p.slug),
    );
    assert.throws(() => broken.bind(env.ctx.database, { slug: "x", unused: "y" }), /"unused" is never used/);
  });
});
