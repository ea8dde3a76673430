import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import autocannon from "autocannon";
import { sql } from "kysely";
import { chromiumLaunchOptions } from "../e2e/chromium.ts";
import { systemActor } from "../src/server/actors.ts";
import { hashToken } from "../src/server/auth/tokens.ts";
import { loadConfig } from "../src/server/config.ts";
import { openDatabase } from "../src/server/db/connection.ts";
import type {
  AgentTable,
  ContactTable,
  Db,
  TicketEventTable,
  TicketTable,
  TrackingTokenTable,
} from "../src/server/db/schema.ts";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { newId } from "../src/server/ids.ts";
import { closeContext, createContext } from "../src/server/main.ts";
import { createWorkspaceWithAdmin } from "../src/server/workspaces/workspace.service.ts";
import { formatReference, TICKET_TYPES } from "../src/shared/tickets.ts";

// npm run bench: Portico's speed on loopback, next to a bare node:http server measured in the
// same run. See bench/README.md for what is measured and how to read it.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = path.join(ROOT, "bench", "results");

const HELP = `Usage: npm run bench [-- options]
       node bench/run.ts [options]

Starts Portico (node bin/portico.js serve) and a bare node:http JSON server as child processes on
loopback, seeds a workspace with BENCH_TICKETS tickets directly through the database layer, and
measures with autocannon:
  - the bare server (the baseline)
  - the public tracking read   GET  /api/public/portals/:slug/tickets/:reference?t=TOKEN
  - the agent queue            GET  /api/workspace/tickets (plain, ?status=open, ?q=invoice)
  - ticket submission          POST /api/public/portals/:slug/tickets (every one a new ticket)
then the submit page /portal/:slug/submit: its JavaScript gzipped, and its load in Chromium on a
375x812 viewport with 4x CPU throttling (first contentful paint, time until the form takes input).

Results go to bench/results/<engine>-latest.json (engine: sqlite, or postgres with DATABASE_URL);
each number is printed beside the previous run's.

Options:
  -h, --help       this text
  --no-save        do not write bench/results/<engine>-latest.json (still compares with it)
  --skip-browser   skip the Chromium page loads (the JavaScript size is still measured)
  --keep-data      keep the seeded database (the SQLite folder, or the PostgreSQL database) and
                   print where it is, to look at query plans afterwards

Environment:
  BENCH_TICKETS      tickets seeded into the workspace (default 100000)
  BENCH_DURATION     seconds per measurement (default 10)
  BENCH_WARMUP       seconds of warm-up before each measurement (default 2)
  BENCH_CONNECTIONS  concurrent connections per measurement (default 50)
  BENCH_PAGE_LOADS   Chromium page loads whose median is reported (default 5)
  DATABASE_URL       postgres://… : run on PostgreSQL. A fresh database portico_bench_<time> is
                     created on that server and dropped at the end. Unset: SQLite in a temp dir.
  REDIS_URL          passed to the server when set (rate limits in Redis)
  MAIL_WORKER        passed to the server when set: false measures without the outbox delivering
  CHROMIUM_PATH      the browser (default /usr/bin/chromium)
  BENCH_SERVER_NODE_OPTIONS
                     NODE_OPTIONS for the Portico server only, e.g. to profile it under load:
                     "--cpu-prof --cpu-prof-dir=/tmp/portico-prof"

Exit status: 1 when a measurement is invalid (errors, non-2xx answers, submissions that did not
each create one ticket); a MISS of a target alone does not fail the run.
`;

// ---------------------------------------------------------------------------------------------
// Settings

interface Settings {
  tickets: number;
  duration: number;
  warmup: number;
  connections: number;
  pageLoads: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  chromium: string;
  save: boolean;
  browser: boolean;
  keepData: boolean;
}

/** A wrong flag or setting: said in one line, without a stack. */
class UsageError extends Error {}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(`${name} must be a number of at least ${min}, got "${raw}"`);
  }
  return value;
}

function readSettings(): Settings | null {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h" },
      "no-save": { type: "boolean" },
      "skip-browser": { type: "boolean" },
      "keep-data": { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return null;
  }
  return {
    tickets: Math.round(envNumber("BENCH_TICKETS", 100_000, 1)),
    duration: envNumber("BENCH_DURATION", 10, 1),
    warmup: envNumber("BENCH_WARMUP", 2, 0),
    connections: Math.round(envNumber("BENCH_CONNECTIONS", 50, 1)),
    pageLoads: Math.round(envNumber("BENCH_PAGE_LOADS", 5, 1)),
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    save: !values["no-save"],
    keepData: Boolean(values["keep-data"]),
    browser: !values["skip-browser"],
  };
}

// ---------------------------------------------------------------------------------------------
// Output helpers

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMs = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString());
const fmtPct = (n: number) => `${(n * 100).toFixed(1)}%`;
const fmtKb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  // The first column is text (left-aligned); the others are numbers (right-aligned).
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function section(title: string): void {
  console.log(`\n== ${title}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes: Portico and the bare server, each a child process on loopback

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Child {
  name: string;
  base: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyPath: string,
): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The server logs at warn: whatever it says is worth seeing.
  const relay = (chunk: Buffer) => {
    for (const l of chunk.toString().split("\n")) if (l.trim()) console.log(`  [${name}] ${l}`);
  };
  proc.stdout?.on("data", relay);
  proc.stderr?.on("data", relay);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited before it was ready (status ${proc.exitCode})`);
    try {
      const res = await fetch(base + readyPath);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${name} did not answer ${readyPath} within 60 s`);
    }
    await sleep(100);
  }
  return {
    name,
    base,
    proc,
    stop: async () => {
      if (exited) return;
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load: autocannon, with latencies recorded at full resolution from its response events

interface Load {
  url: string;
  connections: number;
  /** Seconds; or amount, a fixed number of requests (the run ends when all are answered). */
  duration?: number;
  amount?: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  requests?: autocannon.Request[];
}

interface Measured {
  /** 2xx answers per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  statusCodes: Record<string, number>;
  /** The measured server's CPU time (all its threads) per 2xx answer, in ms (Linux). */
  cpuMsPerRequest?: number | undefined;
  /** Share of the machine's CPU time taken by other guests of the host meanwhile (Linux steal). */
  stealPct?: number | undefined;
}

/** One autocannon run, before summing up: latencies of every answer, in ms. */
interface Raw {
  latencies: number[];
  ok: number;
  non2xx: number;
  errors: number;
  /** From the start to the last answer (autocannon reports up to a sample interval later). */
  seconds: number;
  statusCodes: Record<string, number>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * What a measurement cost beside its answers, read from /proc (Linux; elsewhere nothing): the
 * server's CPU time, every thread of it, and the machine's steal time. CPU per request moves far
 * less than requests/s when the machine is shared; steal says how shared it was.
 */
function costMeter(pid: number | undefined) {
  const processCpuMs = () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
    } catch {
      return null;
    }
  };
  const machine = () => {
    try {
      const f = (fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
      return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
    } catch {
      return null;
    }
  };
  const cpu0 = processCpuMs();
  const m0 = machine();
  return (answers: number): Pick<Measured, "cpuMsPerRequest" | "stealPct"> => {
    const cpu1 = processCpuMs();
    const m1 = machine();
    return {
      cpuMsPerRequest: cpu0 !== null && cpu1 !== null && answers > 0 ? (cpu1 - cpu0) / answers : undefined,
      stealPct:
        m0 && m1 && m1.total > m0.total ? (100 * (m1.steal - m0.steal)) / (m1.total - m0.total) : undefined,
    };
  };
}

/** Steal above this during a timed measurement makes it run again (at most three runs). */
const STEAL_RETRY_PCT = 5;

const fmtCost = (m: Measured) =>
  [
    m.cpuMsPerRequest !== undefined ? `server CPU ${m.cpuMsPerRequest.toFixed(3)} ms/request` : "",
    m.stealPct !== undefined ? `steal ${m.stealPct.toFixed(1)}%` : "",
  ]
    .filter(Boolean)
    .join(", ");

/** Sums up one or several runs of the same load. */
function summarize(runs: Raw[]): Measured {
  const sorted = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
  const sum = (f: (r: Raw) => number) => runs.reduce((s, r) => s + f(r), 0);
  const seconds = sum((r) => r.seconds);
  const ok = sum((r) => r.ok);
  const statusCodes: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
  return {
    rps: seconds > 0 ? ok / seconds : 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    ok,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    seconds,
    statusCodes,
  };
}

function runLoad(load: Load): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    let non2xx = 0;
    const started = performance.now();
    let last = started;
    const instance = autocannon(
      {
        url: load.url,
        connections: load.connections,
        ...(load.amount ? { amount: load.amount } : { duration: load.duration ?? 10 }),
        method: load.method ?? "GET",
        headers: load.headers ?? {},
        ...(load.body !== undefined ? { body: load.body } : {}),
        ...(load.requests ? { requests: load.requests } : {}),
        sampleInt: 200,
        timeout: 30,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        resolve({
          latencies,
          ok,
          non2xx,
          errors: result.errors,
          seconds: (last - started) / 1000,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
          ),
        });
      },
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
      if (status >= 200 && status < 300) ok++;
      else non2xx++;
      last = performance.now();
    });
  });
}

/**
 * A timed autocannon run ends by dropping its connections, but the server still works through
 * the requests it already received. Wait until it answers /readyz promptly again, so the next
 * measurement does not pay for the previous one. /readyz goes through the database (and on
 * PostgreSQL queues behind the backlog for a pooled connection).
 */
async function settle(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let quick = 0;
  while (quick < 3 && Date.now() < deadline) {
    const t = performance.now();
    const res = await fetch(`${base}/readyz`);
    await res.arrayBuffer();
    quick = performance.now() - t < 10 ? quick + 1 : 0;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeding: a workspace, its admin and agents, contacts and BENCH_TICKETS tickets written through
// Kysely in batches, each batch one transaction. Every ticket gets what submitPortalTicket writes:
// the ticket, its "created" event, its search row and a tracking token; then the sequence.

const SLUG = "bench";
const ADMIN_EMAIL = "admin@bench.test";
const ADMIN_PASSWORD = "bench-password-0123";
const SEARCH_TERM = "invoice";

const PRODUCTS = [
  "printer",
  "laptop",
  "invoice",
  "account",
  "password",
  "router",
  "dashboard",
  "mobile app",
  "export",
  "calendar",
  "mailbox",
  "billing page",
  "subscription",
  "webhook",
  "report",
  "vpn",
  "scanner",
  "licence",
  "backup",
  "checkout",
];
const PROBLEMS = [
  "is not working",
  "keeps crashing",
  "shows an error",
  "is very slow",
  "cannot be found",
  "needs an update",
  "was charged twice",
  "will not sync",
  "stopped after the upgrade",
  "has the wrong totals",
];
const SENTENCES = [
  "It started yesterday morning and the whole team is affected.",
  "We tried restarting it twice, without any change.",
  "Could you please look into this as soon as possible?",
  "The error message says something about a timeout.",
  "This happens only on some machines in the office.",
  "Our customers have started to notice it.",
  "I attached nothing, but can send screenshots if needed.",
  "It worked fine last week before the update.",
  "Thanks in advance for your help.",
  "Is there a workaround we can use in the meantime?",
];
const STATUS_WEIGHTS: [TicketTable["status"], number][] = [
  ["open", 25],
  ["in_progress", 15],
  ["waiting", 10],
  ["resolved", 20],
  ["closed", 30],
];
const PRIORITY_WEIGHTS: [TicketTable["priority"], number][] = [
  ["low", 20],
  ["medium", 50],
  ["high", 20],
  ["urgent", 10],
];

/** mulberry32: the same data on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(rand: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of items) {
    r -= w;
    if (r < 0) return v;
  }
  return (items.at(-1) as [T, number])[0];
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

/** INSERTs of as many rows as stay under both databases' bound-parameter limits (SQLite: 32,766). */
async function insertChunked<R extends object>(
  rows: R[],
  insert: (chunk: R[]) => Promise<unknown>,
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.floor(30_000 / Object.keys(rows[0] as object).length);
  for (let i = 0; i < rows.length; i += perStatement) await insert(rows.slice(i, i + perStatement));
}

interface SeedOutcome {
  workspaceId: string;
  tickets: number;
  contacts: number;
  searchMatches: number;
  statusOpen: number;
  seconds: number;
  ticketsPerSecond: number;
  databaseVersion: string;
  /** Tracking links of the newest tickets whose tokens have not expired (at most RECENT_TRACKED). */
  recent: { reference: string; token: string }[];
}

/** How many different tickets the "many tickets" tracking row cycles through. */
const RECENT_TRACKED = 5_000;

async function setupAndSeed(env: Record<string, string>, count: number): Promise<SeedOutcome> {
  const ctx = await createContext(loadConfig(env));
  try {
    const { workspace: ws, admin } = await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
      slug: SLUG,
      name: "Bench Support",
      admin: { email: ADMIN_EMAIL, name: "Ada Admin", role: "admin", password: ADMIN_PASSWORD },
    });
    const db: Db = ctx.database.db;
    const postgres = ctx.database.dialect === "postgres";
    const databaseVersion = postgres
      ? (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]?.v
      : (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]?.v;

    // Four more agents, so the queue's assignee join finds someone; the admin's hash is reused
    // rather than paying for four more scrypt hashes.
    const adminRow = await db
      .selectFrom("agents")
      .select("password_hash")
      .where("id", "=", admin.id)
      .executeTakeFirstOrThrow();
    const started = performance.now();
    const seedNow = new Date();
    const recent: { reference: string; token: string }[] = [];
    const agents: AgentTable[] = [1, 2, 3, 4].map((i) => ({
      id: newId(),
      workspace_id: ws.id,
      email: `agent${i}@bench.test`,
      email_normalized: `agent${i}@bench.test`,
      name: `Agent ${i}`,
      role: "agent",
      password_hash: adminRow.password_hash,
      active: true,
      last_login_at: null,
      created_at: seedNow.toISOString(),
      updated_at: seedNow.toISOString(),
    }));
    await db.insertInto("agents").values(agents).execute();
    const assignees = [admin.id, ...agents.map((a) => a.id)];

    const rand = prng(42);
    const yearMs = 365 * 86400_000;
    const origin = seedNow.getTime() - yearMs;

    // Contacts: one for every five tickets, so most customers have several.
    const contactCount = Math.max(1, Math.ceil(count / 5));
    const contactIds: string[] = [];
    const contactRows: Omit<ContactTable, "portal_access">[] = [];
    for (let i = 1; i <= contactCount; i++) {
      const id = newId();
      contactIds.push(id);
      const email = `customer${i}@example${i % 97}.test`;
      contactRows.push({
        id,
        workspace_id: ws.id,
        company_id: null,
        email,
        email_normalized: email,
        name: `Customer ${i}`,
        created_at: new Date(origin).toISOString(),
        updated_at: new Date(origin).toISOString(),
      });
    }
    for (let i = 0; i < contactRows.length; i += 10_000) {
      const batch = contactRows.slice(i, i + 10_000);
      await db.transaction().execute(async (tx) => {
        await insertChunked(batch, (c) => tx.insertInto("contacts").values(c).execute());
      });
    }
    console.log(`  ${fmtInt(contactCount)} contacts`);

    const BATCH = 5_000;
    const PROGRESS_EVERY = 10_000;
    let searchMatches = 0;
    let statusOpen = 0;
    const step = yearMs / count;
    for (let from = 1; from <= count; from += BATCH) {
      const to = Math.min(count, from + BATCH - 1);
      const tickets: TicketTable[] = [];
      const events: TicketEventTable[] = [];
      const tokens: TrackingTokenTable[] = [];
      const search: { id: string; workspace_id: string; ticket_id: string; body: string }[] = [];
      for (let n = from; n <= to; n++) {
        const id = newId();
        const contactIndex = Math.floor(rand() * contactCount);
        const contactId = contactIds[contactIndex] as string;
        const created = origin + (n - 1) * step + rand() * step;
        const updated = Math.min(seedNow.getTime(), created + rand() * 5 * 86400_000);
        const product = pick(rand, PRODUCTS);
        const subject = `The ${product} ${pick(rand, PROBLEMS)}`;
        const description = `${pick(rand, SENTENCES)} Also our ${pick(rand, PRODUCTS)} ${pick(rand, PROBLEMS)}. ${pick(rand, SENTENCES)}`;
        const status = weighted(rand, STATUS_WEIGHTS);
        if (status === "open") statusOpen++;
        const done = status === "resolved" || status === "closed";
        const createdIso = new Date(created).toISOString();
        const updatedIso = new Date(updated).toISOString();
        const content = `${subject}\n${description}`;
        if (content.toLowerCase().includes(SEARCH_TERM)) searchMatches++;
        tickets.push({
          id,
          workspace_id: ws.id,
          number: n,
          contact_id: contactId,
          company_id: null,
          subject,
          description,
          type: pick(rand, TICKET_TYPES),
          status,
          portal_status: null,
          priority: weighted(rand, PRIORITY_WEIGHTS),
          channel: "portal",
          assignee_id: status === "open" && rand() < 0.5 ? null : pick(rand, assignees),
          email_thread_id: `<ticket-${id}@portico>`,
          resolution: done ? "Fixed on our side; please try again." : null,
          resolved_at: done ? updatedIso : null,
          closed_at: status === "closed" ? updatedIso : null,
          follow_up_of_id: null,
          created_at: createdIso,
          updated_at: updatedIso,
        });
        events.push({
          id: newId(),
          workspace_id: ws.id,
          ticket_id: id,
          actor_type: "contact",
          actor_id: contactId,
          type: "created",
          data: JSON.stringify({ channel: "portal" }),
          customer_visible: true,
          created_at: createdIso,
        });
        const rawToken = randomBytes(32).toString("base64url");
        // The newest tickets' links stay valid for the run: kept for the "many tickets" row.
        if (created > seedNow.getTime() - 29 * 86400_000) {
          recent.push({ reference: formatReference(n), token: rawToken });
          if (recent.length > RECENT_TRACKED) recent.shift();
        }
        tokens.push({
          token_hash: hashToken(rawToken),
          workspace_id: ws.id,
          ticket_id: id,
          email_normalized: (contactRows[contactIndex] as ContactTable).email_normalized,
          created_at: createdIso,
          expires_at: new Date(created + 30 * 86400_000).toISOString(),
        });
        search.push({ id: newId(), workspace_id: ws.id, ticket_id: id, body: content });
      }
      await db.transaction().execute(async (tx) => {
        await insertChunked(tickets, (c) => tx.insertInto("tickets").values(c).execute());
        await insertChunked(events, (c) => tx.insertInto("ticket_events").values(c).execute());
        await insertChunked(tokens, (c) => tx.insertInto("tracking_tokens").values(c).execute());
        if (postgres) {
          await insertChunked(search, (c) =>
            sql`insert into ticket_search (id, workspace_id, ticket_id, document) values ${sql.join(
              c.map(
                (r) => sql`(${r.id}, ${r.workspace_id}, ${r.ticket_id}, to_tsvector('simple', ${r.body}))`,
              ),
            )}`.execute(tx),
          );
        } else {
          await insertChunked(search, (c) => tx.insertInto("ticket_search").values(c).execute());
        }
        await tx
          .updateTable("ticket_sequences")
          .set({ last_number: to })
          .where("workspace_id", "=", ws.id)
          .execute();
      });
      const crossed = Math.floor(to / PROGRESS_EVERY) > Math.floor((from - 1) / PROGRESS_EVERY);
      if (crossed || to === count) {
        const s = (performance.now() - started) / 1000;
        console.log(
          `  seeded ${fmtInt(to).padStart(fmtInt(count).length)} / ${fmtInt(count)} tickets  (${s.toFixed(1)} s, ${fmtInt(to / s)}/s)`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (postgres) {
      // A bulk load leaves no statistics; autovacuum would gather them in the middle of the
      // measurements. Gather them now, as a database that grew over months would have them.
      const t = performance.now();
      await sql`vacuum analyze`.execute(db);
      console.log(`  vacuum analyze: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    return {
      workspaceId: ws.id,
      tickets: count,
      contacts: contactCount,
      searchMatches,
      statusOpen,
      seconds,
      ticketsPerSecond: count / seconds,
      databaseVersion: databaseVersion ?? "?",
      recent,
    };
  } finally {
    await closeContext(ctx);
  }
}

async function countTickets(env: Record<string, string>, workspaceId: string): Promise<number> {
  const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR as string });
  try {
    const row = await database.db
      .selectFrom("tickets")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await database.close();
  }
}

/** The workspace's outbox by state. */
async function countOutbox(
  env: Record<string, string>,
  workspaceId: string,
): Promise<Record<string, number>> {
  const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR as string });
  try {
    const rows = await database.db
      .selectFrom("outbox_emails")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("workspace_id", "=", workspaceId)
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  } finally {
    await database.close();
  }
}

/** The count once it stops changing: requests abandoned by a finished load may still commit. */
async function settledTicketCount(env: Record<string, string>, workspaceId: string): Promise<number> {
  let last = await countTickets(env, workspaceId);
  for (let i = 0; i < 50; i++) {
    await sleep(300);
    const now = await countTickets(env, workspaceId);
    if (now === last) return now;
    last = now;
  }
  throw new Error("the ticket count kept changing with no load running");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database on the server in DATABASE_URL, dropped at the end

// ---------------------------------------------------------------------------------------------
// HTTP helpers for the setup steps (sign-in, the tracked ticket)

async function request(
  base: string,
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(base + url, {
    method,
    headers: { ...(opts.body !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function expectStatus(
  what: string,
  p: Promise<{ status: number; json: unknown; text: string; headers: Headers }>,
  status: number,
) {
  const r = await p;
  if (r.status !== status)
    throw new Error(`${what}: expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The submit page: its JavaScript, and its load in Chromium

interface PortalResult {
  scripts: { src: string; bytes: number; gzipBytes: number }[];
  jsBytes: number;
  jsGzipBytes: number;
  htmlBytes: number;
  htmlGzipBytes: number;
  browser:
    | { skipped: string }
    | {
        loads: number;
        fcpMs: number;
        inputMs: number;
        domContentLoadedMs: number;
        loadMs: number;
        fcpAll: number[];
        inputAll: number[];
      };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

async function measurePortal(base: string, settings: Settings): Promise<PortalResult> {
  const pagePath = `/portal/${SLUG}/submit`;
  const page = await expectStatus("submit page", request(base, "GET", pagePath), 200);
  const srcs = [...page.text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] as string);
  const scripts: PortalResult["scripts"] = [];
  for (const src of srcs) {
    const res = await fetch(new URL(src, base));
    if (!res.ok) throw new Error(`script ${src}: ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    scripts.push({ src, bytes: bytes.length, gzipBytes: zlib.gzipSync(bytes).length });
  }
  const html = Buffer.from(page.text);
  const result: PortalResult = {
    scripts,
    jsBytes: scripts.reduce((s, x) => s + x.bytes, 0),
    jsGzipBytes: scripts.reduce((s, x) => s + x.gzipBytes, 0),
    htmlBytes: html.length,
    htmlGzipBytes: zlib.gzipSync(html).length,
    browser: { skipped: "" },
  };
  if (!settings.browser) {
    result.browser = { skipped: "--skip-browser given" };
    return result;
  }
  if (!fs.existsSync(settings.chromium)) {
    result.browser = {
      skipped: `no Chromium at ${settings.chromium} (apt-get install chromium, or set CHROMIUM_PATH)`,
    };
    return result;
  }
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch(chromiumLaunchOptions(settings.chromium));
  type Timings = { fcp: number; input: number; dcl: number; load: number };
  const loadOnce = async (): Promise<Timings> => {
    // A new context per load: an empty cache, as for a customer's first visit.
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      const tab = await context.newPage();
      const cdp = await context.newCDPSession(tab);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      // When the first typed character reaches #name, on the page's clock (0 = navigation start).
      await tab.addInitScript(() => {
        document.addEventListener(
          "input",
          (e) => {
            const w = window as unknown as { __benchInput?: number };
            if ((e.target as Element | null)?.id === "name" && w.__benchInput === undefined) {
              w.__benchInput = performance.now();
            }
          },
          true,
        );
      });
      await tab.goto(base + pagePath, { waitUntil: "commit" });
      // Waits until #name is attached, visible, enabled and editable, focuses it and types.
      await tab.locator("#name").pressSequentially("x", { timeout: 30_000 });
      await tab.waitForLoadState("load");
      for (let i = 0; i < 100; i++) {
        const t = await tab.evaluate(() => {
          const fcp = performance.getEntriesByName("first-contentful-paint")[0];
          const nav = performance.getEntriesByType("navigation")[0] as
            | PerformanceNavigationTiming
            | undefined;
          const input = document.getElementById("name") as HTMLInputElement | null;
          return {
            fcp: fcp?.startTime,
            input: (window as unknown as { __benchInput?: number }).__benchInput,
            dcl: nav?.domContentLoadedEventEnd,
            load: nav?.loadEventEnd,
            value: input?.value,
            focused: document.activeElement === input,
          };
        });
        if (t.fcp !== undefined && t.input !== undefined && t.dcl && t.load) {
          if (t.value !== "x" || !t.focused) {
            throw new Error(`the typed character did not stay in #name (value "${t.value}")`);
          }
          return { fcp: t.fcp, input: t.input, dcl: t.dcl, load: t.load };
        }
        await sleep(50);
      }
      throw new Error("no first-contentful-paint entry or input event after the page loaded");
    } finally {
      await context.close();
    }
  };
  try {
    await loadOnce(); // warm-up: the server's page rendering and Chromium's own start-up
    const runs: Timings[] = [];
    for (let i = 0; i < settings.pageLoads; i++) runs.push(await loadOnce());
    result.browser = {
      loads: runs.length,
      fcpMs: median(runs.map((r) => r.fcp)),
      inputMs: median(runs.map((r) => r.input)),
      domContentLoadedMs: median(runs.map((r) => r.dcl)),
      loadMs: median(runs.map((r) => r.load)),
      fcpAll: runs.map((r) => Math.round(r.fcp)),
      inputAll: runs.map((r) => Math.round(r.input)),
    };
  } finally {
    await browser.close();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Results file and comparison with the previous run

type Direction = "higher" | "lower";
interface Metric {
  value: number;
  better: Direction;
}

interface ResultsFile {
  engine: string;
  date: string;
  metrics: Record<string, Metric>;
  settings?: { tickets?: number; duration?: number; connections?: number };
  [k: string]: unknown;
}

function readPrevious(file: string): ResultsFile | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as ResultsFile;
    return r && typeof r.metrics === "object" ? r : null;
  } catch {
    return null;
  }
}

function machineInfo() {
  const cpus = os.cpus();
  let commit: string | null = null;
  let dirty = false;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, stdio: "pipe" })
      .toString()
      .trim();
    dirty =
      execFileSync("git", ["status", "--porcelain", "--", "src", "db"], { cwd: ROOT, stdio: "pipe" })
        .toString()
        .trim() !== "";
  } catch {
    // not a git checkout
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "?",
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit,
    uncommittedChangesInSrc: dirty,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

interface Named {
  key: string;
  label: string;
  m: Measured;
}

async function main(): Promise<number> {
  const settings = readSettings();
  if (!settings) return 0;
  const engine = settings.databaseUrl ? "postgres" : "sqlite";
  const resultsFile = path.join(RESULTS_DIR, `${engine}-latest.json`);
  const previous = readPrevious(resultsFile);
  const machine = machineInfo();
  const date = new Date().toISOString();
  let failed = false;

  console.log(`Portico benchmark: ${engine}, ${date}`);
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}` +
      (machine.commit
        ? `, commit ${machine.commit}${machine.uncommittedChangesInSrc ? " + local changes" : ""}`
        : ""),
  );
  console.log(
    `settings: ${fmtInt(settings.tickets)} tickets, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${settings.connections} connections`,
  );
  const load1 = machine.loadAverageAtStart[0] ?? 0;
  if (load1 > 0.5) {
    console.log(
      `note: load average ${load1} at start: something else is using the CPUs; numbers will be lower`,
    );
  }

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()?.();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  };
  const onSignal = () => {
    console.log("\ninterrupted: stopping the servers and removing the data");
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-"));
    const keep = settings.keepData;
    if (!keep) cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (settings.databaseUrl) {
      const created = await createScratchDatabase(settings.databaseUrl, "portico_bench");
      if (!keep) cleanups.push(created.drop);
      databaseUrl = created.url;
      console.log(
        `database: PostgreSQL ${created.name} (${keep ? "kept: --keep-data" : "dropped at the end"})`,
      );
    } else {
      console.log(`database: SQLite in ${dataDir} (${keep ? "kept: --keep-data" : "removed at the end"})`);
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      SUBMIT_RATE_LIMIT_PER_HOUR: "1000000000",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(settings.redisUrl ? { REDIS_URL: settings.redisUrl } : {}),
      ...(process.env.MAIL_WORKER ? { MAIL_WORKER: process.env.MAIL_WORKER } : {}),
      ...(process.env.BENCH_SERVER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS }
        : {}),
    };
    if (settings.redisUrl) console.log("rate limits: Redis (REDIS_URL is set)");

    // --- seed -----------------------------------------------------------------------------------
    section(`Seeding ${fmtInt(settings.tickets)} tickets through the database layer`);
    const seed = await setupAndSeed(env, settings.tickets);
    console.log(
      `  done: ${seed.seconds.toFixed(1)} s, ${fmtInt(seed.ticketsPerSecond)} tickets/s (${engine} ${seed.databaseVersion})`,
    );
    console.log(
      `  ${fmtInt(seed.statusOpen)} tickets are open; "${SEARCH_TERM}" is in the text of about ${fmtInt(seed.searchMatches)}`,
    );

    // --- servers ----------------------------------------------------------------------------------
    section("Starting Portico");
    const portico = await startChild("portico", ["bin/portico.js", "serve"], env, "/readyz");
    cleanups.push(portico.stop);
    console.log(`  ${portico.base} (pid ${portico.proc.pid})`);
    const base = portico.base;
    const signIn = await expectStatus(
      "sign-in",
      request(base, "POST", "/api/auth/sign-in", {
        body: { workspace: SLUG, email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      }),
      200,
    );
    const setCookie = signIn.headers.getSetCookie().find((c) => c.startsWith("portico_session="));
    if (!setCookie) throw new Error("sign-in set no portico_session cookie");
    const cookie = setCookie.split(";")[0] as string;
    const csrf = (signIn.json as { csrfToken: string }).csrfToken;
    const agentHeaders = { cookie, "x-csrf-token": csrf };

    // The tracked ticket: submitted through the API, with an agent's reply and the customer's
    // answer, so the tracking read carries a short conversation.
    const submitted = await expectStatus(
      "submission",
      request(base, "POST", `/api/public/portals/${SLUG}/tickets`, {
        body: {
          name: "Casey Customer",
          email: "casey@customer.test",
          subject: "The printer is on fire",
          description: "Since this morning the office printer smells of smoke and prints blank pages.",
          type: "Bug Report",
        },
      }),
      201,
    );
    const { reference, trackingUrl } = submitted.json as { reference: string; trackingUrl: string };
    const token = new URL(trackingUrl, base).searchParams.get("t") as string;
    await expectStatus(
      "agent reply",
      request(base, "POST", `/api/workspace/tickets/${reference}/replies`, {
        headers: agentHeaders,
        body: {
          body: "Sorry to hear that! Please unplug it; a technician is on the way.",
          status: "waiting",
        },
      }),
      201,
    );
    const trackPath = `/api/public/portals/${SLUG}/tickets/${reference}?t=${encodeURIComponent(token)}`;
    await expectStatus(
      "customer reply",
      request(
        base,
        "POST",
        `/api/public/portals/${SLUG}/tickets/${reference}/replies?t=${encodeURIComponent(token)}`,
        {
          body: { body: "Unplugged, thanks. The smoke has stopped." },
        },
      ),
      201,
    );
    const tracked = await expectStatus("tracking read", request(base, "GET", trackPath), 200);
    const bodyFile = path.join(dataDir, "bare-body.json");
    fs.writeFileSync(bodyFile, tracked.text);
    console.log(`  tracked ticket ${reference}: ${fmtInt(Buffer.byteLength(tracked.text))} bytes of JSON`);

    const queuePaths = {
      queue: "/api/workspace/tickets",
      queue_status: "/api/workspace/tickets?status=open",
      queue_search: `/api/workspace/tickets?q=${SEARCH_TERM}`,
    };
    for (const [k, p] of Object.entries(queuePaths)) {
      const r = await expectStatus(k, request(base, "GET", p, { headers: { cookie } }), 200);
      const items = (r.json as { items: unknown[] }).items.length;
      if (items !== 25) throw new Error(`${p}: expected a page of 25 tickets, got ${items}`);
    }

    // --- measurements ---------------------------------------------------------------------------
    const measured: Named[] = [];
    const measure = async (key: string, label: string, load: Load, pid = portico.proc.pid) => {
      process.stdout.write(`  ${label} … `);
      const server = new URL(load.url).origin;
      if (settings.warmup > 0) {
        await runLoad({ ...load, duration: settings.warmup });
        await settle(server);
      }
      // On a shared machine another guest can take a large share of the CPU for a while (steal):
      // such a run measures the neighbours. It is run again, up to twice, and the run the host
      // disturbed least is kept; every run's steal is printed.
      let m: Measured | undefined;
      const steals: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const cost = costMeter(pid);
        const raw = await runLoad({ ...load, duration: settings.duration });
        const run = { ...summarize([raw]), ...cost(raw.ok) };
        await settle(server);
        steals.push(run.stealPct === undefined ? "?" : `${run.stealPct.toFixed(1)}%`);
        if (!m || (run.stealPct ?? 0) < (m.stealPct ?? 0)) m = run;
        if ((run.stealPct ?? 0) <= STEAL_RETRY_PCT) break;
      }
      if (!m) throw new Error("no run");
      if (steals.length > 1) process.stdout.write(`[steal ${steals.join(", ")}: the least kept] `);
      measured.push({ key, label, m });
      const problems = m.non2xx || m.errors ? `  ${m.non2xx} non-2xx, ${m.errors} errors: INVALID` : "";
      if (problems) failed = true;
      const spent = fmtCost(m);
      console.log(
        `${fmtInt(m.rps)} req/s, p50 ${fmtMs(m.p50)} ms, p99 ${fmtMs(m.p99)} ms${spent ? ` (${spent})` : ""}${problems}`,
      );
      return m;
    };
    const c = settings.connections;

    section(`Measuring (${c} connections, ${settings.duration} s each)`);
    const bare = await startChild(
      "bare",
      ["bench/bare-server.ts"],
      { PATH: env.PATH as string, BARE_BODY_FILE: bodyFile },
      "/",
    );
    cleanups.push(bare.stop);
    await measure(
      "bare",
      "bare node:http (same JSON)",
      { url: bare.base + trackPath, connections: c },
      bare.proc.pid,
    );
    await bare.stop();

    await measure("tracking", "tracking read, one ticket", { url: base + trackPath, connections: c });
    // The same read over thousands of different tickets, so each request reads the database
    // instead of the copy a repeated read is served from (the cache holds 2,000).
    if (seed.recent.length > 0) {
      let next = 0;
      const paths = seed.recent.map(
        (r) => `/api/public/portals/${SLUG}/tickets/${r.reference}?t=${encodeURIComponent(r.token)}`,
      );
      await measure("tracking_many", `tracking read, ${fmtInt(paths.length)} tickets in turn`, {
        url: base,
        connections: c,
        requests: [
          { method: "GET", setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) },
        ],
      });
    } else {
      console.log("  tracking read over many tickets: skipped, no seeded ticket has a valid link");
    }
    await measure("queue", "queue, first page", {
      url: base + queuePaths.queue,
      connections: c,
      headers: { cookie },
    });
    await measure("queue_status", "queue, status=open", {
      url: base + queuePaths.queue_status,
      connections: c,
      headers: { cookie },
    });
    await measure("queue_search", `queue, q=${SEARCH_TERM}`, {
      url: base + queuePaths.queue_search,
      connections: c,
      headers: { cookie },
    });

    // Submissions: every request a different customer and body, with its own Idempotency-Key as
    // the portal sends.
    const runTag = Date.now().toString(36);
    let seq = 0;
    const references = new Set<string>();
    const submitRequests = (collect: boolean): autocannon.Request[] => [
      {
        method: "POST",
        path: `/api/public/portals/${SLUG}/tickets`,
        setupRequest: (req) => {
          const i = ++seq;
          return {
            ...req,
            headers: {
              ...req.headers,
              "content-type": "application/json",
              "idempotency-key": `bench-${runTag}-${i}`,
            },
            body: JSON.stringify({
              name: `Bench Customer ${i}`,
              email: `bench-${runTag}-${i}@customer${i % 89}.test`,
              subject: `The ${PRODUCTS[i % PRODUCTS.length]} ${PROBLEMS[i % PROBLEMS.length]} (${i})`,
              description: `${SENTENCES[i % SENTENCES.length]} ${SENTENCES[(i * 7) % SENTENCES.length]} Reference ${runTag}-${i}.`,
              type: TICKET_TYPES[i % TICKET_TYPES.length],
            }),
          };
        },
        ...(collect
          ? {
              onResponse: (status: number, body: string) => {
                if (status === 201) references.add((JSON.parse(body) as { reference: string }).reference);
              },
            }
          : {}),
      },
    ];
    // Every submission must be answered before the tickets are counted, so this load runs as a
    // fixed number of requests rather than a timed run (which ends by dropping its connections):
    // batches sized from the rate so far until BENCH_DURATION seconds of answers are in.
    process.stdout.write("  submissions … ");
    let rate = 0;
    if (settings.warmup > 0) {
      const warm = summarize([
        await runLoad({
          url: base,
          connections: c,
          duration: settings.warmup,
          requests: submitRequests(false),
        }),
      ]);
      if (warm.non2xx || warm.errors) failed = true;
      rate = warm.rps;
    }
    // The warm-up ended by dropping its connections; requests still in flight may commit after.
    await settle(base);
    const before = await settledTicketCount(env, seed.workspaceId);
    const sentBefore = (await countOutbox(env, seed.workspaceId)).sent ?? 0;
    const cost = costMeter(portico.proc.pid);
    const batches: Raw[] = [];
    let elapsed = 0;
    while (elapsed < settings.duration * 0.95) {
      const amount = Math.max(c * 4, Math.round(Math.max(rate, 100) * (settings.duration - elapsed)));
      const batch = await runLoad({ url: base, connections: c, amount, requests: submitRequests(true) });
      batches.push(batch);
      elapsed += batch.seconds;
      rate = batch.ok / batch.seconds;
    }
    const summed = summarize(batches);
    const sub = { ...summed, ...cost(summed.ok) };
    const after = await settledTicketCount(env, seed.workspaceId);
    measured.push({ key: "submit", label: "submissions (durable)", m: sub });
    const grew = after - before;
    const verified = grew === sub.ok && sub.non2xx === 0 && sub.errors === 0 && references.size === sub.ok;
    if (!verified) failed = true;
    console.log(
      `${fmtInt(sub.rps)} req/s, p50 ${fmtMs(sub.p50)} ms, p99 ${fmtMs(sub.p99)} ms (${fmtInt(sub.ok)} in ${sub.seconds.toFixed(1)} s, ${batches.length} batch${batches.length > 1 ? "es" : ""}; ${fmtCost(sub)})`,
    );
    const submitCheck = `tickets ${fmtInt(before)} → ${fmtInt(after)} (+${fmtInt(grew)}), ${fmtInt(sub.ok)} × 2xx with ${fmtInt(references.size)} distinct references, ${sub.non2xx} non-2xx, ${sub.errors} errors`;
    console.log(`  check: ${submitCheck}: ${verified ? "OK" : "FAILED"}`);
    // Their emails: the outbox steps back while requests are answered, then drains.
    const atEnd = await countOutbox(env, seed.workspaceId);
    const drainFrom = atEnd.pending ?? 0;
    const drainStart = performance.now();
    let waiting = drainFrom;
    while (waiting > 0 && performance.now() - drainStart < 15_000) {
      await sleep(500);
      waiting = (await countOutbox(env, seed.workspaceId)).pending ?? 0;
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const drainRate = drainFrom > waiting ? (drainFrom - waiting) / drainSeconds : 0;
    console.log(
      `  emails: ${fmtInt((atEnd.sent ?? 0) - sentBefore)} sent during the submissions, ${fmtInt(drainFrom)} waiting at the end; then ${fmtInt(drainRate)} emails/s delivered (${fmtInt(drainFrom - waiting)} in ${drainSeconds.toFixed(1)} s, ${fmtInt(waiting)} left)`,
    );
    const delivery = {
      sentDuringSubmissions: (atEnd.sent ?? 0) - sentBefore,
      waitingAtEnd: drainFrom,
      drainPerSecond: drainRate,
    };

    // --- portal page ------------------------------------------------------------------------------
    section("Submit page");
    const portal = await measurePortal(base, settings);
    await portico.stop();

    // --- report -----------------------------------------------------------------------------------
    const by = Object.fromEntries(measured.map((x) => [x.key, x.m])) as Record<string, Measured>;
    const bareM = by.bare as Measured;
    section(`Results: ${engine}, ${fmtInt(settings.tickets)} tickets`);
    console.log(
      table(
        ["", "req/s", "p50 ms", "p90 ms", "p99 ms", "vs bare req/s", "vs bare p50"],
        measured.map(({ key, label, m }) => [
          label,
          fmtInt(m.rps),
          fmtMs(m.p50),
          fmtMs(m.p90),
          fmtMs(m.p99),
          key === "bare" ? "" : fmtPct(m.rps / bareM.rps),
          key === "bare" ? "" : `${(m.p50 / bareM.p50).toFixed(1)}×`,
        ]),
      ),
    );

    const ratios: Record<string, number> = {};
    for (const { key, m } of measured) if (key !== "bare") ratios[`${key}_vs_bare`] = m.rps / bareM.rps;

    const trackingRatio = ratios.tracking_vs_bare ?? 0;
    const submitRate = sub.rps;
    const gate = engine === "sqlite";
    const status = (ok: boolean, applies = true) => (applies ? (ok ? "PASS" : "MISS") : "info");
    const targets = [
      {
        name: "tracking read ≥ 50% of bare (SQLite)",
        value: fmtPct(trackingRatio),
        status: status(trackingRatio >= 0.5, gate),
      },
      {
        name: "≥ 1,500 durable submissions/s (SQLite)",
        value: `${fmtInt(submitRate)}/s`,
        status: status(submitRate >= 1500, gate),
      },
      {
        name: "submit page JavaScript ≤ 50 KB gzipped",
        value: fmtKb(portal.jsGzipBytes),
        status: status(portal.jsGzipBytes <= 50 * 1024),
      },
      {
        name: "every submission made exactly one ticket",
        value: `+${fmtInt(grew)} / ${fmtInt(sub.ok)}`,
        status: verified ? "OK" : "FAILED",
      },
    ];
    section("Targets");
    console.log(
      table(
        ["target", "measured", ""],
        targets.map((t) => [t.name, t.value, t.status]),
      ),
    );
    if (!gate)
      console.log(
        "(the throughput targets are set for SQLite; on PostgreSQL they are shown for information)",
      );

    section("Submit page /portal/:slug/submit");
    const pageRows: string[][] = portal.scripts.map((s) => [
      `script ${s.src}`,
      fmtInt(s.bytes),
      fmtInt(s.gzipBytes),
    ]);
    pageRows.push(["JavaScript total", fmtInt(portal.jsBytes), fmtInt(portal.jsGzipBytes)]);
    pageRows.push(["HTML document", fmtInt(portal.htmlBytes), fmtInt(portal.htmlGzipBytes)]);
    console.log(table(["", "bytes", "gzipped"], pageRows));
    if ("skipped" in portal.browser) {
      console.log(`Chromium page loads skipped: ${portal.browser.skipped}`);
    } else {
      const b = portal.browser;
      console.log(
        `Chromium, 375×812, 4× CPU throttling, median of ${b.loads} cold loads:\n` +
          table(
            ["", "ms", "each load"],
            [
              ["first contentful paint", fmtMs(b.fcpMs), b.fcpAll.join(", ")],
              ["form takes input (#name)", fmtMs(b.inputMs), b.inputAll.join(", ")],
              ["DOMContentLoaded", fmtMs(b.domContentLoadedMs), ""],
              ["load", fmtMs(b.loadMs), ""],
            ],
          ),
      );
    }

    // --- metrics, comparison, file -------------------------------------------------------------
    const metrics: Record<string, Metric> = {};
    for (const { key, m } of measured) {
      metrics[`${key}.rps`] = { value: m.rps, better: "higher" };
      metrics[`${key}.p50_ms`] = { value: m.p50, better: "lower" };
      metrics[`${key}.p99_ms`] = { value: m.p99, better: "lower" };
      if (m.cpuMsPerRequest !== undefined) {
        metrics[`${key}.cpu_ms_per_request`] = { value: m.cpuMsPerRequest, better: "lower" };
      }
    }
    for (const [k, v] of Object.entries(ratios)) metrics[`ratio.${k}`] = { value: v, better: "higher" };
    metrics["seed.tickets_per_s"] = { value: seed.ticketsPerSecond, better: "higher" };
    metrics["submit.emails_drain_per_s"] = { value: delivery.drainPerSecond, better: "higher" };
    metrics["portal.js_gzip_bytes"] = { value: portal.jsGzipBytes, better: "lower" };
    if (!("skipped" in portal.browser)) {
      metrics["portal.fcp_ms"] = { value: portal.browser.fcpMs, better: "lower" };
      metrics["portal.input_ms"] = { value: portal.browser.inputMs, better: "lower" };
    }

    section("Compared with the previous run");
    if (!previous) {
      console.log(`no previous results in ${path.relative(ROOT, resultsFile)}`);
    } else {
      const ps = previous.settings ?? {};
      const same =
        ps.tickets === settings.tickets &&
        ps.duration === settings.duration &&
        ps.connections === settings.connections;
      console.log(
        `previous: ${previous.date}` +
          (same
            ? ""
            : ` (different settings: ${fmtInt(ps.tickets ?? 0)} tickets, ${ps.duration} s, ${ps.connections} connections)`),
      );
      const fmtValue = (k: string, v: number) =>
        k.startsWith("ratio.") ? fmtPct(v) : k.endsWith("_ms") ? fmtMs(v) : fmtInt(v);
      const rows = Object.entries(metrics).map(([k, m]) => {
        const p = previous.metrics[k]?.value;
        if (p === undefined || !Number.isFinite(p)) return [k, fmtValue(k, m.value), "–", ""];
        const change = p === 0 ? 0 : (m.value - p) / p;
        const better = m.better === "higher" ? change > 0.05 : change < -0.05;
        const worse = m.better === "higher" ? change < -0.05 : change > 0.05;
        const sign = change >= 0 ? "+" : "";
        return [
          k,
          fmtValue(k, m.value),
          fmtValue(k, p),
          `${sign}${(change * 100).toFixed(1)}%${better ? " better" : worse ? " worse" : ""}`,
        ];
      });
      console.log(table(["metric", "now", "previous", "change"], rows));
    }

    const out = {
      engine,
      date,
      machine,
      settings: {
        tickets: settings.tickets,
        duration: settings.duration,
        warmup: settings.warmup,
        connections: settings.connections,
        pageLoads: settings.pageLoads,
        rateLimits: settings.redisUrl ? "redis" : "memory",
        databaseVersion: seed.databaseVersion,
      },
      seed: {
        tickets: seed.tickets,
        contacts: seed.contacts,
        seconds: Math.round(seed.seconds * 10) / 10,
        ticketsPerSecond: Math.round(seed.ticketsPerSecond),
        searchTerm: SEARCH_TERM,
        searchMatches: seed.searchMatches,
        statusOpen: seed.statusOpen,
      },
      measurements: Object.fromEntries(
        measured.map(({ key, label, m }) => [
          key,
          {
            label,
            rps: Math.round(m.rps),
            p50Ms: round2(m.p50),
            p90Ms: round2(m.p90),
            p99Ms: round2(m.p99),
            responses2xx: m.ok,
            non2xx: m.non2xx,
            errors: m.errors,
            seconds: round2(m.seconds),
            statusCodes: m.statusCodes,
          },
        ]),
      ),
      submissionCheck: {
        before,
        after,
        grew,
        responses2xx: sub.ok,
        distinctReferences: references.size,
        verified,
      },
      submissionEmails: {
        sentDuringSubmissions: delivery.sentDuringSubmissions,
        waitingAtEnd: delivery.waitingAtEnd,
        drainPerSecond: Math.round(delivery.drainPerSecond),
      },
      ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
      targets,
      portal: {
        ...portal,
        browser:
          "skipped" in portal.browser
            ? portal.browser
            : {
                ...portal.browser,
                fcpMs: round2(portal.browser.fcpMs),
                inputMs: round2(portal.browser.inputMs),
                domContentLoadedMs: round2(portal.browser.domContentLoadedMs),
                loadMs: round2(portal.browser.loadMs),
              },
      },
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, m]) => [
          k,
          { value: Math.round(m.value * 1000) / 1000, better: m.better },
        ]),
      ),
    };
    if (settings.save) {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
      console.log(`\nwrote ${path.relative(ROOT, resultsFile)}`);
    } else {
      console.log("\n--no-save: results not written");
    }
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (failed) console.log("\nSome measurements are INVALID (see above).");
  return failed ? 1 : 0;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

try {
  process.exitCode = await main();
} catch (err) {
  const code = (err as { code?: string }).code ?? "";
  if (err instanceof UsageError || code.startsWith("ERR_PARSE_ARGS")) {
    console.error(`bench: ${(err as Error).message}\nSee: npm run bench -- --help`);
    process.exitCode = 2;
  } else {
    console.error(`\nbench: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  }
}
