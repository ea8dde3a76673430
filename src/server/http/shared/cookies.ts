import type { CookieSerializeOptions } from "@fastify/cookie";
import type { Config } from "../../config.ts";

// Every cookie we set, by its plain name. Served over https (cookieSecure) a cookie is named with
// the __Host- prefix, which browsers keep only when it is Secure, has Path=/ and no Domain: so
// neither another host (a sibling subdomain) nor plain http on ours can set or overwrite it. On
// http (local use) the plain names stay. Each gate reads the one name its configuration sets.

export type CookieBase =
  /** The agents' session (workspace/gate.ts). */
  | "portico_session"
  /** The signed-in customers' session (portal/gate.ts). */
  | "portico_customer"
  /** The pre-session token of the forms before a session (pre-session.ts). */
  | "portico_form"
  /** The customer's chosen language (locale.ts): en, de or fr. */
  | "portico_lang";

export function cookieName(config: Pick<Config, "cookieSecure">, base: CookieBase): string {
  return config.cookieSecure ? `__Host-${base}` : base;
}

/** What every cookie of ours is: httpOnly, SameSite=Lax, for the whole site and this host only. */
export function cookieOptions(
  config: Pick<Config, "cookieSecure">,
  lifetime: { expires: Date } | { maxAge: number },
): CookieSerializeOptions {
  return { path: "/", httpOnly: true, sameSite: "lax", secure: config.cookieSecure, ...lifetime };
}

/**
 * The tracking page's cookie (http/public/tracking.pages.ts) holds one ticket's token for that
 * ticket's path only, so it cannot take __Host- (which needs Path=/); on https it is named with
 * __Secure-, which browsers keep only from a Secure answer.
 */
export function trackingCookieName(config: Pick<Config, "cookieSecure">): string {
  return config.cookieSecure ? "__Secure-portico_track" : "portico_track";
}
