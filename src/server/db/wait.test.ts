import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import type { Database } from "./connection.ts";
import { storageWatch } from "./storage-watch.ts";
import { waitForDatabase } from "./wait.ts";

// The start-up wait and the disk watch, on their own; the drills (ops/) run them for real.

const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

function fakeDatabase(pings: Array<Error | null>): Database {
  return {
    location: "db.example:5432/portico",
    ping: async () => {
      const next = pings.shift();
      if (next) throw next;
    },
  } as unknown as Database;
}

describe("waiting for the database at start-up", () => {
  test("says so at each failed attempt, and goes on once it answers", async () => {
    const said: string[] = [];
    await waitForDatabase(fakeDatabase([refused(), refused(), null]), {
      seconds: 10,
      everyMs: 10,
      onWait: (m) => said.push(m),
    });
    assert.deepEqual(said, [
      "waiting for the database at db.example:5432/portico (attempt 1 of 1001): ECONNREFUSED",
      "waiting for the database at db.example:5432/portico (attempt 2 of 1001): ECONNREFUSED",
    ]);
  });

  test("gives up after its bound, naming the database, the setting and the reason", async () => {
    const pings = Array.from({ length: 100 }, refused);
    await assert.rejects(
      waitForDatabase(fakeDatabase(pings), { seconds: 0.05, everyMs: 10, onWait: () => {} }),
      /^Error: the database at db\.example:5432\/portico did not answer within 0\.05 s \(DATABASE_WAIT_SECONDS\): ECONNREFUSED/,
    );
  });

  test("does not wait for a refusal that time will not mend (a wrong password)", async () => {
    const denied = Object.assign(new Error('password authentication failed for user "portico"'), {
      code: "28P01",
    });
    const said: string[] = [];
    await assert.rejects(
      waitForDatabase(fakeDatabase([denied, null]), {
        seconds: 10,
        everyMs: 10,
        onWait: (m) => said.push(m),
      }),
      /refused: password authentication failed/,
    );
    assert.deepEqual(said, []);
  });
});

describe("the disk watch behind /readyz", () => {
  test("after a recorded failure it probes; a good probe clears it, a bad one is asked again at once", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-watch-"));
    try {
      const watch = storageWatch(dir, { probeWithoutFailure: false });
      assert.equal(await watch.check(), null, "nothing recorded: ready without a probe");
      watch.record({ code: "database_unavailable", retryAfterSeconds: 5, reason: "ECONNREFUSED" });
      assert.equal(await watch.check(), null, "not the disk's");
      watch.record({ code: "storage_full", retryAfterSeconds: 30, reason: "SQLITE_FULL" });
      assert.equal(await watch.check(), null, "the probe wrote: there is room again");

      const gone = path.join(dir, "gone");
      const always = storageWatch(gone, { probeWithoutFailure: true });
      assert.equal((await always.check())?.code, "storage_unavailable", "cannot write in a missing folder");
      fs.mkdirSync(gone);
      assert.equal(await always.check(), null, "asked again at once, and fine now");
      assert.deepEqual(fs.readdirSync(gone), [], "the probe leaves nothing behind");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
