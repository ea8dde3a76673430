import { type AgentActor, systemActor } from "../actors.ts";
import { newToken } from "../auth/tokens.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { AppError, conflict, forbidden, validationFailed } from "../errors.ts";
import { domainNameProblem, hostOfHeader, normalizeDomainInput } from "../lib/hostname.ts";
import {
  type CheckResult,
  checkDnsTxt,
  checkHttp,
  TXT_PREFIX,
  txtNameOf,
  WELL_KNOWN_PATH,
} from "./domain-check.ts";
import { portalUrl } from "./portal-url.ts";
import {
  dropRedirect,
  keepRedirect,
  type RedirectRow,
  redirectOwner,
  redirectsVisibleTo,
} from "./redirect.access.ts";
import type { Workspace } from "./workspace.branding.ts";
import { checkSlug, getWorkspace, updateWorkspaceAudited } from "./workspace.service.ts";

// A workspace's own address: its custom domain (set, proved by HTTP or DNS, cleared) and its
// slug. Every change keeps old links working: the previous verified domain and the previous slug
// become rows of workspace_redirects in the change's transaction (answered 301 by host-routing.ts),
// and is audited. A domain is one workspace's (the unique index, and a 409 before it).

export type DomainState = "none" | "pending" | "verified";

export interface DomainStatus {
  slug: string;
  domain: string | null;
  state: DomainState;
  verifiedAt: string | null;
  /** The proof to publish while pending (and kept after, for a re-check). */
  token: string | null;
  txtName: string | null;
  txtValue: string | null;
  httpUrl: string | null;
  /** Where customers find the portal now. */
  portalUrl: string;
}

export function domainStatusOf(ctx: AppContext, ws: Workspace): DomainStatus {
  const domain = ws.custom_domain;
  const token = ws.custom_domain_token;
  return {
    slug: ws.slug,
    domain,
    state: !domain ? "none" : ws.custom_domain_verified_at ? "verified" : "pending",
    verifiedAt: domain ? ws.custom_domain_verified_at : null,
    token: domain ? token : null,
    txtName: domain ? txtNameOf(domain) : null,
    txtValue: domain && token ? `${TXT_PREFIX}${token}` : null,
    httpUrl: domain ? `http://${domain}${WELL_KNOWN_PATH}` : null,
    portalUrl: portalUrl(ctx.config, ws, ""),
  };
}

const onlyAdmins = (actor: AgentActor, what: string) => {
  if (actor.role !== "admin") throw forbidden(`Only admins change ${what}.`);
};

/** PUBLIC_URL's host: never a workspace's custom domain. */
export const publicHostOf = (ctx: AppContext) =>
  ctx.config.publicUrl ? hostOfHeader(new URL(ctx.config.publicUrl).host) : null;

const domainTaken = () =>
  conflict("domain_taken", "Another workspace on this server uses that domain.", {
    domain: "is already another workspace's domain here",
  });

/** Sets the custom domain (admins): pending, with a new token, until verified. */
export async function setCustomDomain(
  ctx: AppContext,
  actor: AgentActor,
  raw: string,
): Promise<DomainStatus> {
  onlyAdmins(actor, "the portal's domain");
  const domain = normalizeDomainInput(raw);
  const problem = domainNameProblem(domain);
  if (problem) throw validationFailed({ domain: problem });
  const own = publicHostOf(ctx);
  // Without PUBLIC_URL the server's own name is unknown: a workspace could take it, and the
  // agents' pages with it.
  if (!own) throw validationFailed({ domain: "needs PUBLIC_URL (this server's own address) set first" });
  if (domain === own) throw validationFailed({ domain: "is this server's own address (PUBLIC_URL)" });
  const current = await getWorkspace(ctx, actor);
  if (current.custom_domain === domain) return domainStatusOf(ctx, current);
  const previous = current.custom_domain_verified_at ? current.custom_domain : null;
  try {
    const ws = await updateWorkspaceAudited(
      ctx,
      actor,
      { custom_domain: domain, custom_domain_token: newToken(18), custom_domain_verified_at: null },
      () => ({
        action: "settings.domain",
        summary: `Custom domain set to ${domain} (pending verification)`,
        details: { domain, previous },
      }),
      async (tx) => {
        // Taken: another workspace's verified domain, or its old one (still redirecting to it).
        // Another's pending claim is no hold: the DNS proof decides between claims.
        const verified = await tx
          .selectFrom("workspaces")
          .select("id")
          .where("custom_domain", "=", domain)
          .where("custom_domain_verified_at", "is not", null)
          .where("id", "!=", actor.workspaceId)
          .executeTakeFirst();
        const oldOwner = await redirectOwner(tx, actor, "domain", domain);
        if (verified || (oldOwner && oldOwner !== actor.workspaceId)) throw domainTaken();
        if (previous) await keepRedirect(ctx, tx, actor, "domain", previous);
      },
    );
    return domainStatusOf(ctx, ws);
  } catch (err) {
    if (isUniqueViolation(err)) throw domainTaken();
    throw err;
  }
}

/** Removes the custom domain (admins); a verified one keeps redirecting to the portal's address. */
export async function clearCustomDomain(ctx: AppContext, actor: AgentActor): Promise<DomainStatus> {
  onlyAdmins(actor, "the portal's domain");
  const current = await getWorkspace(ctx, actor);
  if (!current.custom_domain) return domainStatusOf(ctx, current);
  const previous = current.custom_domain_verified_at ? current.custom_domain : null;
  const ws = await updateWorkspaceAudited(
    ctx,
    actor,
    { custom_domain: null, custom_domain_token: null, custom_domain_verified_at: null },
    () => ({
      action: "settings.domain",
      summary: `Custom domain ${current.custom_domain} removed`,
      details: { domain: null, previous: current.custom_domain },
    }),
    async (tx) => {
      if (previous) await keepRedirect(ctx, tx, actor, "domain", previous);
    },
  );
  return domainStatusOf(ctx, ws);
}

export interface Verification {
  status: DomainStatus;
  /** Each way's outcome, for the admin. */
  checks: { http: CheckResult; dns: CheckResult };
}

/** Checks both proofs (admins); either one verifies the domain. */
export async function verifyCustomDomain(ctx: AppContext, actor: AgentActor): Promise<Verification> {
  onlyAdmins(actor, "the portal's domain");
  const current = await getWorkspace(ctx, actor);
  const domain = current.custom_domain;
  const token = current.custom_domain_token;
  if (!domain || !token) {
    throw new AppError(409, "no_domain", "Set a custom domain before verifying it.", {
      fields: { domain: "is not set" },
    });
  }
  const [httpResult, dnsResult] = await Promise.all([
    checkHttp(ctx, domain, token),
    checkDnsTxt(ctx, domain, token),
  ]);
  // The HTTP proof shows the name reaches this server, not which workspace it belongs to: when
  // another workspace here claims the same name, or had it, only the DNS record (its token) decides.
  const rival = await ctx.database.db
    .selectFrom("workspaces")
    .select("id")
    .where("custom_domain", "=", domain)
    .where("id", "!=", actor.workspaceId)
    .executeTakeFirst();
  const oldOwner = await ctx.database.db
    .transaction()
    .execute((tx) => redirectOwner(tx, actor, "domain", domain));
  const contested = rival !== undefined || (oldOwner !== undefined && oldOwner !== actor.workspaceId);
  const http =
    httpResult.ok && contested
      ? { ok: false, detail: `another workspace here claims ${domain} too: the DNS record decides` }
      : httpResult;
  const checks = { http, dns: dnsResult };
  if (!http.ok && !dnsResult.ok) return { status: domainStatusOf(ctx, current), checks };
  const how = dnsResult.ok ? "DNS" : "HTTP";
  const ws = await updateWorkspaceAudited(
    ctx,
    actor,
    { custom_domain_verified_at: current.custom_domain_verified_at ?? nowIso(ctx) },
    () => ({
      action: "settings.domain_verified",
      summary: `Custom domain ${domain} verified by ${how}`,
      details: { domain, by: how },
    }),
    async (tx) => {
      const still = await tx
        .selectFrom("workspaces")
        .select("custom_domain")
        .where("id", "=", actor.workspaceId)
        .executeTakeFirst();
      if (still?.custom_domain !== domain) {
        throw conflict("domain_changed", "The domain changed while it was being checked; check again.");
      }
      // Proved: the name is this workspace's address now, no one's old one. By DNS, whoever
      // controls the zone decides, so other workspaces' pending claims of the name end too.
      await dropRedirect(tx, actor, "domain", domain);
      if (how === "DNS") {
        await tx
          .updateTable("workspaces")
          .set({ custom_domain: null, custom_domain_token: null, updated_at: nowIso(ctx) })
          .where("custom_domain", "=", domain)
          .where("custom_domain_verified_at", "is", null)
          .where("id", "!=", actor.workspaceId)
          .execute();
      }
    },
  ).catch((err: unknown) => {
    if (isUniqueViolation(err)) throw domainTaken();
    throw err;
  });
  return { status: domainStatusOf(ctx, ws), checks };
}

const slugTaken = () => conflict("slug_taken", "That workspace slug is taken.", { slug: "is taken" });

/** Changes the slug (admins): links with the old one keep working (301 to the same page). */
export async function changeSlug(ctx: AppContext, actor: AgentActor, raw: string): Promise<DomainStatus> {
  onlyAdmins(actor, "the portal's address");
  const slug = raw.trim().toLowerCase();
  const problem = checkSlug(slug);
  if (problem) throw validationFailed({ slug: problem });
  const current = await getWorkspace(ctx, actor);
  if (current.slug === slug) return domainStatusOf(ctx, current);
  try {
    const ws = await updateWorkspaceAudited(
      ctx,
      actor,
      { slug },
      () => ({
        action: "settings.slug",
        summary: `Portal address changed from ${current.slug} to ${slug}`,
        details: { slug, previous: current.slug },
      }),
      async (tx) => {
        const live = await tx
          .selectFrom("workspaces")
          .select("id")
          .where("slug", "=", slug)
          .where("id", "!=", actor.workspaceId)
          .executeTakeFirst();
        const oldOwner = await redirectOwner(tx, actor, "slug", slug);
        // Another workspace's old slug still redirects there: taking it would break its links.
        if (live || (oldOwner && oldOwner !== actor.workspaceId)) throw slugTaken();
        if (oldOwner) await dropRedirect(tx, actor, "slug", slug);
        await keepRedirect(ctx, tx, actor, "slug", current.slug);
      },
    );
    return domainStatusOf(ctx, ws);
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken();
    throw err;
  }
}

export interface HostRows {
  workspaces: {
    id: string;
    slug: string;
    custom_domain: string | null;
    custom_domain_verified_at: string | null;
  }[];
  redirects: RedirectRow[];
}

/** Every workspace's addresses and old addresses, for the host table (host-routing.ts). */
export async function loadHostRows(ctx: AppContext): Promise<HostRows> {
  const db = ctx.database.db;
  const [workspaces, redirects] = await Promise.all([
    db
      .selectFrom("workspaces")
      .select(["id", "slug", "custom_domain", "custom_domain_verified_at"])
      .execute(),
    redirectsVisibleTo(ctx, systemActor("host routing: every workspace's old addresses")),
  ]);
  return { workspaces, redirects };
}

/**
 * Whether a workspace claims `host` with this token: the well-known path answers it then. The
 * token is in the path, since several workspaces may claim one name while pending.
 */
export async function hostClaimedWith(ctx: AppContext, host: string, token: string): Promise<boolean> {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select("id")
    .where("custom_domain", "=", host)
    .where("custom_domain_token", "=", token)
    .executeTakeFirst();
  return row !== undefined;
}
