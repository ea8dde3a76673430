import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// A short secret the server must read back (a webhook's signing secret), kept sealed at rest
// with AES-256-GCM under a 32-byte key (the file key): a copy of the database alone does not
// reveal it. "v1." + base64url(iv | tag | ciphertext).

const PREFIX = "v1.";

export function sealSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The secret; throws when the value was not sealed under this key or was changed. */
export function openSecret(key: Buffer, sealed: string): string {
  if (!sealed.startsWith(PREFIX)) throw new Error("not a sealed secret");
  const raw = Buffer.from(sealed.slice(PREFIX.length), "base64url");
  if (raw.length < 28) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
