import type { IncomingMessage } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { hostOfHeader, isIpHost } from "../../lib/hostname.ts";
import { type HostRows, loadHostRows, publicHostOf } from "../../workspaces/custom-domain.ts";
import { portalUrl } from "../../workspaces/portal-url.ts";
import { plainNotFound } from "./customer.layout.ts";
import { newNonce } from "./html-response.ts";

// Which workspace a request's Host names. PUBLIC_URL's host (and localhost, an IP address, or any
// host when PUBLIC_URL is unset) is this server's own address: every tree as usual, with old
// slugs answered 301 to the current one. A verified custom domain serves its workspace's portal
// at its root: "/" is /portal/<slug>, "/kb" is /portal/<slug>/kb and so on, its own
// /portal/<slug>/… paths (the pages' links) and the portal's APIs as they are; another slug is
// not found (one workspace per host); the agents' /app, /api and /setup are sent to PUBLIC_URL.
// An old custom domain answers 301 to the portal's current address. Any other host is not found.
//
// Fastify's rewriteUrl is synchronous, so the hosts are an in-memory table, loaded before the
// app listens, reloaded at once after a change in this process and every REFRESH_MS otherwise:
// another process sees a change made elsewhere within that interval (a new domain or slug
// answers not found there until then; an old slug keeps answering as before).

export const REFRESH_MS = 10_000;

/** The address a request with a decision is rewritten to: no route has it (answerHostDecision answers). */
const DECIDED_PATH = "/.portico/host";
const DECISION = Symbol("portico.hostDecision");

type Decision = { kind: "redirect"; status: 301 | 302; location: string } | { kind: "not_found" };

interface WorkspaceAddress {
  id: string;
  slug: string;
  custom_domain: string | null;
  custom_domain_verified_at: string | null;
}

/** Paths a custom host passes through unchanged: assets, health, the TLS ask, verification, the embed's script. */
const AS_IS =
  /^\/(?:assets\/|healthz(?:$|\?)|readyz(?:$|\?)|metrics(?:$|\?)|tls\/ask(?:$|\?)|\.well-known\/|portal\/embed\.js(?:$|\?))/;
/** The agents' trees: on a custom host, sent to PUBLIC_URL. */
const AGENTS = /^\/(?:app|setup|api(?!\/(?:public|portal)\/))(?:$|[/?])/;
/** Paths naming a workspace by its slug: the pages, the portal APIs. */
const SLUGGED = /^\/(?:portal|api\/public\/portals|api\/portal)\/([^/?]+)/;

export class HostTable {
  #domains = new Map<string, WorkspaceAddress>();
  #oldDomains = new Map<string, WorkspaceAddress>();
  #slugs = new Map<string, WorkspaceAddress>();
  #oldSlugs = new Map<string, WorkspaceAddress>();
  readonly #ctx: AppContext;
  readonly #publicHost: string | null;
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#publicHost = publicHostOf(ctx);
  }

  /** Reads every workspace's addresses again (after a change in this process, and on a timer). */
  async reload(): Promise<void> {
    this.#fill(await loadHostRows(this.#ctx));
  }

  #fill(rows: HostRows): void {
    const byId = new Map(rows.workspaces.map((w) => [w.id, w]));
    const domains = new Map<string, WorkspaceAddress>();
    const slugs = new Map<string, WorkspaceAddress>();
    for (const w of rows.workspaces) {
      slugs.set(w.slug, w);
      if (w.custom_domain && w.custom_domain_verified_at) domains.set(w.custom_domain, w);
    }
    const oldDomains = new Map<string, WorkspaceAddress>();
    const oldSlugs = new Map<string, WorkspaceAddress>();
    for (const r of rows.redirects) {
      const w = byId.get(r.workspace_id);
      if (!w) continue;
      if (r.kind === "domain" && !domains.has(r.value)) oldDomains.set(r.value, w);
      if (r.kind === "slug" && !slugs.has(r.value)) oldSlugs.set(r.value, w);
    }
    this.#domains = domains;
    this.#oldDomains = oldDomains;
    this.#slugs = slugs;
    this.#oldSlugs = oldSlugs;
  }

  /** Reloads every REFRESH_MS until stopped; a failed reload keeps the last table and is logged. */
  start(): () => void {
    this.#timer = setInterval(() => {
      this.reload().catch((err: unknown) =>
        this.#ctx.log.warn({ err }, "reloading the custom domains failed"),
      );
    }, REFRESH_MS);
    this.#timer.unref();
    return () => clearInterval(this.#timer);
  }

  /** Whether Caddy may get a certificate for `host` (the TLS ask): ours, a verified or an old domain. */
  servesTls(host: string): boolean {
    return host === this.#publicHost || this.#domains.has(host) || this.#oldDomains.has(host);
  }

  /** Whether `host` is this server's own address (PUBLIC_URL's behaviour). */
  #ours(host: string | null): boolean {
    if (host === null || host === "localhost" || isIpHost(host) || host === this.#publicHost) return true;
    // Without PUBLIC_URL every name is ours, except another's custom domain.
    return this.#publicHost === null && !this.#domains.has(host) && !this.#oldDomains.has(host);
  }

  /** The address to serve for a request (its url rewritten), with a decision when not served as is. */
  route(hostHeader: string | undefined, url: string): { url: string; decision?: Decision } {
    const host = hostOfHeader(hostHeader);
    if (this.#ours(host)) {
      const slug = SLUGGED.exec(url)?.[1];
      const moved = slug !== undefined && !this.#slugs.has(slug) ? this.#oldSlugs.get(slug) : undefined;
      if (moved && url.startsWith("/portal/")) {
        const location = `/portal/${moved.slug}${url.slice(`/portal/${slug}`.length)}`;
        return { url: DECIDED_PATH, decision: { kind: "redirect", status: 301, location } };
      }
      return { url };
    }
    const h = host as string;
    if (AS_IS.test(url)) return { url };
    const ws = this.#domains.get(h);
    if (!ws) {
      const old = this.#oldDomains.get(h);
      if (old) {
        const location = portalUrl(this.#ctx.config, old, url === "/" ? "" : url);
        return { url: DECIDED_PATH, decision: { kind: "redirect", status: 301, location } };
      }
      return { url: DECIDED_PATH, decision: { kind: "not_found" } };
    }
    if (AGENTS.test(url)) {
      const base = this.#ctx.config.publicUrl;
      if (!base) return { url: DECIDED_PATH, decision: { kind: "not_found" } };
      return { url: DECIDED_PATH, decision: { kind: "redirect", status: 302, location: `${base}${url}` } };
    }
    const slug = SLUGGED.exec(url)?.[1];
    if (slug !== undefined || url === "/portal" || url.startsWith("/portal?")) {
      return slug === ws.slug ? { url } : { url: DECIDED_PATH, decision: { kind: "not_found" } };
    }
    if (url.startsWith("/api/")) return { url: DECIDED_PATH, decision: { kind: "not_found" } };
    return { url: `/portal/${ws.slug}${url === "/" ? "" : url.startsWith("/?") ? url.slice(1) : url}` };
  }

  /** Fastify's rewriteUrl: the url to route, the decision kept on the request for its route. */
  readonly rewriteUrl = (req: IncomingMessage): string => {
    const { url, decision } = this.route(req.headers.host, req.url ?? "/");
    if (decision) (req as IncomingMessage & { [DECISION]?: Decision })[DECISION] = decision;
    return url;
  };
}

/**
 * Answers the requests the host table decided about (a redirect, or the plain not-found page)
 * before any route: an onRequest hook of the root, so no route exists at the internal address.
 */
export async function answerHostDecision(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const decision = (req.raw as IncomingMessage & { [DECISION]?: Decision })[DECISION];
  if (!decision) return;
  if (decision.kind === "redirect") {
    await reply.header("cache-control", "no-store").redirect(decision.location, decision.status);
    return;
  }
  await plainNotFound(reply, newNonce());
}
