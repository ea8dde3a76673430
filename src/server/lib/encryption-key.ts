// Pure: imported by config.ts to check FILE_ENCRYPTION_KEY at boot, and by file.crypto.ts.

/** Parses FILE_ENCRYPTION_KEY: 64 hex characters or 32 bytes in base64. */
export function parseKey(raw: string): Buffer | null {
  const s = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    const b = Buffer.from(s, "base64");
    return b.length === 32 ? b : null;
  }
  return null;
}
