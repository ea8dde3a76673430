import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyReply } from "fastify";
import type { Html } from "./html.ts";

// Pages are HTML rendered on the server, styled and enhanced by small files under src/web/assets
// (served at /assets/, versioned by content hash). Every page gets a strict CSP with a nonce
// for its one <style> block (the brand colours).

export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web/assets");

const versions = new Map<string, string>();
/** /assets/name?v=hash: the hash changes when the file does, so browsers may cache it for a year. */
export function assetUrl(name: string): string {
  let v = versions.get(name);
  if (!v) {
    v = createHash("sha256")
      .update(fs.readFileSync(path.join(ASSETS_DIR, name)))
      .digest("hex")
      .slice(0, 12);
    versions.set(name, v);
  }
  return `/assets/${name}?v=${v}`;
}

export const newNonce = () => randomBytes(16).toString("base64");

export interface PageOptions {
  nonce: string;
  status?: number;
  /**
   * Only the portal's submit form may be framed on other sites (the iframe embed); the branding
   * preview may be framed by the app itself ("self"). Everything else is never framed.
   */
  frameable?: boolean | "self";
}

export function sendPage(reply: FastifyReply, body: Html, opts: PageOptions): FastifyReply {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${opts.nonce}'`,
    "img-src 'self' https: http: data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-src 'self'",
    "base-uri 'none'",
    `frame-ancestors ${opts.frameable === "self" ? "'self'" : opts.frameable ? "*" : "'none'"}`,
  ].join("; ");
  reply
    .status(opts.status ?? 200)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", csp)
    .header("cache-control", "no-store");
  if (!opts.frameable) reply.header("x-frame-options", "DENY");
  else if (opts.frameable === "self") reply.header("x-frame-options", "SAMEORIGIN");
  return reply.send(`<!doctype html>\n${body.value}`);
}
