import type { FastifyReply, FastifyRequest } from "fastify";

// Headers every answer carries, and the defaults of the JSON API. Hooks in callback style: they
// run on every request, and skip a promise each.

/** Every answer: its request id, no type sniffing, and no Referer (tracking links carry a token). */
export function everyAnswerHeaders(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  reply.header("x-request-id", req.id);
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "no-referrer");
  done(null, payload);
}

// A year; without includeSubDomains, since other hosts under the operator's domain are not ours
// to decide for (the __Host- cookies already shut sibling hosts out), nor preload.
const HSTS = "max-age=31536000";

/**
 * Served over https (PUBLIC_URL is https, or COOKIE_SECURE): browsers keep to https for a year,
 * and no page of ours shares a browsing context group with another site's window (a page that
 * opened ours, or that ours opened, gets no handle on it). COOP only ever applies to a top-level
 * page, so the submit form framed on other sites (the embed) is not affected by it.
 */
export function httpsAnswerHeaders(
  _req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  reply.header("strict-transport-security", HSTS);
  reply.header("cross-origin-opener-policy", "same-origin");
  done(null, payload);
}

/**
 * The JSON API's answers (registered on the /api tree): nothing in them is a page, so nothing may
 * run or be framed, and nothing is cached unless the route says so. A served file brings its own,
 * stricter policy (with sandbox).
 */
export function apiAnswerHeaders(
  _req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  if (!reply.hasHeader("content-security-policy")) {
    reply.header("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  }
  if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  done(null, payload);
}

/**
 * For a page served by a dependency (the API docs, whose CSP the plugin sets from ours): never
 * framed and not cached, like our own pages (sendHtml).
 */
export function dependencyPageHeaders(
  _req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  reply.header("x-frame-options", "DENY");
  if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  done(null, payload);
}
