import http from "node:http";
import type { AppContext } from "../context.ts";
import { isInternalHost } from "../lib/public-https-url.ts";

// The two ways an admin proves a custom domain (custom-domain.ts verifies with either):
// - HTTP: Portico asks http://<domain>/.well-known/portico-domain-verification/<token> and expects
//   the token. Portico answers that path itself on a Host equal to a pending domain (domains.routes.ts),
//   so pointing the name at this server is enough. That proves the name resolves to this server,
//   which is what serving the portal there needs; it does not prove who owns the name (whoever
//   can point DNS at us can use this check; TLS certificates are issued on the same basis).
// - DNS: a TXT record _portico.<domain> = portico-verification=<token>, which only someone who
//   controls the domain's zone can publish.
// Both are bounded in time. The HTTP check goes only to the admin's domain, port 80 (or
// DOMAIN_CHECK_HTTP_PORT), to the address it was resolved to here (no second lookup a rebinding
// DNS could change), never follows a redirect, reads at most 1 KB, and refuses an internal address
// (loopback, private, link-local…) unless DOMAIN_CHECK_ALLOW_INTERNAL is on.

export const WELL_KNOWN_PATH = "/.well-known/portico-domain-verification";
export const TXT_PREFIX = "portico-verification=";
export const txtNameOf = (domain: string) => `_portico.${domain}`;

const CHECK_MS = 5000;
const BODY_MAX = 1024;

export interface CheckResult {
  ok: boolean;
  /** What was found, for the admin: why it failed, or how it passed. */
  detail: string;
}

class TimedOut extends Error {}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const flat = (answer: string[][] | string[]) => answer.map((a) => (Array.isArray(a) ? a.join("") : a));

async function lookup(ctx: AppContext, name: string, rrtype: string): Promise<string[]> {
  try {
    return flat(await within(ctx.dns(name, rrtype), CHECK_MS));
  } catch (err) {
    if (err instanceof TimedOut) throw err;
    return [];
  }
}

const why = (err: unknown) =>
  err instanceof TimedOut ? err.message : err instanceof Error ? err.message : String(err);

/** The DNS proof: a TXT record at _portico.<domain> holding portico-verification=<token>. */
export async function checkDnsTxt(ctx: AppContext, domain: string, token: string): Promise<CheckResult> {
  const name = txtNameOf(domain);
  try {
    const values = await lookup(ctx, name, "TXT");
    if (values.some((v) => v.trim() === `${TXT_PREFIX}${token}`)) {
      return { ok: true, detail: `TXT ${name} holds the token` };
    }
    return {
      ok: false,
      detail: values.length ? `TXT ${name} does not hold this token` : `no TXT record at ${name}`,
    };
  } catch (err) {
    return { ok: false, detail: `DNS lookup of ${name}: ${why(err)}` };
  }
}

function fetchToken(
  address: string,
  port: number,
  domain: string,
  token: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: address,
        port,
        path: `${WELL_KNOWN_PATH}/${encodeURIComponent(token)}`,
        // The whole check has a deadline: a server trickling a byte at a time is cut at it.
        signal,
        headers: { host: domain, "user-agent": "Portico domain check", accept: "text/plain" },
        timeout: CHECK_MS,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          if (body.length > BODY_MAX) res.destroy();
        });
        res.on("close", () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, BODY_MAX) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new TimedOut(`no answer within ${CHECK_MS / 1000} s`)));
    req.on("error", reject);
  });
}

/** The HTTP proof: http://<domain>/.well-known/portico-domain-verification/<token> answers the token. */
export async function checkHttp(ctx: AppContext, domain: string, token: string): Promise<CheckResult> {
  const { allowInternal, httpPort } = ctx.config.domainCheck;
  const target = `http://${domain}${httpPort === 80 ? "" : `:${httpPort}`}${WELL_KNOWN_PATH}/…`;
  const deadline = new AbortController();
  try {
    const addresses = [...(await lookup(ctx, domain, "A")), ...(await lookup(ctx, domain, "AAAA"))];
    if (addresses.length === 0) return { ok: false, detail: `${domain} has no A or AAAA record` };
    const internal = addresses.filter((a) => isInternalHost(a));
    if (internal.length && !allowInternal) {
      return { ok: false, detail: `${domain} resolves to an internal address (${internal.join(", ")})` };
    }
    const address = addresses[0] as string;
    const { status, body } = await within(
      fetchToken(address, httpPort, domain, token, deadline.signal),
      CHECK_MS * 2,
    ).finally(() => deadline.abort());
    if (status !== 200) return { ok: false, detail: `${target} answered ${status}` };
    if (body.trim() !== token)
      return { ok: false, detail: `${target} did not answer this workspace's token` };
    return { ok: true, detail: `${target} answered the token` };
  } catch (err) {
    return { ok: false, detail: `${target}: ${why(err)}` };
  }
}
