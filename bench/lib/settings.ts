import { parseArgs } from "node:util";

// bench/run.ts's flags and settings (BENCH_* and the server's own variables).

/** The scenarios --only picks from, in the order they run. */
export const SCENARIOS = [
  "tracking",
  "queue",
  "portal",
  "portal-work",
  "analytics",
  "submissions",
  "browser",
  "memory",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

const HELP = `Usage: npm run bench [-- options]
       node bench/run.ts [options]

Starts Portico (node bin/portico.js serve) and a bare node:http JSON server as child processes on
loopback, seeds a workspace with BENCH_TICKETS tickets directly through the database layer, and
measures with autocannon:
  - the bare server (the baseline)
  - the public tracking read   GET  /api/public/portals/:slug/tickets/:reference?t=TOKEN
  - the agent queue            GET  /api/workspace/tickets (plain, ?status=open, ?q=invoice)
  - the signed-in portal       GET  /api/portal/:slug/home, /tickets and the home page
  - the five-section home      GET  /api/portal/:slug/home and the page, as the busy company's
                                    manager (500 requests, 50 tasks, 200 documents)
  - the insights dashboard     GET  /api/workspace/analytics over a year (20,000 surveys more
                                    are seeded for it), one connection: p50 and p99
  - ticket submission          POST /api/public/portals/:slug/tickets (every one a new ticket)
then the submit page /portal/:slug/submit: its JavaScript gzipped, and its load in Chromium on a
375x812 viewport with 4x CPU throttling (first contentful paint, time until the form takes input);
last, memory: a fresh server's resident memory idle after start and after three bursts of mixed
requests (tracking reads, submissions, 404s, bad input), with its heap and external memory.

Results go to bench/results/<engine>-latest.json (engine: sqlite, or postgres with DATABASE_URL);
each number is printed beside the previous run's.

Options:
  -h, --help       this text
  --no-save        do not write bench/results/<engine>-latest.json (still compares with it)
  --skip-browser   skip the Chromium page loads (the JavaScript size is still measured)
  --only LIST      run only these scenarios (comma-separated; the bare server always runs):
                   ${SCENARIOS.join(", ")}. A partial run
                   prints its numbers and targets but neither compares nor saves them
  --keep-data      keep the seeded database (the SQLite folder, or the PostgreSQL database) and
                   print where it is, to look at query plans afterwards

Environment:
  BENCH_TICKETS      tickets seeded into the workspace (default 100000)
  BENCH_DURATION     seconds per measurement (default 10)
  BENCH_WARMUP       seconds of warm-up before each measurement (default 2)
  BENCH_CONNECTIONS  concurrent connections per measurement (default 50)
  BENCH_PAGE_LOADS   Chromium page loads whose median is reported (default 5)
  BENCH_MEMORY_REQUESTS
                     requests in each of the memory scenario's three bursts (default 20000)
  DATABASE_URL       postgres://… : run on PostgreSQL. A fresh database portico_bench_<time> is
                     created on that server and dropped at the end. Unset: SQLite in a temp dir.
  REDIS_URL          passed to the server when set (rate limits in Redis)
  MAIL_WORKER        passed to the server when set: false measures without the outbox delivering
  CHROMIUM_PATH      the browser (default /usr/bin/chromium)
  SQLITE_CACHE_MB    passed to the server when set: SQLite's page cache per connection
  DATABASE_POOL_SIZE passed to the server when set: PostgreSQL connections per process
  BENCH_METRICS      true: the server serves /metrics (METRICS_TOKEN), so its per-request
                     observation is measured too
  BENCH_SERVER_NODE_OPTIONS
                     NODE_OPTIONS for the Portico server only, e.g. to profile it under load:
                     "--cpu-prof --cpu-prof-dir=/tmp/portico-prof"

Exit status: 1 when a measurement is invalid (errors, non-2xx answers, submissions that did not
each create one ticket); a MISS of a target alone does not fail the run.
`;

export interface Settings {
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
  /** --only: the scenarios to run; null runs them all. */
  only: Scenario[] | null;
}

/** A wrong flag or setting: said in one line, without a stack. */
export class UsageError extends Error {}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(`${name} must be a number of at least ${min}, got "${raw}"`);
  }
  return value;
}

/** The settings, or null when --help was given (and printed). */
export function readSettings(): Settings | null {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h" },
      "no-save": { type: "boolean" },
      "skip-browser": { type: "boolean" },
      "keep-data": { type: "boolean" },
      only: { type: "string" },
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
    only: values.only === undefined ? null : readOnly(values.only),
  };
}

function readOnly(list: string): Scenario[] {
  const names = list
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new UsageError(`--only takes ${SCENARIOS.join(", ")}; got "${list}"`);
  }
  return names as Scenario[];
}
