import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Pages are HTML rendered on the server, styled and enhanced by small files under src/web/assets
// (served at /assets/, versioned by content hash). They are sent by http/shared/html-response.ts.

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
