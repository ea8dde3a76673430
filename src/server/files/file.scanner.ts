import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { FileScanner } from "../ports.ts";
import { createClamAvScanner } from "./clamav.scanner.ts";

// The one place where a content scanner plugs in. It sees each upload after its type has been
// decided and before it is stored. ClamAV (clamd, CLAMAV_URL) is built in; without it there is
// none, and the allowlist, the type checks and the way files are served are the defence
// (docs/decisions/0006). Another scanner (an ICAP service, a cloud API) implements FileScanner.

export const noScanner: FileScanner = {
  name: "none",
  scan: async () => ({ ok: true }),
};

/** The scanner the configuration asks for. */
export function scannerFor(config: Config, log: Logger): FileScanner {
  return config.clamav ? createClamAvScanner(config.clamav, log) : noScanner;
}
