import type { FastifyReply, FastifyRequest } from "fastify";
import { looksLikeToken, newToken, safeEqual } from "../../auth/tokens.ts";
import type { Config } from "../../config.ts";
import { formString } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { cookieName, cookieOptions } from "./cookies.ts";

// The CSRF token of the forms that come before any session: signing in, first-run setup,
// accepting an invitation (and the customers' sign-in to come). With no session to derive a
// token from, the page sets a random one in a cookie of ours (portico_form, __Host- on https)
// and repeats it in the form's `_csrf` field; the post must bring both, equal. Another site can
// make a browser post the form, but can neither read our cookie nor set it, so it cannot fill
// the field: login CSRF (the victim's browser signed in to the attacker's account) fails even in
// a browser that sends neither Origin nor Sec-Fetch-Site (cross-site.ts refuses those that do).

const FIELD = "_csrf";
// Long enough for a form left open for a day; the next page view simply sets a new one.
const LIFETIME_SECONDS = 24 * 3600;

type CookieConfig = Pick<Config, "cookieSecure">;

/** The token for a form on this page: the browser's own when it has one, else a new one set now. */
export function preSessionToken(config: CookieConfig, req: FastifyRequest, reply: FastifyReply): string {
  const name = cookieName(config, "portico_form");
  const current = req.cookies[name];
  if (looksLikeToken(current)) return current;
  const token = newToken();
  reply.setCookie(name, token, cookieOptions(config, { maxAge: LIFETIME_SECONDS }));
  // A second call for the same answer (a form re-rendered) finds it.
  req.cookies[name] = token;
  return token;
}

/** The hidden field carrying it. */
export const preSessionField = (token: string): Html =>
  html`<input type="hidden" name="${FIELD}" value="${token}">`;

/** Whether a posted form carries the token of the browser's own cookie. */
export function preSessionTokenHolds(config: CookieConfig, req: FastifyRequest): boolean {
  const cookie = req.cookies[cookieName(config, "portico_form")];
  const given = formString(req.body, FIELD);
  return looksLikeToken(cookie) && given !== undefined && safeEqual(given, cookie);
}

/** What a refused form says: nothing happened, and the form (given a fresh token) works again. */
export const PRE_SESSION_EXPIRED =
  "That form had expired, so nothing was done. It is ready again: please send it once more.";
