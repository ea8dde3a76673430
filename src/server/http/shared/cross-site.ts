import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config.ts";

// Every request that may change something (any method but GET, HEAD and OPTIONS), on every tree,
// is refused when the browser says it comes from another site:
// - `Sec-Fetch-Site: cross-site`, or `same-site` (another subdomain of the same domain: our own
//   pages never post from one). Every current browser sends it, and it is the one to trust:
//   since our pages send `Referrer-Policy: no-referrer`, browsers give our own forms'
//   posts `Origin: null`, so the Origin alone cannot tell them from a sandboxed frame's.
// - an `Origin` that is a real origin and not ours. Ours is PUBLIC_URL's origin, or the host the
//   request was sent to (its Host, or X-Forwarded-Host from a trusted proxy).
// - `Origin: null` is refused only with Sec-Fetch-Site saying cross-site; without that header (a
//   browser too old to send it, or no browser) it is let through like no Origin at all.
// What passes without either header (curl, scripts, old browsers) still meets the session's CSRF
// token, or the pre-session token of the forms before a session (pre-session.ts); the public
// writes that have neither act with no one's authority (a submission, a reply by its token).
//
// The submit form framed on other sites (the iframe embed) is not refused: a form inside a frame
// posts from the frame's own document, which is ours, so the browser sends
// `Sec-Fetch-Site: same-origin` whatever site frames it. A frame sandboxed without
// allow-same-origin is cross-site and is refused: our snippet does not sandbox.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const CROSS_SITE_CODE = "cross_site_request";

export function crossSiteWriteGuard(config: Pick<Config, "publicUrl">) {
  const publicOrigin = config.publicUrl ? new URL(config.publicUrl).origin : undefined;

  const isOurs = (origin: string, req: FastifyRequest): boolean => {
    if (origin === publicOrigin) return true;
    let given: URL;
    try {
      given = new URL(origin);
    } catch {
      return false;
    }
    if (given.origin !== origin) return false;
    try {
      // Read with the Origin's scheme, so a default port is dropped the same way on both sides.
      return new URL(`${given.protocol}//${req.host}`).host === given.host;
    } catch {
      return false;
    }
  };

  return function refuseCrossSiteWrites(
    req: FastifyRequest,
    reply: FastifyReply,
    done: (err?: Error) => void,
  ): void {
    if (SAFE_METHODS.has(req.method)) {
      done();
      return;
    }
    const site = req.headers["sec-fetch-site"];
    const origin = req.headers.origin;
    const foreignSite = site === "cross-site" || site === "same-site";
    const foreignOrigin = origin !== undefined && origin !== "null" && !isOurs(origin, req);
    if (foreignSite || foreignOrigin) {
      reply.status(403).send({
        error: {
          code: CROSS_SITE_CODE,
          message:
            "This request came from another site and was refused. Open Portico at its own address and try again.",
        },
      });
      return;
    }
    done();
  };
}
