import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

// A throwaway daemon for a test (Dovecot, clamd): started on loopback from its own config in its
// own temporary folder, waited for until it answers, stopped and removed afterwards, and never
// left behind when the test run ends without stopping it.

/** A loopback TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DaemonSpec {
  /** For the error message: "Dovecot", "clamd". */
  name: string;
  command: string;
  args: string[];
  /** Its environment; unset inherits this process's. */
  env?: NodeJS.ProcessEnv;
  /** The daemon's temporary folder: removed on stop. */
  dir: string;
  port: number;
  /** Whether the daemon answers yet. */
  ready(): Promise<boolean>;
  timeoutMs: number;
  pollMs: number;
  /** Its own log file, added to the error when it does not start. */
  logFile?: string;
}

/** Starts the daemon and resolves once `ready()` holds; throws with its output when it does not. */
export async function startDaemon(spec: DaemonSpec): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(spec.command, spec.args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(spec.env ? { env: spec.env } : {}),
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  let exited = false;
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      process.removeListener("exit", killOnExit);
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
    }
    fs.rmSync(spec.dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + spec.timeoutMs;
  while (!(await spec.ready())) {
    if (exited || Date.now() > deadline) {
      let log = "";
      try {
        if (spec.logFile) log = fs.readFileSync(spec.logFile, "utf8");
      } catch {
        // no log written yet
      }
      await stop();
      throw new Error(`${spec.name} did not start on port ${spec.port}:\n${output}${log}`);
    }
    await new Promise((r) => setTimeout(r, spec.pollMs));
  }
  return { stop };
}
