import type { FastifyReply, FastifyRequest } from "fastify";
import { type CustomerActor, type VisitorActor, visitorOf } from "../../actors.ts";
import { type CustomerSession, customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import { safeEqual } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { AppError, notFound } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import { signInRequired } from "../../workspaces/portal-access.ts";
import { portalOpen } from "../../workspaces/portal-settings.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound } from "../shared/customer.layout.ts";
import { newNonce } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { portalClosedError, sendPortalClosed } from "../shared/portal-closed.ts";
import { customerSessionOnPortal } from "./optional-customer.ts";

// The portal's access level, decided in one place for every page and API that works without the
// customers' gate (submit, tracking, files by token, the knowledge base, "Email me my requests").
// The workspace row is read on every request, so changing the level holds at once. Public: a
// visitor, or the customer when one is signed in. Account or invited: a signed-in customer, or
// pages redirect to sign in and the JSON API answers 401 sign_in_required. A portal its admin
// turned off (Settings → Portal) is closed before anything else: pages answer the branded closed
// page and the JSON API 403 portal_closed, whoever asks; the trees behind the customers' gate and
// the sign-in pages refuse the same way (refuseWhileClosed). Agents and incoming email are not
// customers' pages, so they work on.

export interface PortalEntry {
  ws: Workspace;
  customer: CustomerSession | null;
  /** Who reads: the signed-in customer, else a visitor of the public portal. */
  actor: CustomerActor | VisitorActor;
  /** The session's token, for the CSRF check of a signed-in customer's write. */
  sessionToken: string | null;
}

export type EntryDecision = PortalEntry | "no_portal" | "closed" | "sign_in";

/**
 * `onlyIfRequired`: a surface that does nothing more for a signed-in customer on a public portal
 * (tracking by token, the hottest read) skips resolving the session there.
 */
export async function portalEntry(
  ctx: AppContext,
  req: FastifyRequest,
  slug: string,
  opts: { onlyIfRequired?: boolean } = {},
): Promise<EntryDecision> {
  const ws = await findWorkspaceBySlug(ctx, slug);
  if (!ws) return "no_portal";
  if (!portalOpen(ws)) return "closed";
  const found =
    opts.onlyIfRequired && !signInRequired(ws) ? null : await customerSessionOnPortal(ctx, req, ws.slug);
  if (!found && signInRequired(ws)) return "sign_in";
  return {
    ws,
    customer: found?.session ?? null,
    actor: found?.session.actor ?? visitorOf(ws.id),
    sessionToken: found?.token ?? null,
  };
}

/** Where a page sends someone who must sign in first, coming back to `next` afterwards. */
export const signInPath = (slug: string, next: string) =>
  `/portal/${slug}/sign-in?next=${encodeURIComponent(next)}`;

/** A page's own address without its query (a tracking token never goes into `next`). */
const pathOf = (req: FastifyRequest) => req.url.split("?")[0] as string;

/**
 * For HTML pages: the entry, or null once the answer is sent (the plain 404 for an unknown
 * portal, a 303 to sign in where the level needs it).
 */
export async function pageEntry(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  slug: string,
  next: string = pathOf(req),
  opts: { onlyIfRequired?: boolean } = {},
): Promise<PortalEntry | null> {
  const entry = await portalEntry(ctx, req, slug, opts);
  if (entry === "no_portal") {
    await plainNotFound(reply, newNonce());
    return null;
  }
  if (entry === "closed") {
    await answerClosedPage(ctx, reply, slug);
    return null;
  }
  if (entry === "sign_in") {
    await reply.header("cache-control", "no-store").redirect(signInPath(slug, next), 303);
    return null;
  }
  return entry;
}

/** The closed page of the portal of `slug`, in the reader's language. */
async function answerClosedPage(ctx: AppContext, reply: FastifyReply, slug: string) {
  const ws = await findWorkspaceBySlug(ctx, slug);
  if (!ws) return plainNotFound(reply, newNonce());
  return sendPortalClosed(reply, ws, customerTranslator(ctx.config, reply, ws));
}

export const signInRequiredError = () =>
  new AppError(401, "sign_in_required", "This portal is for signed-in customers. Sign in to continue.");

/** For the JSON API: the entry, or 404 for an unknown portal, 403 portal_closed and 401 sign_in_required. */
export async function apiEntry(
  ctx: AppContext,
  req: FastifyRequest,
  slug: string,
  opts: { onlyIfRequired?: boolean } = {},
): Promise<PortalEntry> {
  const entry = await portalEntry(ctx, req, slug, opts);
  if (entry === "no_portal") throw notFound("No such portal.");
  if (entry === "closed") throw portalClosedError();
  if (entry === "sign_in") throw signInRequiredError();
  return entry;
}

/**
 * A signed-in customer's write carries the session's CSRF token: the X-CSRF-Token header (the
 * JSON API) or the `_csrf` field (a page's form). A visitor's write has no session to protect.
 */
export function customerCsrfHolds(req: FastifyRequest, entry: PortalEntry, opts: { form?: boolean } = {}) {
  if (!entry.sessionToken) return true;
  const given = (opts.form ? formString(req.body, "_csrf") : undefined) ?? req.headers["x-csrf-token"];
  return typeof given === "string" && safeEqual(given, customerCsrfTokenFor(entry.sessionToken));
}

export const customerCsrfFailed = () =>
  new AppError(
    403,
    "csrf_failed",
    "A signed-in customer's request needs its X-CSRF-Token. Reload the page and try again.",
  );

/** The CSRF field of a signed-in customer's form; nothing for a visitor. */
export const customerCsrfValue = (entry: PortalEntry): string | null =>
  entry.sessionToken ? customerCsrfTokenFor(entry.sessionToken) : null;

/**
 * Who a tracking link must also belong to: on a portal that needs sign-in, the signed-in customer
 * (the link opens only a ticket they may see); on a public portal nobody, the token is enough.
 */
export const trackingViewer = (entry: PortalEntry): CustomerActor | undefined =>
  signInRequired(entry.ws) ? (entry.customer?.actor ?? undefined) : undefined;
