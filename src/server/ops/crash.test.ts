import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { createScratchDatabase, type ScratchDatabase } from "../db/scratch.ts";
import { freePort } from "../test/daemon.ts";
import { drillEnv, load, porticoCommand, startPortico, until } from "../test/portico-process.ts";

// Drill: the process is killed (kill -9) while customers submit. Whatever it acknowledged (a 201
// with a reference) was durable: after a restart on the same data, every acknowledged ticket opens
// with its tracking token. On the embedded SQLite in the SQLite pass; on PostgreSQL (a scratch
// database) when DATABASE_URL is set.

const dirs: string[] = [];
let scratch: ScratchDatabase | undefined;
after(async () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await scratch?.drop();
});

describe("kill -9 during submissions", () => {
  test("every acknowledged ticket is there after a restart", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-crash-"));
    dirs.push(dataDir);
    if (process.env.DATABASE_URL)
      scratch = await createScratchDatabase(process.env.DATABASE_URL, "portico_crash");
    const env = drillEnv({ DATA_DIR: dataDir, DATABASE_URL: scratch?.url });
    const created = porticoCommand(
      env,
      "workspace",
      "create",
      "--slug",
      "crash",
      "--name",
      "Crash",
      "--admin-email",
      "admin@crash.test",
      "--admin-password",
      "a long drill password 1",
    );
    assert.equal(created.code, 0, created.err);

    const port = await freePort();
    const first = startPortico(env, port);
    let traffic: ReturnType<typeof load> | undefined;
    try {
      await first.listening(20_000);
      traffic = load(first.base, "crash", 10);
      const t = traffic;
      await until("some submissions acknowledged", 20_000, () => t.acknowledged.length >= 40);
      first.child.kill("SIGKILL");
      await first.ended;
    } finally {
      await traffic?.stop();
      await first.stop();
    }
    assert.equal(first.exited()?.signal, "SIGKILL");
    const acknowledged = traffic?.acknowledged ?? [];
    assert.ok(acknowledged.length >= 40);

    const second = startPortico(env, port);
    try {
      await second.listening(20_000);
      const missing: string[] = [];
      for (const a of acknowledged) {
        const res = await fetch(
          `${second.base}/api/public/portals/crash/tickets/${a.reference}?t=${encodeURIComponent(a.token)}`,
        );
        if (res.status !== 200) missing.push(`${a.reference}: ${res.status}`);
      }
      assert.deepEqual(missing, [], "acknowledged before the kill, gone after it");
    } finally {
      await second.stop();
    }
  });
});
