import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { freePort } from "../test/daemon.ts";
import { drillEnv, porticoCommand, startPortico, until } from "../test/portico-process.ts";

// Drill: the disk under DATA_DIR fills up. Portico (a child process, the embedded SQLite) keeps its
// data on a small tmpfs of the test's own; a file then takes the rest of it. Submissions answer
// 503 storage_full with Retry-After (never a 500), and so do uploads, /readyz says 503 with the reason, the process
// keeps running; once the file is removed, /readyz is ready again and submissions go through,
// without a restart. Needs `mount` (root in a sandbox that allows it); skipped otherwise, and in
// the PostgreSQL pass (the embedded database is what fills the disk).

const dirs: string[] = [];
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync("umount", ["-l", m]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpfs(sizeMb: number): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-full-"));
  dirs.push(dir);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

/** Writes a file until the disk has no room left. */
function fill(file: string) {
  const fd = fs.openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOSPC") throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe("the disk fills up", () => {
  test("503 storage_full and /readyz 503 while full; recovery once there is room, without a restart", async (t) => {
    if (process.env.DATABASE_URL)
      return t.skip("runs in the SQLite pass only (the embedded database fills the disk)");
    const dataDir = tmpfs(24);
    if (!dataDir) return t.skip("mount is not permitted here (a tmpfs of the test's own is needed)");
    const env = drillEnv({ DATA_DIR: dataDir });
    const created = porticoCommand(
      env,
      "workspace",
      "create",
      "--slug",
      "full",
      "--name",
      "Full",
      "--admin-email",
      "admin@full.test",
      "--admin-password",
      "a long drill password 1",
    );
    assert.equal(created.code, 0, created.err);
    const portico = startPortico(env, await freePort());
    const submit = async (i: number) => {
      const res = await fetch(`${portico.base}/api/public/portals/full/tickets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "Casey",
          email: "casey@customer.test",
          subject: `Full ${i}`,
          // Big enough that the database must grow soon after the disk is full.
          description: `${"A long account of what happened. ".repeat(140)}${i}`,
        }),
      });
      const body = (await res.json()) as { error?: { code?: string } };
      return { status: res.status, code: body.error?.code, retryAfter: res.headers.get("retry-after") };
    };
    const ready = async () => {
      const r = await fetch(`${portico.base}/readyz`);
      return { status: r.status, body: (await r.json()) as { code?: string; reason?: string } };
    };
    try {
      await portico.listening(20_000);
      assert.equal((await submit(0)).status, 201);
      assert.equal((await ready()).status, 200);

      const filler = path.join(dataDir, "filler");
      fill(filler);
      // Free pages inside the database and its log take a few more; then it needs room it cannot get.
      const answers: Awaited<ReturnType<typeof submit>>[] = [];
      let i = 1;
      await until(
        "a submission to be refused for want of room",
        20_000,
        async () => {
          answers.push(await submit(i++));
          return answers.some((a) => a.status === 503);
        },
        { everyMs: 0 },
      );
      for (const a of answers) {
        assert.ok(a.status === 201 || a.status === 503, `answered ${a.status} ${a.code}`);
        if (a.status === 503) {
          assert.equal(a.code, "storage_full");
          assert.equal(a.retryAfter, "30");
        }
      }
      // An attachment cannot be stored either.
      const upload = await fetch(`${portico.base}/api/public/upload?portal=full&name=note.txt`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: "what happened, in order\n".repeat(200),
      });
      assert.equal(upload.status, 503, await upload.clone().text());
      assert.equal(((await upload.json()) as { error: { code: string } }).error.code, "storage_full");
      const notReady = await ready();
      assert.equal(notReady.status, 503);
      assert.equal(notReady.body.code, "storage_full");
      assert.equal(portico.exited(), null, "Portico still runs");

      // Room again: ready, and submissions go through, without a restart.
      fs.rmSync(filler);
      await until("/readyz to be ready again", 15_000, async () => (await ready()).status === 200, {
        everyMs: 250,
      });
      const back = await submit(i++);
      assert.equal(back.status, 201, JSON.stringify(back));
      assert.equal(portico.exited(), null, `Portico ended:\n${portico.output()}`);
      assert.doesNotMatch(portico.output(), /Unhandled|uncaught/i);
    } finally {
      await portico.stop();
    }
  });
});
