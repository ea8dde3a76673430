import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createScratchDatabase, type ScratchDatabase } from "./db/scratch.ts";

// `portico serve` in a child process, told to stop while a client trickles its headers and a
// request is still on its way: the request is answered, the trickling client is cut when the
// grace is over, and the process ends by itself with exit code 0. Where the machine's own Node is
// older than 24 (as on CI), it starts the command, so the signal also goes through bin/portico.js
// handing over to the pinned Node 24.

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/portico.js");
const GRACE_SECONDS = 2;
const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find(
  (p) =>
    fs.existsSync(p) &&
    Number(execFileSync(p, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" })) < 24,
);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-shutdown-"));
let scratch: ScratchDatabase | undefined;
let child: ChildProcess | undefined;
const sockets: net.Socket[] = [];
let drip: NodeJS.Timeout | undefined;

after(async () => {
  clearInterval(drip);
  for (const s of sockets) s.destroy();
  // A test that failed midway: the whole process group, the pinned Node behind the hand-over too.
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface LogLine {
  msg: string;
  [k: string]: unknown;
}

/** Resolves with the first log line that `match`es, or rejects after `ms`. */
function waitForLog(lines: LogLine[], onLine: Set<() => void>, match: (l: LogLine) => boolean, ms: number) {
  return new Promise<LogLine>((resolve, reject) => {
    const check = () => {
      const found = lines.find(match);
      if (!found) return false;
      onLine.delete(check);
      clearTimeout(timer);
      resolve(found);
      return true;
    };
    const timer = setTimeout(() => {
      onLine.delete(check);
      reject(new Error(`no such log line within ${ms} ms; got:\n${lines.map((l) => l.msg).join("\n")}`));
    }, ms);
    if (!check()) onLine.add(check);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
    sockets.push(s);
  });
}

test("SIGTERM: a request in flight is answered, a client that never finishes is cut at the grace, exit code 0", async (t) => {
  t.diagnostic(systemNode ? `started by ${systemNode}, through the hand-over` : "started by Node 24 itself");
  if (process.env.DATABASE_URL)
    scratch = await createScratchDatabase(process.env.DATABASE_URL, "portico_shutdown");
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    PASSWORD_HASH_COST: "12",
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    // Longer than the grace: the trickling client is still there when the grace is over.
    HTTP_HEADERS_TIMEOUT_SECONDS: "60",
  };
  if (scratch) env.DATABASE_URL = scratch.url;
  else delete env.DATABASE_URL;
  // The server's own defaults: two malloc arenas, 16 MB semi-spaces, the old generation's
  // growth (bin/portico.js).
  delete env.MALLOC_ARENA_MAX;
  const proc = spawn(systemNode ?? process.execPath, [bin, "serve"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own, so that a failed test ends the server behind a hand-over too.
    detached: true,
  });
  child = proc;
  const lines: LogLine[] = [];
  const onLine = new Set<() => boolean>();
  let stderr = "";
  let partial = "";
  proc.stdout?.setEncoding("utf8");
  proc.stdout?.on("data", (chunk: string) => {
    partial += chunk;
    const complete = partial.split("\n");
    partial = complete.pop() ?? "";
    for (const raw of complete) {
      try {
        lines.push(JSON.parse(raw) as LogLine);
      } catch {
        lines.push({ msg: raw });
      }
    }
    for (const check of [...onLine]) check();
  });
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (c: string) => {
    stderr += c;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );

  const listening = await waitForLog(lines, onLine, (l) => /^Server listening at /.test(l.msg), 30_000);
  const port = Number(/:(\d+)$/.exec(listening.msg)?.[1]);
  assert.ok(port > 0, listening.msg);
  const children = `/proc/${proc.pid}/task/${proc.pid}/children`;
  if (process.platform === "linux" && (!systemNode || fs.existsSync(children))) {
    // The server process (through the hand-over, the pinned Node's) started itself again with
    // glibc's arenas bounded, under the same pid.
    const server = systemNode
      ? Number(fs.readFileSync(children, "utf8").trim().split(/\s+/)[0])
      : Number(proc.pid);
    assert.ok(server > 0, "the pinned Node's process");
    const environ = fs.readFileSync(`/proc/${server}/environ`, "utf8").split("\0");
    assert.ok(environ.includes("MALLOC_ARENA_MAX=2"), "the server runs with two malloc arenas");
    const cmdline = fs.readFileSync(`/proc/${server}/cmdline`, "utf8").split("\0");
    // Where V8's own semi-spaces would be larger than 16 MB (8 GB of memory or more) only.
    const large =
      Math.min(os.totalmem(), process.constrainedMemory?.() || Number.POSITIVE_INFINITY) >= 8 * 1024 ** 3;
    assert.equal(
      cmdline.includes("--max-semi-space-size=16"),
      large,
      "16 MB semi-spaces where V8's are larger",
    );
    assert.ok(cmdline.includes("--heap-growing-percent=50"), "the old generation grows by half");
  }

  // A client that sends its headers a byte at a time and never finishes them.
  const slow = await connect(port);
  const slowClosed = new Promise<void>((resolve) => slow.on("close", () => resolve()));
  slow.on("error", () => {});
  const headers = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(1000)}`;
  let sent = 0;
  drip = setInterval(() => {
    if (slow.writable && sent < headers.length) slow.write(headers[sent++] as string);
  }, 200);

  // A request whose body is half sent when the signal comes.
  const body = JSON.stringify({ workspace: "nowhere", email: "ada@acme.test", password: "not the password" });
  const inFlight = await connect(port);
  let answer = "";
  inFlight.setEncoding("utf8");
  inFlight.on("data", (d: string) => {
    answer += d;
  });
  const answered = new Promise<void>((resolve) => inFlight.on("close", () => resolve()));
  inFlight.write(
    `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
  );
  // One whole request on a third connection: by its answer the server has read the two above.
  const probe = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(probe.status, 200);

  proc.kill("SIGTERM");
  const draining = await waitForLog(lines, onLine, (l) => /^HTTP: not accepting/.test(l.msg), 10_000);
  assert.equal(draining.inFlight, 1, "the half-sent request (the trickling client has none yet)");
  await assert.rejects(connect(port), /ECONNREFUSED/, "no new connections");

  inFlight.write(body.slice(10));
  await answered;
  assert.match(answer, /^HTTP\/1\.1 (400|401|404) /, `the route's own answer: ${answer}`);
  assert.match(answer, /\r\nconnection: close\r\n/i);

  // Bounded: the grace and a few seconds for the rest; a process that hangs fails here.
  const end = await Promise.race([
    exited,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), (GRACE_SECONDS + 10) * 1000)),
  ]);
  clearInterval(drip);
  assert.ok(
    end,
    `still running ${GRACE_SECONDS + 10} s after SIGTERM:\n${lines.map((l) => l.msg).join("\n")}`,
  );
  assert.deepEqual(end, { code: 0, signal: null }, stderr);
  await slowClosed;
  assert.ok(sent < headers.length, "the trickling client was cut before it finished");
  const said = lines.map((l) => l.msg);
  for (const phase of [
    "shutting down",
    "HTTP: grace over, closing the remaining connections",
    "HTTP: closed",
    "background work stopped",
    "database closed; stopped",
  ]) {
    assert.ok(said.includes(phase), `logged "${phase}":\n${said.join("\n")}`);
  }
});

test("PORTICO_NO_REEXEC=1: the server runs as it was started, without starting itself again", {
  skip: process.platform === "linux" ? false : "the server starts itself again on Linux only",
}, async () => {
  const own = fs.mkdtempSync(path.join(os.tmpdir(), "portico-no-reexec-"));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: own,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    PORTICO_NO_REEXEC: "1",
    SHUTDOWN_GRACE_SECONDS: "1",
  };
  delete env.DATABASE_URL;
  delete env.MALLOC_ARENA_MAX;
  // Node 24 itself, so that no hand-over stands between this test and the server's process.
  const proc = spawn(process.execPath, [bin, "serve"], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening within 30 s:\n${out}`)), 30_000);
      proc.stdout?.setEncoding("utf8");
      proc.stdout?.on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("Server listening at ")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, "utf8").split("\0");
    const environ = fs.readFileSync(`/proc/${proc.pid}/environ`, "utf8").split("\0");
    assert.deepEqual(cmdline.slice(1, 3), [bin, "serve"], "no flags added");
    assert.ok(!environ.some((e) => e.startsWith("MALLOC_ARENA_MAX=")), "no arenas' setting added");
  } finally {
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
    fs.rmSync(own, { recursive: true, force: true });
  }
});
