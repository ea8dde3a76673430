import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import { freePort } from "../test/daemon.ts";
import { type Answer, drillEnv, load, porticoCommand, startPortico, until } from "../test/portico-process.ts";

// Drill: PostgreSQL stops under load and comes back. Portico runs as operators run it (a child
// process) against a PostgreSQL of the test's own (initdb'd in a temporary folder, on a free
// loopback port), started only after Portico, so start-up waits for it. Then ten clients submit
// and read tickets while PostgreSQL is stopped and started again: the process never ends, every
// answer is a 2xx or a 503 with Retry-After and a stable code (never a 500), /readyz says 503
// while it is down, and everything works again afterwards without a restart.
//
// It brings its own PostgreSQL, so it runs in the SQLite pass only (DATABASE_URL unset); it needs
// PostgreSQL's server binaries and runuser (initdb and postgres refuse to run as root).
// Also here: start-up against a database nobody answers gives up with a clear message.

/** Debian's PostgreSQL server binaries, the newest installed version. */
const PG_BIN = (() => {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return path.join(root, versions[0] ?? "15", "bin");
})();
const RUNUSER = ["/usr/sbin/runuser", "/usr/bin/runuser"].find((p) => fs.existsSync(p));
const OUTAGE_CODES = new Set([
  "database_unavailable",
  "storage_full",
  "storage_read_only",
  "storage_unavailable",
]);

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function whyNotDrill(): string | null {
  if (process.env.DATABASE_URL) return "runs in the SQLite pass only (it brings its own PostgreSQL)";
  if (!fs.existsSync(path.join(PG_BIN, "pg_ctl"))) return `PostgreSQL's server binaries are not at ${PG_BIN}`;
  if (!RUNUSER) return "runuser is not installed (initdb and postgres refuse to run as root)";
  if (process.getuid?.() !== 0) return "needs root, to run PostgreSQL as the postgres user";
  if (spawnSync("id", ["-u", "postgres"]).status !== 0)
    return "there is no postgres user to run PostgreSQL as";
  return null;
}

/** A PostgreSQL cluster of the test's own: initdb'd, then started and stopped with pg_ctl. */
function privatePostgres(port: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-pg-"));
  dirs.push(dir);
  fs.chownSync(
    dir,
    Number(spawnSync("id", ["-u", "postgres"]).stdout),
    Number(spawnSync("id", ["-g", "postgres"]).stdout),
  );
  const data = path.join(dir, "data");
  const asPostgres = (cmd: string, ...args: string[]) => {
    const r = spawnSync(RUNUSER as string, ["-u", "postgres", "--", path.join(PG_BIN, cmd), ...args], {
      encoding: "utf8",
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.status}\n${r.stdout}${r.stderr}`);
  };
  asPostgres("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions");
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      asPostgres("pg_ctl", "start", "-D", data, "-w", "-t", "20", "-l", path.join(dir, "log"), "-o", options),
    /** "fast": sessions are ended (57P01), as an operator's restart would. */
    stop: (mode: "fast" | "immediate") => asPostgres("pg_ctl", "stop", "-D", data, "-w", "-m", mode),
    running: () => fs.existsSync(path.join(data, "postmaster.pid")),
  };
}

function assertAnswers(answers: Answer[], phase: string) {
  const wrong = answers.filter(
    (a) =>
      !(a.status >= 200 && a.status < 300) &&
      !(a.status === 503 && OUTAGE_CODES.has(a.code as string) && Number(a.retryAfter) > 0),
  );
  assert.deepEqual(wrong.slice(0, 5), [], `${phase}: ${wrong.length} answers neither 2xx nor a proper 503`);
}

describe("PostgreSQL stops under load and comes back", () => {
  test("start-up waits for it; no exit, no 500, /readyz 503 while down; recovery without a restart", async (t) => {
    const why = whyNotDrill();
    if (why) return t.skip(why);
    const pgPort = await freePort();
    const server = privatePostgres(pgPort);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-drill-"));
    dirs.push(dataDir);
    const env = drillEnv({ DATA_DIR: dataDir, DATABASE_URL: server.url, DATABASE_WAIT_SECONDS: "30" });
    const portico = startPortico(env, await freePort());
    try {
      // Start-up: PostgreSQL is not there yet; Portico says it waits, then goes on once it is.
      await until("Portico to say it waits for the database", 15_000, () =>
        /waiting for the database at 127\.0\.0\.1:\d+\/postgres \(attempt 1 of \d+\): ECONNREFUSED/.test(
          portico.output(),
        ),
      );
      server.start();
      await portico.listening(30_000);
      const ws = porticoCommand(
        env,
        "workspace",
        "create",
        "--slug",
        "drill",
        "--name",
        "Drill",
        "--admin-email",
        "admin@drill.test",
        "--admin-password",
        "a long drill password 1",
      );
      assert.equal(ws.code, 0, ws.err);

      const traffic = load(portico.base, "drill", 10);
      const count = (since: number, f: (a: Answer) => boolean) =>
        traffic.answers.filter((a) => a.at >= since && f(a)).length;
      try {
        const t0 = Date.now();
        await until("answers while PostgreSQL is up", 20_000, () => count(t0, (a) => a.status === 201) >= 20);

        // Down, with requests in flight ("fast": PostgreSQL ends every session).
        server.stop("fast");
        const down = Date.now();
        let readyWhileDown: { status: number; body: { code?: string } } | undefined;
        await until("503s while PostgreSQL is down, and /readyz to say so", 20_000, async () => {
          if (readyWhileDown?.status !== 503) {
            const r = await fetch(`${portico.base}/readyz`);
            readyWhileDown = { status: r.status, body: (await r.json()) as { code?: string } };
          }
          return readyWhileDown.status === 503 && count(down, (a) => a.status === 503) >= 30;
        });
        assert.equal(readyWhileDown?.body.code, "database_unavailable");
        assert.equal(portico.exited(), null, "Portico still runs");

        // Back: no restart of Portico.
        server.start();
        const up = Date.now();
        await until("/readyz to say ready again", 20_000, async () => {
          const r = await fetch(`${portico.base}/readyz`);
          return r.status === 200;
        });
        await until("submissions to succeed again", 20_000, () => count(up, (a) => a.status === 201) >= 20);
      } finally {
        await traffic.stop();
      }
      assert.equal(portico.exited(), null, `Portico ended:\n${portico.output()}`);
      assertAnswers(traffic.answers, "all along");
      assert.ok(
        traffic.answers.some((a) => a.status === 503),
        "the outage was seen",
      );
      assert.doesNotMatch(portico.output(), /Unhandled|uncaught/i);

      // Every acknowledged ticket is there.
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ n: number }>("select count(*)::int as n from tickets");
      await client.end();
      assert.ok(rows[0] && rows[0].n >= traffic.acknowledged.length, "every acknowledged ticket is stored");
    } finally {
      await portico.stop();
      if (server.running()) server.stop("immediate");
    }
  });
});

describe("start-up while the database does not answer", () => {
  test("says it waits, every few seconds, then gives up with a clear message and a non-zero exit", async (t) => {
    if (process.env.DATABASE_URL) return t.skip("runs in the SQLite pass only");
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-drill-"));
    dirs.push(dataDir);
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/portico`;
    for (const command of ["serve", "migrate"]) {
      const r = porticoCommand(
        drillEnv({ DATA_DIR: dataDir, DATABASE_URL: url, DATABASE_WAIT_SECONDS: "2" }),
        command,
      );
      const all = `${r.out}${r.err}`;
      assert.equal(r.code, 1, all);
      assert.match(
        all,
        /waiting for the database at 127\.0\.0\.1:\d+\/portico \(attempt 1 of 2\): ECONNREFUSED/,
      );
      assert.match(
        r.err,
        /portico: the database at 127\.0\.0\.1:\d+\/portico did not answer within 2 s \(DATABASE_WAIT_SECONDS\): ECONNREFUSED/,
      );
      assert.doesNotMatch(all, /migration \? failed/);
    }
  });
});
