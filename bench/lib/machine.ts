import { execFileSync } from "node:child_process";
import os from "node:os";
import { ROOT } from "./paths.ts";

/** The machine and checkout a run measured, as recorded in the results file. */
export function machineInfo() {
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

export type MachineInfo = ReturnType<typeof machineInfo>;
