import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { systemActor } from "../src/server/actors.ts";
import { loadConfig } from "../src/server/config.ts";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { closeContext, createContext } from "../src/server/main.ts";
import { createWorkspace } from "../src/server/workspaces/workspace.service.ts";
import { type Child, sleep, startChild } from "./lib/children.ts";
import { ROOT } from "./lib/paths.ts";
import { readJsonFile, resultsPath, writeResults } from "./lib/results.ts";

// node bench/files.ts: concurrent uploads through Portico's /api/public/upload (streamed, type
// checked, encrypted, stored) next to a bare node:http server streaming the same bodies to disk,
// both in child processes, with the server processes' peak memory. See bench/README.md.

const HELP = `Usage: node bench/files.ts [options]

Starts Portico (node bin/portico.js serve, local encrypted store) and a bare node:http server that
streams request bodies to disk (bench/bare-upload-server.ts), each as a child process on loopback.
Against each, sends BENCH_FILE_ROUNDS rounds of BENCH_FILE_CONCURRENCY concurrent uploads of
BENCH_FILE_MB MB (a PDF), and reports per server:
  - throughput (MB/s of file data accepted)
  - peak resident memory of the server process (VmHWM) and its growth over the idle process
  - the peak after the first round and after the last, to show it does not grow with the files
Portico's numbers are also given as a ratio of the bare server's.

Results go to bench/results/files-<engine>-latest.json (engine: sqlite, or postgres with
DATABASE_URL) and are printed beside the previous run's.

Options:
  -h, --help     this text
  --no-save      do not write the results file

Environment:
  BENCH_FILE_CONCURRENCY  uploads at once (default 20)
  BENCH_FILE_MB           size of each upload in MB (default 10; Portico's limit is 10)
  BENCH_FILE_ROUNDS       rounds per server (default 3)
  DATABASE_URL            postgres://… : a fresh database is created on that server and dropped
`;

const { values: flags } = parseArgs({
  options: { help: { type: "boolean", short: "h" }, "no-save": { type: "boolean" } },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const CONCURRENCY = Number(process.env.BENCH_FILE_CONCURRENCY ?? 20);
const MB = Number(process.env.BENCH_FILE_MB ?? 10);
const ROUNDS = Number(process.env.BENCH_FILE_ROUNDS ?? 3);
const engine = process.env.DATABASE_URL ? "postgres" : "sqlite";

/** Resident memory now and at its peak, in MB, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Lets the peak be measured afresh: writing 5 to clear_refs resets VmHWM to the current RSS. */
function resetPeak(pid: number) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not allowed here: the peak then covers the whole life of the process.
  }
}

function upload(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "content-length": body.length },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    // Written in 64 KiB pieces, as a browser or a proxy would send them.
    let offset = 0;
    const pump = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + 65536);
        offset += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

interface Measured {
  mbPerSecond: number;
  idleRssMb: number;
  peakRssMbFirstRound: number;
  peakRssMbLastRound: number;
  peakGrowthMb: number;
}

async function measure(
  label: string,
  child: Child,
  url: (i: number) => string,
  body: Buffer,
): Promise<Measured> {
  const pid = child.proc.pid as number;
  // One small upload first, so code paths are loaded before the idle figure is taken.
  await upload(url(-1), body.subarray(0, 1024 * 1024));
  await sleep(300);
  const idle = memoryOf(pid).rss;
  resetPeak(pid);
  const peaks: number[] = [];
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) => upload(url(r * CONCURRENCY + i), body)),
    );
    const bad = statuses.filter((s) => s !== 201);
    if (bad.length) throw new Error(`${label}: ${bad.length} uploads answered ${bad[0]}`);
    bytes += body.length * CONCURRENCY;
    peaks.push(memoryOf(pid).peak);
    console.log(`  ${label}: round ${r + 1}/${ROUNDS}, peak RSS ${peaks.at(-1)?.toFixed(0)} MB`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const last = peaks.at(-1) as number;
  return {
    mbPerSecond: bytes / 1024 / 1024 / seconds,
    idleRssMb: idle,
    peakRssMbFirstRound: peaks[0] as number,
    peakRssMbLastRound: last,
    peakGrowthMb: last - idle,
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-files-"));
  const bareDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-bare-"));
  const pg = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL, "portico_bench_files")
    : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    UPLOAD_RATE_LIMIT: "1000000000",
    ...(pg ? { DATABASE_URL: pg.url } : {}),
  };
  const children: Child[] = [];
  try {
    const ctx = await createContext(loadConfig(env));
    await createWorkspace(ctx, systemActor("bench"), { slug: "bench", name: "Bench" });
    await closeContext(ctx);

    const body = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(MB * 1024 * 1024 - 9)]);
    console.log(
      `files bench (${engine}): ${ROUNDS} rounds of ${CONCURRENCY} concurrent ${MB} MB uploads per server`,
    );

    const bare = await startChild(
      "bare",
      ["bench/bare-upload-server.ts"],
      { ...env, BARE_UPLOAD_DIR: bareDir },
      "/healthz",
    );
    children.push(bare);
    const baseline = await measure("bare node:http", bare, () => `${bare.base}/upload`, body);
    await bare.stop();
    fs.rmSync(bareDir, { recursive: true, force: true });

    const portico = await startChild("portico", ["bin/portico.js", "serve"], env, "/healthz");
    children.push(portico);
    const measured = await measure(
      "Portico",
      portico,
      (i) => `${portico.base}/api/public/upload?portal=bench&name=bench-${i + 1}.pdf`,
      body,
    );
    await portico.stop();

    const result = {
      engine,
      at: new Date().toISOString(),
      settings: { concurrency: CONCURRENCY, fileMb: MB, rounds: ROUNDS },
      baseline,
      portico: measured,
      ratios: {
        throughput: measured.mbPerSecond / baseline.mbPerSecond,
        peakGrowth: measured.peakGrowthMb / Math.max(1, baseline.peakGrowthMb),
      },
      /** Memory held at the peak per MB of file data in one round: far below 1 means streamed. */
      peakGrowthPerRoundData: measured.peakGrowthMb / (CONCURRENCY * MB),
    };
    const file = resultsPath(`files-${engine}`);
    const previous = readJsonFile<typeof result>(file) ?? undefined;
    const row = (name: string, now: number, before: number | undefined, unit: string) =>
      console.log(
        `  ${name.padEnd(44)} ${now.toFixed(2).padStart(9)} ${unit}${before !== undefined ? `   (previous ${before.toFixed(2)})` : ""}`,
      );
    console.log("");
    row("bare node:http throughput", baseline.mbPerSecond, previous?.baseline.mbPerSecond, "MB/s");
    row("Portico throughput", measured.mbPerSecond, previous?.portico.mbPerSecond, "MB/s");
    row("Portico / bare throughput", result.ratios.throughput, previous?.ratios.throughput, "×");
    row("bare peak RSS growth", baseline.peakGrowthMb, previous?.baseline.peakGrowthMb, "MB");
    row("Portico peak RSS growth", measured.peakGrowthMb, previous?.portico.peakGrowthMb, "MB");
    row(
      "Portico peak, first round",
      measured.peakRssMbFirstRound,
      previous?.portico.peakRssMbFirstRound,
      "MB",
    );
    row("Portico peak, last round", measured.peakRssMbLastRound, previous?.portico.peakRssMbLastRound, "MB");
    row(
      `Portico peak growth / data in one round (${CONCURRENCY * MB} MB)`,
      result.peakGrowthPerRoundData,
      previous?.peakGrowthPerRoundData,
      "×",
    );
    if (!flags["no-save"]) {
      writeResults(file, result);
      console.log(`\n  saved ${path.relative(ROOT, file)}`);
    }
  } finally {
    for (const c of children) await c.stop().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(bareDir, { recursive: true, force: true });
    await pg?.drop();
  }
}

await main();
