import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { sql } from "kysely";
import { runningThreads } from "../metrics/threads.ts";
import { Checkpointer } from "./checkpointer.ts";
import { openDatabase } from "./connection.ts";

// The checkpointer's thread runs while the database is written: it starts on the first commit
// and ends when idle, and the next commit starts it again (SQLite files only).

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-checkpointer-"));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const exited = async () => {
  // A thread leaves the list once it has exited.
  for (let i = 0; i < 200 && runningThreads().includes("checkpointer"); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("the checkpointer's thread", () => {
  it("starts on the first commit, ends when retired, and starts again on the next commit", async () => {
    const database = openDatabase({ databaseUrl: undefined, dataDir: tempDir() });
    try {
      // Opened, nothing committed: no thread.
      assert.deepEqual(runningThreads(), []);
      await sql`create table items (id integer primary key, label text)`.execute(database.db);
      // A write that changed no row (a background job's poll that claimed nothing): still none.
      await sql`update items set label = 'x'`.execute(database.db);
      assert.deepEqual(runningThreads(), []);
      await sql`insert into items (label) values ('zero')`.execute(database.db);
      assert.deepEqual(runningThreads(), ["checkpointer"]);
      await database.db.transaction().execute(async (tx) => {
        await sql`insert into items (label) values ('one')`.execute(tx);
      });
      const result = await (database.checkpoint ?? assert.fail("no checkpointer"))();
      assert.ok(result && result.log > 0 && result.checkpointed === result.log);
      assert.deepEqual(runningThreads(), ["checkpointer"], "still one thread");
    } finally {
      await database.close();
    }
    await exited();
    assert.deepEqual(runningThreads(), []);
  });

  it("a retired thread is started again by the next wake, and a checkpoint still answers", async () => {
    const dir = tempDir();
    const file = path.join(dir, "portico.db");
    const database = openDatabase({ databaseUrl: undefined, dataDir: dir });
    await sql`create table items (id integer primary key)`.execute(database.db);
    await database.close();
    const checkpointer = new Checkpointer(file);
    try {
      assert.equal(checkpointer.running, false);
      checkpointer.wake();
      checkpointer.wake();
      assert.deepEqual([checkpointer.running, checkpointer.starts], [true, 1]);
      await checkpointer.retireIfRunning();
      assert.equal(checkpointer.running, false);
      await exited();
      assert.deepEqual(runningThreads(), []);
      checkpointer.wake();
      assert.deepEqual([checkpointer.running, checkpointer.starts], [true, 2]);
      const result = await checkpointer.checkpoint();
      assert.equal(result.busy, 0);
    } finally {
      await checkpointer.stop();
    }
    assert.equal(checkpointer.running, false);
    await assert.rejects(checkpointer.checkpoint(), /stopped/);
  });
});
