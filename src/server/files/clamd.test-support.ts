import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort, startDaemon } from "../test/daemon.ts";

// A throwaway clamd for tests: its own config, database, sockets and log in a temp dir, on a free
// loopback port and a unix socket. Nothing of the system's /etc/clamav is read, and no official
// signatures are needed (they cannot be downloaded here): the database is one .hdb line, the
// EICAR test file's MD5, size and a name, which is enough for clamd to answer FOUND for it.

export const CLAMD = process.env.CLAMD_PATH ?? "/usr/sbin/clamd";
export const hasClamd = fs.existsSync(CLAMD);
export const NO_CLAMD = "clamd not installed (apt-get install clamav-daemon): ClamAV tests skipped";

/** The industry's harmless test file: every scanner reports it as malware. */
export const EICAR = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
export const EICAR_SIGNATURE = "Portico.Test.EICAR";

export interface TestClamd {
  /** tcp://127.0.0.1:port */
  url: string;
  /** unix:/…/clamd.sock */
  socketUrl: string;
  stop(): Promise<void>;
}

/** PING → PONG: clamd has loaded its database and answers. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => socket.write("zPING\0"));
    socket.on("data", (d) => {
      answer += d.toString("utf8");
      if (answer.includes("\0")) done(answer.startsWith("PONG"));
    });
    socket.once("error", () => done(false));
    socket.once("end", () => done(answer.startsWith("PONG")));
  });
}

/** Starts clamd and waits for its PONG; null when clamd is not installed. */
export async function startClamd(): Promise<TestClamd | null> {
  if (!hasClamd) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-clamd-"));
  const db = path.join(dir, "db");
  fs.mkdirSync(db);
  const md5 = createHash("md5").update(EICAR).digest("hex");
  fs.writeFileSync(path.join(db, "portico-test.hdb"), `${md5}:${EICAR.length}:${EICAR_SIGNATURE}\n`);
  const port = await freePort();
  const socket = path.join(dir, "clamd.sock");
  const conf = `# Portico test instance
Foreground yes
DatabaseDirectory ${db}
TCPSocket ${port}
TCPAddr 127.0.0.1
LocalSocket ${socket}
PidFile ${dir}/clamd.pid
LogFile ${dir}/clamd.log
# Above the 10 MB an upload may have.
StreamMaxLength 12M
`;
  const confPath = path.join(dir, "clamd.conf");
  fs.writeFileSync(confPath, conf);

  const { stop } = await startDaemon({
    name: "clamd",
    command: CLAMD,
    args: ["--foreground", "-c", confPath],
    dir,
    port,
    ready: () => pong(port),
    timeoutMs: 60_000,
    pollMs: 100,
    logFile: path.join(dir, "clamd.log"),
  });
  return { url: `tcp://127.0.0.1:${port}`, socketUrl: `unix:${socket}`, stop };
}
