import { hash, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";

// A small randomBytes call costs a call into the system's random source each time (about as much
// as the rest of a submission's token work together), so token bytes come from a pool filled
// 4 KB at a time from the same CSPRNG. Each byte is handed out once and wiped as it goes.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** A random token for links and cookies: 256 bits, URL-safe. */
export function newToken(bytes = 32): string {
  if (bytes > POOL_BYTES / 8) return randomBytes(bytes).toString("base64url");
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const token = pool.toString("base64url", used, used + bytes);
  pool.fill(0, used, used + bytes);
  used += bytes;
  return token;
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
