import { randomBytes } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Html } from "../../web/html.ts";

// The one way an HTML answer leaves the server: pages, the fragments the live pollers fetch,
// and an email's HTML shown in the Outbox. Each gets its content type, a CSP with its framing
// rule (and X-Frame-Options for browsers without frame-ancestors) and no caching.
// http/shared/html-headers.test.ts requests every GET route and checks the headers it finds.

export const newNonce = () => randomBytes(16).toString("base64");

/**
 * Who may show the answer in a frame. Only the portal's submit form may be framed on other sites
 * (the iframe embed): anywhere, or only on the sites its workspace lists (`{ origins }`, checked
 * https origins: workspaces/workspace.embedding.ts). The branding preview and an email's HTML are
 * framed by the app itself.
 */
export type Framing = "never" | "self" | "anywhere" | { origins: readonly string[] };

export type HtmlAnswer =
  /** A whole page of ours; the nonce is its one <style> block's (the brand colours). */
  | { kind: "page"; nonce: string; status?: number; framing?: Framing }
  /** A part of a page, re-rendered for a poller: no doctype, no <style>. */
  | { kind: "fragment" }
  /** An email's HTML: sandboxed (no scripts, forms or same origin), inline styles only, framed by the app. */
  | { kind: "email" };

type NamedFraming = Exclude<Framing, object>;
const ANCESTORS: Record<NamedFraming, string> = { never: "'none'", self: "'self'", anywhere: "*" };
const X_FRAME_OPTIONS: Record<NamedFraming, string | undefined> = {
  never: "DENY",
  self: "SAMEORIGIN",
  // No value of X-Frame-Options allows every site, or a list of them: the header is left out.
  anywhere: undefined,
};

const ancestorsOf = (f: Framing) =>
  typeof f === "object" ? (f.origins.length ? f.origins.join(" ") : ANCESTORS.never) : ANCESTORS[f];
const xFrameOptionsOf = (f: Framing) =>
  typeof f === "object" ? (f.origins.length ? undefined : X_FRAME_OPTIONS.never) : X_FRAME_OPTIONS[f];

function pagePolicy(nonce: string | undefined, framing: Framing): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${nonce ? ` 'nonce-${nonce}'` : ""}`,
    // Workspace logos are https URLs that are not internal addresses (logo-url.ts); nothing over
    // plain http. Once logos are uploaded and served from here, this becomes 'self' data: only.
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-src 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestorsOf(framing)}`,
  ].join("; ");
}

const EMAIL_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; sandbox; frame-ancestors ${ANCESTORS.self}`;

export function sendHtml(reply: FastifyReply, body: Html, answer: HtmlAnswer): FastifyReply {
  const framing: Framing =
    answer.kind === "page" ? (answer.framing ?? "never") : answer.kind === "email" ? "self" : "never";
  reply
    .status(answer.kind === "page" ? (answer.status ?? 200) : reply.statusCode)
    .header("content-type", "text/html; charset=utf-8")
    .header(
      "content-security-policy",
      answer.kind === "email"
        ? EMAIL_POLICY
        : pagePolicy(answer.kind === "page" ? answer.nonce : undefined, framing),
    )
    .header("cache-control", answer.kind === "email" ? "private, no-store" : "no-store");
  const xfo = xFrameOptionsOf(framing);
  if (xfo) reply.header("x-frame-options", xfo);
  return reply.send(answer.kind === "page" ? `<!doctype html>\n${body.value}` : body.value);
}
