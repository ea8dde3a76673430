import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { ROOT } from "./paths.ts";

// The servers under measurement, each a child process on loopback.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
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

export interface Child {
  name: string;
  base: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node ...args` on a free port (PORT) and waits until it answers readyPath. */
export async function startChild(
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
