import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import pg from "pg";
import { freePort } from "../test/daemon.ts";
import { errorText, outageOf } from "./outage.ts";

// The classifier against errors the real drivers raise: node:sqlite, pg, the file system.

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  assert.fail("expected an error");
}

async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

describe("SQLite (node:sqlite)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-outage-"));
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a full database is storage_full", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("create table t(x); pragma max_page_count = 2");
    const err = thrown(() => {
      for (let i = 0; i < 100; i++) db.prepare("insert into t values (?)").run("x".repeat(2000));
    });
    assert.deepEqual(outageOf(err), { code: "storage_full", retryAfterSeconds: 30, reason: "SQLITE_FULL" });
  });

  test("a read-only database is storage_read_only", () => {
    const file = path.join(dir, "ro.sqlite");
    const w = new DatabaseSync(file);
    w.exec("create table t(x)");
    w.close();
    const r = new DatabaseSync(file, { readOnly: true });
    const err = thrown(() => r.exec("insert into t values (1)"));
    r.close();
    assert.equal(outageOf(err)?.code, "storage_read_only");
  });

  test("a file that cannot be opened is storage_unavailable; a busy one database_unavailable", () => {
    const err = thrown(() => new DatabaseSync(path.join(dir, "missing", "x.sqlite")));
    assert.equal(outageOf(err)?.code, "storage_unavailable");
    const file = path.join(dir, "busy.sqlite");
    const a = new DatabaseSync(file);
    a.exec("create table t(x); begin immediate");
    const b = new DatabaseSync(file, { timeout: 0 });
    const busy = thrown(() => b.exec("insert into t values (1)"));
    a.exec("rollback");
    a.close();
    b.close();
    assert.deepEqual(outageOf(busy)?.reason, "SQLITE_BUSY");
  });

  test("a bug is not an outage: a syntax error, a constraint", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("create table t(x unique)");
    db.exec("insert into t values (1)");
    assert.equal(outageOf(thrown(() => db.exec("selec 1"))), null);
    assert.equal(outageOf(thrown(() => db.exec("insert into t values (1)"))), null);
    assert.equal(outageOf(new TypeError("x is undefined")), null);
    assert.equal(outageOf(undefined), null);
  });
});

describe("the file system", () => {
  test("no space left (ENOSPC) is storage_full; a read-only one (EROFS) storage_read_only", async (t) => {
    if (!fs.existsSync("/dev/full")) return t.skip("no /dev/full on this system");
    const err = thrown(() => fs.writeFileSync("/dev/full", "x"));
    assert.deepEqual(outageOf(err), { code: "storage_full", retryAfterSeconds: 30, reason: "ENOSPC" });
    // EROFS needs a read-only mount, which a running test cannot make cheaply: by its code.
    const erofs = Object.assign(new Error("EROFS: read-only file system, open '/x'"), { code: "EROFS" });
    assert.equal(outageOf(erofs)?.code, "storage_read_only");
  });
});

describe("PostgreSQL (pg)", () => {
  test("nobody listening is database_unavailable (ECONNREFUSED)", async () => {
    const client = new pg.Client({ host: "127.0.0.1", port: await freePort(), user: "x", database: "x" });
    const err = await rejected(client.connect());
    assert.deepEqual(outageOf(err), {
      code: "database_unavailable",
      retryAfterSeconds: 5,
      reason: "ECONNREFUSED",
    });
    assert.match(errorText(err), /ECONNREFUSED/);
  });

  test("a connection the server ends is database_unavailable (Connection terminated)", async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as net.AddressInfo;
    const client = new pg.Client({ host: "127.0.0.1", port, user: "x", database: "x" });
    const err = await rejected(client.connect());
    server.close();
    assert.equal(outageOf(err)?.code, "database_unavailable", String(err));
  });

  test("an administrator ending the session is database_unavailable (57P01)", async (t) => {
    if (!process.env.DATABASE_URL) return t.skip("needs DATABASE_URL (the PostgreSQL pass)");
    const victim = new pg.Client({ connectionString: process.env.DATABASE_URL });
    victim.on("error", () => {});
    await victim.connect();
    const pid = (await victim.query("select pg_backend_pid() as pid")).rows[0].pid;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query("select pg_terminate_backend($1)", [pid]);
    await admin.end();
    const err = await rejected(victim.query("select 1"));
    await victim.end().catch(() => {});
    assert.equal(outageOf(err)?.code, "database_unavailable", String(err));
  });

  test("a bug is not an outage: a syntax error, a unique violation", async (t) => {
    if (!process.env.DATABASE_URL) return t.skip("needs DATABASE_URL (the PostgreSQL pass)");
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      assert.equal(outageOf(await rejected(client.query("selec 1"))), null);
      await client.query("create temp table u (x int unique)");
      await client.query("insert into u values (1)");
      assert.equal(outageOf(await rejected(client.query("insert into u values (1)"))), null);
    } finally {
      await client.end();
    }
  });

  test("wrapped and aggregated errors are followed", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED ::1:5432"), { code: "ECONNREFUSED" });
    assert.equal(outageOf(new AggregateError([refused], ""))?.code, "database_unavailable");
    assert.equal(outageOf(new Error("migration failed", { cause: refused }))?.code, "database_unavailable");
    assert.equal(errorText(new AggregateError([refused, refused], "")), "connect ECONNREFUSED ::1:5432");
  });
});
