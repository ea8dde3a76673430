import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type CustomerSession,
  customerCsrfTokenFor,
  resolveCustomerSession,
} from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { cookieName, cookieOptions } from "../shared/cookies.ts";
import { refuseWhileClosed } from "../shared/portal-closed.ts";
import { addSessionGate, type GateAnswers, JSON_ANSWERS } from "../shared/session-gate.ts";

// The one gate of the signed-in customers' tree (/api/portal/{slug}/…, and the account pages to
// come): the customer session from its own cookie, distinct from the agents', for the portal
// named in the address, and on every write its CSRF token. It yields the CustomerActor every
// handler acts as; anything else gets 401, never the data of another workspace.

/** portico_customer, or __Host-portico_customer on https (cookies.ts). */
export const customerCookieName = (ctx: AppContext) => cookieName(ctx.config, "portico_customer");

export function clearCustomerCookie(ctx: AppContext, reply: FastifyReply) {
  reply.clearCookie(customerCookieName(ctx), cookieOptions(ctx.config, { expires: new Date(0) }));
}

declare module "fastify" {
  interface FastifyRequest {
    customer: CustomerSession | null;
    customerToken: string | null;
  }
}

/** Every route under the gate names its portal: /…/:slug/…. */
const slugOf = (req: FastifyRequest) => {
  const slug = (req.params as { slug?: unknown } | undefined)?.slug;
  return typeof slug === "string" && slug.length <= 40 ? slug : undefined;
};

export function addCustomerGate(
  tree: FastifyInstance,
  ctx: AppContext,
  answers: GateAnswers = JSON_ANSWERS,
): void {
  tree.decorateRequest("customer", null);
  tree.decorateRequest("customerToken", null);
  // A portal its admin turned off: closed before any session is looked at (the JSON tree's
  // answers are JSON_ANSWERS, the pages' their own).
  tree.addHook("onRequest", refuseWhileClosed(ctx, answers === JSON_ANSWERS ? "json" : "page"));
  addSessionGate<CustomerSession>(tree, {
    async resolve(req) {
      const token = req.cookies[customerCookieName(ctx)];
      const slug = slugOf(req);
      if (!token || !slug) return null;
      const session = await resolveCustomerSession(ctx, token, slug);
      return session ? { session, token } : null;
    },
    admit(req, session, token) {
      req.customer = session;
      req.customerToken = token;
    },
    csrfTokenFor: customerCsrfTokenFor,
    answers,
  });
}

/** The customer the gate admitted; only called inside the gated tree. */
export function customerOf(req: FastifyRequest): CustomerSession {
  if (!req.customer) throw new AppError(401, "unauthenticated", "Sign in to continue.");
  return req.customer;
}
