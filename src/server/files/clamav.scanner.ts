import net from "node:net";
import type { Logger } from "pino";
import type { ClamAvSettings } from "../config.ts";
import type { ClamdAddress } from "../lib/clamav-url.ts";
import type { FileScanner, ScanSubject, ScanVerdict } from "../ports.ts";

// ClamAV through clamd: each upload's plaintext is streamed to the daemon with INSTREAM (over
// TCP or its unix socket) and its one-line answer decides. An answer that names a signature
// refuses the file; no answer in time (clamd down, overloaded, a size limit of its own) follows
// CLAMAV_ON_ERROR: refuse the upload, or accept it marked as not scanned (file.service.ts).

/** clamd takes the stream in chunks, each after its length as a 4-byte big-endian number. */
const CHUNK = 64 * 1024;

/** A scan that could not be completed: clamd unreachable, too slow, or answering an error. */
export class ScannerUnavailable extends Error {}

/** Sends one clamd command ("z" form: NUL-terminated) and returns its NUL-terminated answer. */
function talk(
  address: ClamdAddress,
  timeoutMs: number,
  send: (socket: net.Socket) => Promise<void>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket =
      address.kind === "tcp"
        ? net.connect({ host: address.host, port: address.port })
        : net.connect({ path: address.path });
    let answer = "";
    let settled = false;
    const finish = (err: Error | null, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as string);
    };
    const timer = setTimeout(
      () => finish(new ScannerUnavailable(`no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      answer += d;
      const end = answer.indexOf("\0");
      if (end >= 0) finish(null, answer.slice(0, end).trim());
    });
    // clamd may answer (a limit exceeded) and close before the stream is through: its answer wins.
    socket.on("end", () =>
      finish(answer ? null : new ScannerUnavailable("clamd closed the connection"), answer.trim()),
    );
    socket.on("error", (err) =>
      finish(answer ? null : new ScannerUnavailable(err.message), answer.replace(/\0.*$/s, "").trim()),
    );
    socket.once("connect", () => {
      send(socket).catch((err: Error) => {
        if (!answer) finish(new ScannerUnavailable(err.message));
      });
    });
  });
}

function write(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error("connection closed"));
    if (socket.write(data)) return resolve();
    const onDrain = () => {
      socket.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      socket.off("drain", onDrain);
      reject(new Error("connection closed"));
    };
    socket.once("drain", onDrain);
    socket.once("close", onClose);
  });
}

async function streamTo(socket: net.Socket, file: ScanSubject): Promise<void> {
  await write(socket, Buffer.from("zINSTREAM\0"));
  for await (const piece of file.open()) {
    const data = piece as Buffer;
    for (let at = 0; at < data.length; at += CHUNK) {
      const part = data.subarray(at, at + CHUNK);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(part.length);
      await write(socket, Buffer.concat([size, part]));
    }
  }
  // A zero length ends the stream; the answer follows.
  await write(socket, Buffer.alloc(4));
}

/** "stream: OK", "stream: Eicar-Signature FOUND", or "… ERROR" (a limit, a broken stream). */
function verdictOf(answer: string): { clean: true } | { clean: false; signature: string } {
  if (/^stream: OK$/.test(answer)) return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(answer);
  if (found) return { clean: false, signature: (found[1] as string).slice(0, 200) };
  throw new ScannerUnavailable(`clamd answered "${answer.slice(0, 200)}"`);
}

export function createClamAvScanner(settings: ClamAvSettings, log: Logger): FileScanner {
  const { address, timeoutMs, onError } = settings;
  return {
    name: "clamav",
    check: () => talk(address, timeoutMs, (s) => write(s, Buffer.from("zVERSION\0"))),
    async scan(file: ScanSubject): Promise<ScanVerdict> {
      try {
        const result = verdictOf(await talk(address, timeoutMs, (s) => streamTo(s, file)));
        if (result.clean) return { ok: true };
        return { ok: false, reason: "malware was found in it", infected: result.signature };
      } catch (err) {
        if (!(err instanceof ScannerUnavailable)) throw err;
        log.error({ scanner: "clamav", clamd: settings.url, err: err.message }, "the malware scan failed");
        return onError === "accept"
          ? { ok: true, unscanned: err.message }
          : { ok: false, reason: "it could not be checked for malware", unavailable: true };
      }
    },
  };
}
