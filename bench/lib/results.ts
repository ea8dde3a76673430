import fs from "node:fs";
import path from "node:path";
import { fmtInt, fmtMs, fmtPct, table } from "./format.ts";
import { RESULTS_DIR, ROOT } from "./paths.ts";

// bench/results/<name>-latest.json: kept in git, so that each run is compared with the last.

export type Direction = "higher" | "lower";
export interface Metric {
  value: number;
  better: Direction;
}

export interface ResultsFile {
  engine: string;
  date: string;
  metrics: Record<string, Metric>;
  settings?: { tickets?: number; duration?: number; connections?: number };
  [k: string]: unknown;
}

export const resultsPath = (name: string) => path.join(RESULTS_DIR, `${name}-latest.json`);

/** The file's JSON, or null when it is missing or not JSON. */
export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

/** The previous run of bench/run.ts, when it has metrics to compare with. */
export function readPrevious(file: string): ResultsFile | null {
  const r = readJsonFile<ResultsFile>(file);
  return r && typeof r.metrics === "object" ? r : null;
}

export function writeResults(file: string, out: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

/** Prints every metric beside the previous run's, with the change (better or worse beyond ±5%). */
export function printComparison(
  metrics: Record<string, Metric>,
  previous: ResultsFile | null,
  file: string,
  settings: { tickets: number; duration: number; connections: number },
): void {
  if (!previous) {
    console.log(`no previous results in ${path.relative(ROOT, file)}`);
    return;
  }
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
