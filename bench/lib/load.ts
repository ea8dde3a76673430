import autocannon from "autocannon";
import { sleep } from "./children.ts";
import { type Cost, costMeter, fmtCost } from "./cost.ts";
import { fmtInt, fmtMs } from "./format.ts";

// Load: autocannon, with latencies recorded at full resolution from its response events.

export interface Load {
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

export interface Measured extends Cost {
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
}

/** One autocannon run, before summing up: latencies of every answer, in ms. */
export interface Raw {
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

/** Sums up one or several runs of the same load. */
export function summarize(runs: Raw[]): Measured {
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

export function runLoad(load: Load): Promise<Raw> {
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
export async function settle(base: string): Promise<void> {
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

/** Steal above this during a timed measurement makes it run again (at most three runs). */
const STEAL_RETRY_PCT = 5;

/** A measurement under its key (the results file's) and its printed label. */
export interface Named {
  key: string;
  label: string;
  m: Measured;
}

/** What the scenarios measured, in order, and whether any measurement was invalid. */
export interface Recorder {
  measured: Named[];
  failed: boolean;
}

export interface TimedSettings {
  warmup: number;
  duration: number;
}

/**
 * One timed measurement: a warm-up, then BENCH_DURATION seconds of load, costed on the server
 * with process id pid; printed on one line and recorded under key.
 */
export async function measure(
  rec: Recorder,
  settings: TimedSettings,
  pid: number | undefined,
  key: string,
  label: string,
  load: Load,
): Promise<Measured> {
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
  rec.measured.push({ key, label, m });
  const problems = m.non2xx || m.errors ? `  ${m.non2xx} non-2xx, ${m.errors} errors: INVALID` : "";
  if (problems) rec.failed = true;
  const spent = fmtCost(m);
  console.log(
    `${fmtInt(m.rps)} req/s, p50 ${fmtMs(m.p50)} ms, p99 ${fmtMs(m.p99)} ms${spent ? ` (${spent})` : ""}${problems}`,
  );
  return m;
}
