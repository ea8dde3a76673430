import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Portico as operators run it, for the drills (ops/): `bin/portico.js serve` in a child process on
// loopback, its output kept for the failure message, its exit watched, and never left behind.

export const PORTICO_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../bin/portico.js",
);

/** The environment of a drill's process: the caller's, without its database, plus `env`. */
export function drillEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== "DATABASE_URL" && k !== "REDIS_URL") out[k] = v;
  }
  Object.assign(out, {
    LOG_LEVEL: "warn",
    PASSWORD_HASH_COST: "12",
    SUBMIT_RATE_LIMIT_PER_HOUR: "1000000",
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "1000000",
  });
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** A CLI command to its end (bounded): its exit code and output. */
export function porticoCommand(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [PORTICO_BIN, ...args], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  return { code: r.status, out: r.stdout, err: r.error ? `${r.error.message}\n${r.stderr}` : r.stderr };
}

/**
 * The same, without blocking this process meanwhile: for a command run while the test serves
 * or writes (a backup of a server under load).
 */
export function porticoCommandAsync(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PORTICO_BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    // A command that never ends fails here, named, instead of holding the whole run.
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export interface PorticoProcess {
  child: ChildProcess;
  base: string;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  /** Its exit code or signal once it ended; null while it runs. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Resolves when it ends (or at once if it has). */
  ended: Promise<void>;
  /** Resolves once /healthz answers; throws with its output if it ends or takes too long. */
  listening(timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it does not end in time. */
  stop(): Promise<void>;
}

export function startPortico(env: Record<string, string>, port: number): PorticoProcess {
  const child = spawn(process.execPath, [PORTICO_BIN, "serve"], {
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const ended = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      process.removeListener("exit", killOnExit);
      resolve();
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    output: () => output,
    exited: () => exit,
    ended,
    async listening(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exit) throw new Error(`Portico ended (${JSON.stringify(exit)}) before listening:\n${output}`);
        try {
          const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline)
          throw new Error(`Portico did not listen within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (exit) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await ended;
      clearTimeout(timer);
    },
  };
}

/**
 * Until `check` holds, every `everyMs` (100), at most `timeoutMs`; then throws naming `what` and,
 * given `state`, what it saw last.
 */
export async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  opts: { everyMs?: number; state?: () => Promise<unknown> } = {},
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const seen = opts.state ? `: ${JSON.stringify(await opts.state())}` : "";
      throw new Error(`timed out waiting for: ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

export interface Answer {
  kind: "submit" | "track";
  status: number;
  code?: string;
  retryAfter?: string | null;
  /** Set when no HTTP answer came at all. */
  failure?: string;
  at: number;
}

/**
 * `workers` clients in a loop, each submitting a ticket through the JSON API and reading back the
 * last one it got acknowledged, until stopped; every answer is kept, and every acknowledged
 * ticket's reference and token.
 */
export function load(base: string, slug: string, workers: number) {
  const answers: Answer[] = [];
  const acknowledged: { reference: string; token: string }[] = [];
  let running = true;
  const one = async (kind: Answer["kind"], url: string, init?: RequestInit) => {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      const answer: Answer = {
        kind,
        status: res.status,
        code,
        retryAfter: res.headers.get("retry-after"),
        at: Date.now(),
      };
      answers.push(answer);
      return { answer, text };
    } catch (err) {
      answers.push({ kind, status: 0, failure: (err as Error).message, at: Date.now() });
      return null;
    }
  };
  const worker = async (w: number) => {
    let mine: { reference: string; token: string } | undefined;
    for (let i = 0; running; i++) {
      const r = await one("submit", `${base}/api/public/portals/${slug}/tickets`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: `Drill ${w}`,
          email: `drill-${w}@customer.test`,
          subject: `Drill ${w}.${i}`,
          description: "Sent while the drill stops things.",
        }),
      });
      if (r?.answer.status === 201) {
        const body = JSON.parse(r.text) as { reference: string; trackingUrl: string };
        mine = {
          reference: body.reference,
          token: new URL(body.trackingUrl, base).searchParams.get("t") as string,
        };
        acknowledged.push(mine);
      }
      if (mine) {
        await one(
          "track",
          `${base}/api/public/portals/${slug}/tickets/${mine.reference}?t=${encodeURIComponent(mine.token)}`,
        );
      }
      // Frugal: the machine is shared; the drill needs steady traffic, not the most of it.
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    answers,
    acknowledged,
    async stop() {
      running = false;
      await done;
    },
  };
}
