import fs from "node:fs";
import type autocannon from "autocannon";
import { type Child, sleep, startChild } from "../lib/children.ts";
import { fmtInt, section, table } from "../lib/format.ts";
import { runLoad } from "../lib/load.ts";
import { ROOT } from "../lib/paths.ts";
import { ADMIN_EMAIL, ADMIN_PASSWORD, SLUG } from "../lib/seed.ts";
import type { Settings } from "../lib/settings.ts";
import { SEARCH_TERM } from "../lib/words.ts";

// Memory: a fresh Portico (started as `npm start` starts it, on the seeded data) measured idle
// after start, then after each of three bursts of mixed requests: tracking reads of one ticket and
// of thousands, submissions, unknown addresses and tickets, bad input, and an agent's queue pages
// and text search. Resident memory comes
// from /proc (Linux); the breakdown from the server's own /metrics (METRICS_TOKEN is set for it).

const BURSTS = 3;
const TOKEN = "bench-memory-metrics-token-0123456789";

export interface MemoryPoint {
  /** Resident set of the whole process (every thread), its anonymous and file-backed parts, MiB. */
  rss: number;
  rssAnon: number;
  rssFile: number;
  threads: number;
  /** The main thread's V8 heap (used, and reserved), memory outside it, array buffers; MiB. */
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** The worker threads' V8 heaps (checkpointer, mail), reserved, MiB. */
  threadHeaps: number;
}

export interface MemoryResult {
  requestsPerBurst: number;
  idle: MemoryPoint;
  /** After each burst, once the emails it queued are delivered. */
  afterBursts: MemoryPoint[];
  /** The highest resident memory seen during each burst (read from /proc every 100 ms), MiB. */
  peaksUnderLoad: number[];
  /**
   * During each burst, the breakdown (read every 500 ms, from /proc and /metrics) whose RSS was
   * highest: where the memory is at the peak. Optional: results saved before it have none.
   */
  highestSampled?: MemoryPoint[];
  /** The answers of every burst by status. */
  statusCodes: Record<string, number>;
  errors: number;
}

/** The Node flags `npm start` gives the server (package.json), so the bench measures the same. */
export function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(`${ROOT}/package.json`, "utf8")) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith("--"));
}

const MIB = 1024 * 1024;

function procStatus(pid: number): Pick<MemoryPoint, "rss" | "rssAnon" | "rssFile" | "threads"> {
  const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return {
    rss: kb("VmRSS") / 1024,
    rssAnon: kb("RssAnon") / 1024,
    rssFile: kb("RssFile") / 1024,
    threads: kb("Threads"),
  };
}

async function point(child: Child): Promise<MemoryPoint> {
  // Resident memory first: the metrics request that follows loads and runs the exporter.
  const resident = procStatus(child.proc.pid as number);
  const res = await fetch(`${child.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  // A server without metrics (an older version, measured for comparison) gives RSS only.
  const text = res.ok ? await res.text() : "";
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN) / MIB;
  return {
    ...resident,
    heapUsed: value("nodejs_heap_size_used_bytes"),
    heapTotal: value("nodejs_heap_size_total_bytes"),
    external: value("nodejs_external_memory_bytes"),
    arrayBuffers: value("portico_array_buffers_bytes"),
    threadHeaps: text
      ? [...text.matchAll(/^portico_thread_heap_bytes\{thread="[^"]*",kind="total"\} (\S+)$/gm)].reduce(
          (sum, m) => sum + Number(m[1]) / MIB,
          0,
        )
      : Number.NaN,
  };
}

/** One burst's requests, in turn: every kind the public side sees, good and bad. */
function mixedRequests(
  trackedPath: string,
  recent: { reference: string; token: string }[],
  cookie: string,
): autocannon.Request[] {
  const tag = Date.now().toString(36);
  let i = 0;
  const json = { "content-type": "application/json" };
  const kinds: ((n: number) => {
    method: "GET" | "POST";
    path: string;
    body?: string;
    headers?: Record<string, string>;
  })[] = [
    () => ({ method: "GET", path: trackedPath }),
    (n) => {
      const r = recent[n % Math.max(1, recent.length)];
      return r
        ? {
            method: "GET",
            path: `/api/public/portals/${SLUG}/tickets/${r.reference}?t=${encodeURIComponent(r.token)}`,
          }
        : { method: "GET", path: trackedPath };
    },
    (n) => ({
      method: "POST",
      path: `/api/public/portals/${SLUG}/tickets`,
      headers: { ...json, "idempotency-key": `mem-${tag}-${n}` },
      body: JSON.stringify({
        name: `Memory Customer ${n}`,
        email: `mem-${tag}-${n}@customer${n % 97}.test`,
        subject: `Burst ${n}: the screen flickers`,
        description: "It flickers after lunch, every day, for about ten minutes.",
      }),
    }),
    (n) => ({ method: "GET", path: `/api/public/portals/${SLUG}/tickets/TKT-${900000 + n}?t=nope${n}` }),
    (n) => ({ method: "GET", path: `/no/such/page/${n}?q=${n}` }),
    // The agents' side: the queue's pages and its text search, which read the whole file in turn.
    (n) => ({
      method: "GET",
      path: n % 2 ? "/api/workspace/tickets?status=open" : "/api/workspace/tickets",
      headers: { cookie },
    }),
    () => ({ method: "GET", path: `/api/workspace/tickets?q=${SEARCH_TERM}`, headers: { cookie } }),
    (n) => ({ method: "GET", path: `/api/public/portals/no-such-${n % 50}/kb` }),
    () => ({
      method: "POST",
      path: `/api/public/portals/${SLUG}/tickets`,
      headers: json,
      body: '{"name": "broken',
    }),
    (n) => ({
      method: "POST",
      path: `/api/public/portals/${SLUG}/tickets`,
      headers: json,
      body: JSON.stringify({ name: "x".repeat(5000), email: `not-an-address-${n}`, subject: "" }),
    }),
  ];
  return [
    {
      method: "GET",
      setupRequest: (req) => {
        const n = i++;
        const k = (kinds[n % kinds.length] as (typeof kinds)[number])(Math.floor(n / kinds.length));
        return {
          ...req,
          method: k.method,
          path: k.path,
          headers: { ...req.headers, ...(k.headers ?? {}) },
          ...(k.body !== undefined ? { body: k.body } : {}),
        };
      },
    },
  ];
}

export async function measureMemory(
  settings: Settings,
  env: Record<string, string>,
  trackedPath: string,
  recent: { reference: string; token: string }[],
): Promise<MemoryResult> {
  const requestsPerBurst = Math.round(Number(process.env.BENCH_MEMORY_REQUESTS || 20_000));
  section(`Memory: idle after start, then ${BURSTS} bursts of ${fmtInt(requestsPerBurst)} mixed requests`);
  const child = await startChild(
    "portico-memory",
    [...startFlags(), "bin/portico.js", "serve"],
    { ...env, METRICS_TOKEN: TOKEN },
    "/readyz",
  );
  try {
    // What start-up leaves behind, once the first collections have run.
    await sleep(3000);
    const idle = await point(child);
    const signIn = await fetch(`${child.base}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workspace: SLUG, email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    const cookie =
      (signIn.headers.getSetCookie().find((c) => c.startsWith("portico_session=")) ?? "").split(";")[0] ?? "";
    const statusCodes: Record<string, number> = {};
    let errors = 0;
    const peaksUnderLoad: number[] = [];
    const highestSampled: MemoryPoint[] = [];
    const burst = async () => {
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, procStatus(child.proc.pid as number).rss);
      }, 100);
      // The breakdown now and then: one request every 500 ms beside the burst's 50 connections.
      let highest: MemoryPoint | undefined;
      let sampling = true;
      const breakdowns = (async () => {
        while (sampling) {
          const p = await point(child).catch(() => undefined);
          if (p && (!highest || p.rss > highest.rss)) highest = p;
          await sleep(500);
        }
      })();
      const raw = await runLoad({
        url: child.base,
        connections: settings.connections,
        amount: requestsPerBurst,
        requests: mixedRequests(trackedPath, recent, cookie),
      });
      clearInterval(sampler);
      sampling = false;
      await breakdowns;
      peaksUnderLoad.push(peak);
      if (highest) highestSampled.push(highest);
      for (const [k, v] of Object.entries(raw.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
      errors += raw.errors;
      // The emails the submissions queued are delivered meanwhile; measured once that is done.
      await sleep(3000);
      return point(child);
    };
    const afterBursts: MemoryPoint[] = [];
    for (let b = 0; b < BURSTS; b++) afterBursts.push(await burst());
    const result = {
      requestsPerBurst,
      idle,
      afterBursts,
      peaksUnderLoad,
      highestSampled,
      statusCodes,
      errors,
    };
    printMemory(result);
    return result;
  } finally {
    await child.stop();
  }
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");

export function printMemory(m: MemoryResult): void {
  const row = (name: string, p: MemoryPoint) => [
    name,
    f1(p.rss),
    f1(p.rssAnon),
    f1(p.rssFile),
    f1(p.heapUsed),
    f1(p.heapTotal),
    f1(p.external),
    f1(p.arrayBuffers),
    f1(p.threadHeaps),
    String(p.threads),
  ];
  console.log(
    table(
      [
        "MiB",
        "RSS",
        "anon",
        "file",
        "heap used",
        "heap total",
        "external",
        "array buffers",
        "thread heaps",
        "threads",
      ],
      [
        row("idle after start", m.idle),
        ...m.afterBursts.map((p, i) => row(`after burst ${i + 1}`, p)),
        ...(m.highestSampled ?? []).map((p, i) => row(`in burst ${i + 1}, highest sampled`, p)),
      ],
    ),
  );
  console.log(`  highest RSS during each burst: ${m.peaksUnderLoad.map(f1).join(", ")} MiB`);
  const codes = Object.entries(m.statusCodes)
    .map(([k, v]) => `${k}: ${fmtInt(v)}`)
    .join(", ");
  console.log(`  answers: ${codes}; errors: ${m.errors}`);
}
