import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isInternalHost } from "../lib/public-https-url.ts";
import { isAllowedPrivateTarget } from "./webhook-url.ts";

// One POST of a webhook body, and nothing more: no redirects followed, the whole exchange
// bounded (10 s by default), at most the first 2 KB of the answer read. The address connected
// to is checked, not the name as typed: the name is resolved here, and an internal address
// (loopback, private ranges, link-local with the cloud metadata endpoints, CGNAT, IPv4-mapped
// IPv6 …) is never connected to unless the operator allowed it (WEBHOOK_ALLOW_PRIVATE_TARGETS),
// so a name that resolves elsewhere at send time (DNS rebinding) gains nothing.

export const SEND_TIMEOUT_MS = 10_000;
/** What is read of an answer at most; the log keeps the first EXCERPT_CHARS characters. */
const READ_AT_MOST = 2048;
export const EXCERPT_CHARS = 500;

export interface SendOutcome {
  /** A 2xx within the time. */
  ok: boolean;
  /** The answer's status; null when none came. */
  status: number | null;
  durationMs: number;
  /** The first characters of the answer's body. */
  excerpt: string | null;
  /** Why it failed, for the log; null on success. */
  error: string | null;
  /** No connection was made: the address is refused (a failure, not a stop). */
  blocked: boolean;
}

/** Refused before connecting: the target is an internal address not allowed. */
class BlockedTarget extends Error {
  readonly code = "EWEBHOOKBLOCKED";
}

/** The addresses a connection may use: public ones, and internal ones the operator allowed. */
function permitted(address: string, allowed: readonly string[]): boolean {
  return !isInternalHost(address) || isAllowedPrivateTarget(address, allowed);
}

/** A resolver for sockets that answers only permitted addresses, or refuses the name. */
export function guardedLookup(allowed: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, "", 0);
        return;
      }
      // A name the operator listed is trusted with whatever it resolves to; any other name only
      // with its public addresses (or internal ones inside a listed range).
      const usable = isAllowedPrivateTarget(hostname, allowed)
        ? addresses
        : addresses.filter((a) => permitted(a.address, allowed));
      if (usable.length === 0) {
        const found = addresses.map((a) => a.address).join(", ");
        callback(new BlockedTarget(`refused: ${hostname} resolves to an internal address (${found})`), "", 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
      } else {
        const first = usable[0] as { address: string; family: number };
        callback(null, first.address, first.family);
      }
    });
  };
}

/** Keep-alive connections per sender (a worker), each through the guarded resolver. */
export interface Sender {
  send(
    url: string,
    headers: Record<string, string>,
    body: string,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<SendOutcome>;
  close(): void;
}

export function createSender(allowed: readonly string[]): Sender {
  const lookup = guardedLookup(allowed);
  const agentOptions = { keepAlive: true, maxSockets: 16, timeout: 4000 };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  return {
    send: (url, headers, body, opts = {}) => post({ url, headers, body, allowed, lookup, agents, ...opts }),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function post(p: {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowed: readonly string[];
  lookup: LookupFunction;
  agents: { http: http.Agent; https: https.Agent };
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<SendOutcome> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const timeoutMs = p.timeoutMs ?? SEND_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (o: Omit<SendOutcome, "durationMs" | "blocked"> & { blocked?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      p.signal?.removeEventListener("abort", onAbort);
      resolve({ blocked: false, ...o, durationMs: took() });
    };
    const fail = (error: string, blocked = false) =>
      finish({ ok: false, status: null, excerpt: null, error, blocked });
    let url: URL;
    try {
      url = new URL(p.url);
    } catch {
      fail("refused: not a valid address");
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // An address written out is never resolved, so it is checked here.
    if (isIP(host) && !permitted(host, p.allowed)) {
      fail(`refused: ${host} is an internal address`, true);
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      fail("refused: only http and https addresses are sent to");
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    const buf = Buffer.from(p.body, "utf8");
    const req = client.request(url, {
      method: "POST",
      agent: url.protocol === "https:" ? p.agents.https : p.agents.http,
      lookup: p.lookup,
      headers: { ...p.headers, "content-length": String(buf.length) },
    });
    timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10} s`));
    }, timeoutMs);
    const onAbort = () => req.destroy(new Error("stopped: the server is shutting down"));
    p.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err: Error & { code?: string }) => {
      fail(err.message || err.code || "the request failed", err.code === "EWEBHOOKBLOCKED");
    });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const excerpt = Buffer.concat(chunks)
          .subarray(0, READ_AT_MOST)
          .toString("utf8")
          .slice(0, EXCERPT_CHARS);
        const ok = status >= 200 && status < 300;
        const error = ok
          ? null
          : status >= 300 && status < 400
            ? `answered ${status}: redirects are not followed`
            : `answered ${status}`;
        finish({ ok, status, excerpt: excerpt || null, error });
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= READ_AT_MOST) {
          // Enough for the log: the rest is not read, and the connection is not kept.
          done();
          res.destroy();
        }
      });
      res.on("end", done);
      res.on("error", (err) => (status ? done() : fail(err.message)));
    });
    if (p.signal?.aborted) onAbort();
    req.end(buf);
  });
}
