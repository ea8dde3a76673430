import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { type Generated, type Kysely, sql } from "kysely";
import { loadConfig } from "../config.ts";
import { FALLBACK_AUTOCHECKPOINT_PAGES } from "./checkpointer.ts";
import { type Database, openDatabase } from "./connection.ts";
import { atGroupCommit, DEFAULT_READ_CACHE_BYTES } from "./sqlite.ts";
import { openDatabaseWhenReady } from "./wait.ts";

// The SQLite writer's group commit (sqlite.ts), on a real database file. These run on SQLite
// whatever DATABASE_URL says: the behaviour belongs to the embedded driver.

// A scratch table outside the application's schema.
interface Scratch {
  items: { id: Generated<number>; label: string; parent: number | null };
}

describe("SQLite group commit", () => {
  let dir: string;
  let database: Database;
  let db: Kysely<Scratch>;
  /** A second connection, as another process would see the file. */
  let outside: DatabaseSync;
  const stats = () => database.groupCommit ?? assert.fail("no group commit stats on SQLite");
  const count = () => (outside.prepare("select count(*) as n from items").get() as { n: number }).n;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-group-"));
    database = openDatabase({ databaseUrl: undefined, dataDir: dir });
    db = database.db as unknown as Kysely<Scratch>;
    await sql`create table items (id integer primary key, label text not null unique,
      parent integer references items(id) deferrable initially deferred)`.execute(db);
    outside = new DatabaseSync(path.join(dir, "portico.sqlite"), { readOnly: true });
  });
  after(async () => {
    outside.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (label: string, parent: number | null = null) =>
    db.transaction().execute(async (tx) => {
      await tx.insertInto("items").values({ label, parent }).execute();
      return label;
    });

  it("commits concurrent transactions with fewer fsyncs than transactions, each durable when it resolves", async () => {
    const before = { ...stats() };
    const seenOnDisk: number[] = [];
    const labels = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    const start = count();
    await Promise.all(
      labels.map((l) =>
        insert(l).then(() => {
          // Visible to another connection the moment the commit resolves: it is committed.
          seenOnDisk.push(
            (outside.prepare("select count(*) as n from items where label = ?").get(l) as { n: number }).n,
          );
        }),
      ),
    );
    assert.equal(count(), start + 40);
    assert.deepEqual(
      seenOnDisk,
      labels.map(() => 1),
    );
    const commits = stats().commits - before.commits;
    assert.equal(stats().transactions - before.transactions, 40);
    assert.ok(commits >= 1 && commits < 40, `40 transactions took ${commits} commits`);
  });

  it("rolls back only the failing member of a group", async () => {
    await insert("taken");
    const results = await Promise.allSettled([insert("a-1"), insert("taken"), insert("a-2")]);
    assert.equal(results[0]?.status, "fulfilled");
    assert.equal(results[1]?.status, "rejected");
    assert.equal(results[2]?.status, "fulfilled");
    const rows = outside.prepare("select label from items where label in ('a-1', 'a-2', 'taken')").all();
    assert.deepEqual(rows.map((r) => r.label).sort(), ["a-1", "a-2", "taken"]);
  });

  it("rolls back a member whose callback throws after writing", async () => {
    const results = await Promise.allSettled([
      insert("b-1"),
      db.transaction().execute(async (tx) => {
        await tx.insertInto("items").values({ label: "b-thrown", parent: null }).execute();
        throw new Error("changed my mind");
      }),
      insert("b-2"),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.equal(
      (outside.prepare("select count(*) as n from items where label = 'b-thrown'").get() as { n: number }).n,
      0,
    );
    assert.equal(
      (
        outside.prepare("select count(*) as n from items where label in ('b-1', 'b-2')").get() as {
          n: number;
        }
      ).n,
      2,
    );
  });

  it("fails every member when the shared COMMIT fails, and keeps none of them", async () => {
    const start = count();
    // A deferred constraint is checked only at COMMIT: the one way to make it fail on purpose.
    const results = await Promise.allSettled([insert("c-1"), insert("c-orphan", 999_999), insert("c-2")]);
    assert.ok(results.every((r) => r.status === "rejected"));
    assert.equal(count(), start);
    // The writer is usable again afterwards.
    await insert("c-after");
    assert.equal(count(), start + 1);
  });

  it("a select outside a transaction sees only committed rows", async () => {
    const pending = insert("d-1");
    const seen = await db.selectFrom("items").select("label").where("label", "=", "d-1").execute();
    const committed = (
      outside.prepare("select count(*) as n from items where label = 'd-1'").get() as { n: number }
    ).n;
    // Whatever the timing, a plain read never shows a row that is not committed.
    assert.ok(seen.length <= committed, `saw ${seen.length}, committed ${committed}`);
    await pending;
    assert.equal(
      (await db.selectFrom("items").select("label").where("label", "=", "d-1").execute()).length,
      1,
    );
  });

  it("a raw select outside a transaction reads on the read-only connection too, not as a commit", async () => {
    const reader = database.reader ?? assert.fail("no reader on SQLite");
    const all = reader.all;
    const onReader: string[] = [];
    reader.all = (text, parameters) => {
      onReader.push(text);
      return all.call(reader, text, parameters);
    };
    const before = { ...stats() };
    try {
      const pending = insert("r-1");
      const seen = await sql<{ label: string }>`select label from items where label = ${"r-1"}`.execute(db);
      // Read beside the open group, which it neither committed nor joined.
      assert.equal(seen.rows.length, 0);
      await pending;
      const after = await sql<{ label: string }>`select label from items where label = ${"r-1"}`.execute(db);
      assert.deepEqual(
        after.rows.map((r) => r.label),
        ["r-1"],
      );
    } finally {
      reader.all = all;
    }
    assert.equal(onReader.filter((t) => t.startsWith("select label from items")).length, 2);
    assert.equal(stats().commits - before.commits, 1, "only the insert's group committed");
  });

  it("a write outside a transaction commits the open group first", async () => {
    const pending = insert("e-1");
    await db.insertInto("items").values({ label: "e-plain", parent: null }).execute();
    const rows = outside.prepare("select label from items where label in ('e-1', 'e-plain')").all();
    assert.deepEqual(rows.map((r) => r.label).sort(), ["e-1", "e-plain"]);
    await pending;
  });

  describe("statements held for the group's COMMIT (atGroupCommit)", () => {
    const later = (tx: Kysely<Scratch>, label: string) =>
      tx.executeQuery(atGroupCommit(sql`insert into items (label) values (${label})`.compile(tx)));
    const labelsLike = (prefix: string) =>
      outside
        .prepare("select label from items where label like ? order by label")
        .all(`${prefix}%`)
        .map((r) => r.label);

    it("run in the member's COMMIT: on disk when the member resolves, not before", async () => {
      let heldRan = -1;
      await db.transaction().execute(async (tx) => {
        await later(tx, "f-held");
        await tx.insertInto("items").values({ label: "f-own", parent: null }).execute();
        // Inside its own transaction the held statement has not run yet.
        heldRan = (await tx.selectFrom("items").select("label").where("label", "=", "f-held").execute())
          .length;
      });
      assert.equal(heldRan, 0);
      assert.deepEqual(labelsLike("f-"), ["f-held", "f-own"]);
    });

    it("run in every member's group commit, once each, and never for a member that rolled back", async () => {
      const before = { ...stats() };
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          db.transaction().execute(async (tx) => {
            await later(tx, `g-${String(i).padStart(2, "0")}`);
            if (i % 4 === 3) throw new Error("rolled back");
          }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? "rejected" : "fulfilled")),
      );
      assert.deepEqual(labelsLike("g-"), [
        "g-00",
        "g-01",
        "g-02",
        "g-04",
        "g-05",
        "g-06",
        "g-08",
        "g-09",
        "g-10",
      ]);
      assert.ok(stats().commits - before.commits < 12);
    });

    it("a failing held statement fails every member of its group and keeps none of them", async () => {
      await insert("h-taken");
      const start = count();
      const results = await Promise.allSettled([
        insert("h-1"),
        db.transaction().execute(async (tx) => {
          await tx.insertInto("items").values({ label: "h-2", parent: null }).execute();
          await later(tx, "h-taken");
        }),
        insert("h-3"),
      ]);
      assert.ok(
        results.every((r) => r.status === "rejected"),
        JSON.stringify(results.map((r) => r.status)),
      );
      assert.equal(count(), start);
      await insert("h-after");
      assert.equal(count(), start + 1);
    });

    it("outside a transaction, runs at once", async () => {
      await later(db, "i-plain");
      assert.deepEqual(labelsLike("i-"), ["i-plain"]);
    });
  });

  describe("checkpoints on their own thread", () => {
    it("the writer checkpoints only as a fallback, and the checkpointer moves every committed frame into the file", async () => {
      const limit = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db))
        .rows[0];
      assert.equal(limit?.wal_autocheckpoint, FALLBACK_AUTOCHECKPOINT_PAGES);
      await Promise.all(Array.from({ length: 30 }, (_, i) => insert(`k-${i}`)));
      const checkpoint = database.checkpoint ?? assert.fail("no checkpointer on SQLite");
      const result = await checkpoint();
      assert.ok(result, "a file database has a checkpointer");
      assert.equal(result.busy, 0);
      assert.ok(result.log > 0, "the commits are in the WAL");
      assert.equal(result.checkpointed, result.log, "every frame is in the database file");
      // What the checkpointer copied is what was committed.
      assert.equal(
        (outside.prepare("select count(*) as n from items where label like 'k-%'").get() as { n: number }).n,
        30,
      );
    });
  });
});

it("SQLITE_CACHE_MB sizes the page cache of both connections (32 MiB unless set)", async () => {
  for (const [given, kib] of [
    [undefined, 32 * 1024],
    [8, 8 * 1024],
  ] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-cache-"));
    const database = openDatabase({ databaseUrl: undefined, dataDir: dir, sqliteCacheMb: given });
    try {
      const writer = await sql<{ cache_size: number }>`pragma cache_size`.execute(database.db);
      assert.equal(writer.rows[0]?.cache_size, -kib);
      const reader = database.reader?.all("pragma cache_size", []) as { cache_size: number }[];
      assert.equal(reader[0]?.cache_size, -kib);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

it("CACHE_MEMORY_MB sizes both connections' page cache and the read caches' budget in bytes", async () => {
  for (const [given, pageKib, readBytes] of [
    [undefined, 32 * 1024, DEFAULT_READ_CACHE_BYTES],
    ["40", 16 * 1024, 8 * 1024 * 1024],
    ["10", 4 * 1024, 2 * 1024 * 1024],
  ] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-cache-"));
    const config = loadConfig({ DATA_DIR: dir, ...(given ? { CACHE_MEMORY_MB: given } : {}) });
    const database = await openDatabaseWhenReady(config, { onWait: () => {} });
    try {
      const writer = await sql<{ cache_size: number }>`pragma cache_size`.execute(database.db);
      assert.equal(writer.rows[0]?.cache_size, -pageKib);
      const reader = database.reader?.all("pragma cache_size", []) as { cache_size: number }[];
      assert.equal(reader[0]?.cache_size, -pageKib);
      assert.equal(database.readCacheBytes, readBytes);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
