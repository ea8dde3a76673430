import { hash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random token for links and cookies: 256 bits, URL-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** What we store instead of a token. SHA-256 suffices: the token itself has 256 bits of entropy. */
export function hashToken(token: string): string {
  // The one-shot hash: the same digest as createHash("sha256"), without a Hash object per call.
  return hash("sha256", token, "hex");
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Tokens we hand out are base64url; anything else is refused before it reaches a query. */
export function looksLikeToken(value: unknown): value is string {
  return (
    typeof value === "string" && value.length >= 22 && value.length <= 128 && /^[A-Za-z0-9_-]+$/.test(value)
  );
}
