import type { FastifyRequest } from "fastify";
import { type CustomerSession, resolveCustomerSession } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { customerCookieName } from "./gate.ts";

// The public pages and APIs work with or without a signed-in customer (the submit form, tracking,
// the knowledge base): the customer cookie is resolved here without gating, the same way the gate
// does it, for the portal named in the address. Resolved once per request.

const resolved = new WeakMap<FastifyRequest, Promise<{ session: CustomerSession; token: string } | null>>();

async function resolve(ctx: AppContext, req: FastifyRequest, slug: string) {
  const token = req.cookies[customerCookieName(ctx)];
  if (!token) return null;
  const session = await resolveCustomerSession(ctx, token, slug);
  return session ? { session, token } : null;
}

/** The session and its token, for the CSRF check of a signed-in customer's write. */
export function customerSessionOnPortal(
  ctx: AppContext,
  req: FastifyRequest,
  slug: string,
): Promise<{ session: CustomerSession; token: string } | null> {
  let found = resolved.get(req);
  if (!found) {
    found = resolve(ctx, req, slug);
    resolved.set(req, found);
  }
  return found;
}

/** The customer signed in to the portal of `slug`, or null: never a refusal. */
export async function customerOnPortal(
  ctx: AppContext,
  req: FastifyRequest,
  slug: string,
): Promise<CustomerSession | null> {
  return (await customerSessionOnPortal(ctx, req, slug))?.session ?? null;
}
