import type { FileScanner } from "../ports.ts";

// The one place where a content scanner (ClamAV over clamd, an ICAP service, a cloud API) would
// plug in. It sees each upload after its type has been decided and before it is stored; a
// refusal is answered to the uploader as `file_refused_by_scanner`. None is built in: the
// allowlist, the type checks and the way files are served are the defence (docs/decisions/0006).

export const noScanner: FileScanner = {
  name: "none",
  scan: async () => ({ ok: true }),
};
