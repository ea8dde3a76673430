import { promises as dns } from "node:dns";
import type { AppContext } from "../context.ts";
import { domainOfIdentity, domainsAligned, parseAuthenticationResults } from "../lib/auth-results.ts";
import type { DnsResolver } from "../ports.ts";

// Whether an incoming message really comes from the address in its From line: DMARC, or, for a
// domain that publishes no DMARC policy, SPF or DKIM aligned with that domain (decision 0013).
// Checked here with mailauth over DNS, or read from the Authentication-Results header of the
// receiving mail server the operator names (INBOUND_TRUSTED_AUTHSERV_ID). Never throws: a DNS
// failure or a check past its time limit is a temporary error, and the sender is not verified.

export interface SenderCheck {
  verified: boolean;
  /** DMARC failed under a policy the domain publishes: its owner says the message is not theirs. */
  dmarcFailed: boolean;
  /** What was found, for agents and the inbound row: "dmarc=fail spf=fail dkim=none". */
  summary: string;
}

export interface SenderFacts {
  /** The From address (normalised); its domain is the one that must be authenticated. */
  from: string;
  /** The SMTP envelope: the connecting client's address and HELO name, and MAIL FROM. */
  clientIp: string | null;
  helo: string | null;
  envelopeFrom: string | null;
}

/** The system's resolver, each lookup bounded (2.5 s, two tries). */
export function systemDnsResolver(): DnsResolver {
  const resolver = new dns.Resolver({ timeout: 2500, tries: 2 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

class CheckTimedOut extends Error {
  readonly code = "ETIMEOUT";
}

/** Rejects with a DNS timeout once `ms` have passed; the timer never keeps the process alive. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimedOut(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

const notVerified = (summary: string, dmarcFailed = false): SenderCheck => ({
  verified: false,
  dmarcFailed,
  summary,
});

export async function checkSender(ctx: AppContext, raw: Buffer, facts: SenderFacts): Promise<SenderCheck> {
  const trusted = ctx.config.inboundTrustedAuthservId;
  if (trusted) return fromTrustedHeader(raw, trusted, facts.from);
  const deadline = ctx.config.inboundAuthTimeoutMs;
  // Each lookup is bounded too, so a resolver that never answers ends as temperror inside
  // mailauth, and the whole check is bounded again from outside.
  const resolver: DnsResolver = (name, rrtype) => within(ctx.dns(name, rrtype), deadline);
  try {
    // Loaded on the first message checked: mailauth and what it brings (a validation library, an
    // HTTP client, X.509 parsing) is several MB of heap that a process without inbound mail never uses.
    const { authenticate } = await import("mailauth");
    const r = await within(
      authenticate(raw, {
        ip: facts.clientIp ?? undefined,
        helo: facts.helo ?? undefined,
        sender: facts.envelopeFrom || undefined,
        mta: new URL(ctx.config.publicUrl ?? "http://portico.localhost").hostname,
        resolver,
        disableArc: true,
        disableBimi: true,
      }),
      deadline,
    );
    const spf = r.spf ? r.spf.status.result : "none";
    const dkimPassed = r.dkim.results.filter((d) => d.status.result === "pass");
    const dkim = dkimPassed.length ? "pass" : (r.dkim.results[0]?.status.result ?? "none");
    const dmarc = r.dmarc ? r.dmarc.status.result : `none (${r.dmarcSkipReason ?? "no author domain"})`;
    const summary = `dmarc=${dmarc} spf=${spf} dkim=${dkim}`;
    const fromDomain = domainOfIdentity(facts.from);
    // mailauth reads the From header itself; its domain must be the one we take the sender from.
    if (!r.dmarc || r.dmarc.status.header?.from !== fromDomain) return notVerified(summary);
    if (dmarc === "pass") return { verified: true, dmarcFailed: false, summary };
    if (dmarc === "fail") return notVerified(summary, true);
    if (dmarc !== "none") return notVerified(summary);
    const spfAligned = spf === "pass" && r.spf !== false && domainsAligned(r.spf.domain, fromDomain);
    const dkimAligned = dkimPassed.some(
      (d) => d.signingDomain && domainsAligned(d.signingDomain, fromDomain),
    );
    return spfAligned || dkimAligned ? { verified: true, dmarcFailed: false, summary } : notVerified(summary);
  } catch (err) {
    ctx.log.warn({ err }, "the sender of an incoming email could not be checked");
    return notVerified(
      `temperror (${err instanceof Error ? err.message.slice(0, 120) : "the check failed"})`,
    );
  }
}

/** The raw header block, unfolded, as name/value pairs in order (top first). */
function headerLines(raw: Buffer): { name: string; value: string }[] {
  let end = raw.indexOf("\r\n\r\n");
  if (end < 0) end = raw.indexOf("\n\n");
  const head = raw
    .subarray(0, Math.min(end < 0 ? raw.length : end, 512 * 1024))
    .toString("latin1")
    .replace(/\r?\n[ \t]+/g, " ");
  return head.split(/\r?\n/).flatMap((line) => {
    const colon = line.indexOf(":");
    return colon > 0
      ? [{ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) }]
      : [];
  });
}

/**
 * The verdict of the trusted server: the topmost Authentication-Results it wrote (a server
 * adds its own above what came in, and removes forged ones with its name, RFC 8601 section 5).
 */
function fromTrustedHeader(raw: Buffer, authservId: string, from: string): SenderCheck {
  const header = headerLines(raw)
    .filter((h) => h.name === "authentication-results")
    .map((h) => parseAuthenticationResults(h.value))
    .find((r) => r?.authservId === authservId);
  if (!header) return notVerified(`no Authentication-Results from ${authservId}`);
  const first = (method: string) => header.results.find((r) => r.method === method);
  const dmarc = first("dmarc");
  const spf = first("spf");
  const dkims = header.results.filter((r) => r.method === "dkim");
  const dkim = dkims.some((d) => d.result === "pass") ? "pass" : (dkims[0]?.result ?? "none");
  const summary = `dmarc=${dmarc?.result ?? "none"} spf=${spf?.result ?? "none"} dkim=${dkim} (by ${authservId})`;
  const fromDomain = domainOfIdentity(from);
  // A DMARC verdict counts only for the domain of the From address we read.
  const headerFrom = dmarc?.props["header.from"];
  if (dmarc && (!headerFrom || domainOfIdentity(headerFrom) !== fromDomain)) return notVerified(summary);
  if (dmarc?.result === "pass") return { verified: true, dmarcFailed: false, summary };
  if (dmarc?.result === "fail") return notVerified(summary, true);
  if (dmarc && dmarc.result !== "none") return notVerified(summary);
  const mailFrom = spf?.props["smtp.mailfrom"];
  const spfAligned = spf?.result === "pass" && mailFrom !== undefined && domainsAligned(mailFrom, fromDomain);
  const dkimAligned = dkims.some((d) => {
    const signer = d.props["header.d"] ?? d.props["header.i"];
    return d.result === "pass" && signer !== undefined && domainsAligned(signer, fromDomain);
  });
  return spfAligned || dkimAligned ? { verified: true, dmarcFailed: false, summary } : notVerified(summary);
}
