import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** What a measurement cost beside its answers (Linux; elsewhere both undefined). */
export interface Cost {
  /** The measured server's CPU time (all its threads) per 2xx answer, in ms. */
  cpuMsPerRequest?: number | undefined;
  /** Share of the machine's CPU time taken by other guests of the host meanwhile (Linux steal). */
  stealPct?: number | undefined;
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
export function costMeter(pid: number | undefined) {
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
  return (answers: number): Cost => {
    const cpu1 = processCpuMs();
    const m1 = machine();
    return {
      cpuMsPerRequest: cpu0 !== null && cpu1 !== null && answers > 0 ? (cpu1 - cpu0) / answers : undefined,
      stealPct:
        m0 && m1 && m1.total > m0.total ? (100 * (m1.steal - m0.steal)) / (m1.total - m0.total) : undefined,
    };
  };
}

export const fmtCost = (m: Cost) =>
  [
    m.cpuMsPerRequest !== undefined ? `server CPU ${m.cpuMsPerRequest.toFixed(3)} ms/request` : "",
    m.stealPct !== undefined ? `steal ${m.stealPct.toFixed(1)}%` : "",
  ]
    .filter(Boolean)
    .join(", ");
