import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { forbidden, validationFailed } from "../errors.ts";
import type { Workspace } from "./workspace.branding.ts";
import { updateWorkspaceAudited } from "./workspace.service.ts";

// A workspace's limits on company documents: the largest file, and the most one company keeps
// (every version counted). Read from the workspace row at every upload, so a change holds at once;
// documents already stored stay, over the limit or not.

const MB = 1024 * 1024;
/**
 * A file: 1 MB to 1,000 MB. A company's total: up to 1,024 MB. A document's size (every version
 * summed) never passes the company's total, so it stays within PostgreSQL's 32-bit integer column.
 */
export const DOCUMENT_FILE_MB_MAX = 1000;
export const DOCUMENT_QUOTA_MB_MAX = 1024;

export interface DocumentLimits {
  maxFileMb: number;
  companyQuotaMb: number;
}

export const documentLimitsOf = (ws: Workspace): DocumentLimits => ({
  maxFileMb: Math.floor(Number(ws.document_max_bytes) / MB),
  companyQuotaMb: Math.floor(Number(ws.document_quota_bytes) / MB),
});

/** Admins only. A file larger than a company's whole quota could never be uploaded: refused. */
export async function updateDocumentLimits(
  ctx: AppContext,
  actor: AgentActor,
  ws: Workspace,
  patch: Partial<DocumentLimits>,
): Promise<Workspace> {
  if (actor.role !== "admin") throw forbidden("Only admins change the document limits.");
  const next = { ...documentLimitsOf(ws), ...patch };
  if (next.maxFileMb > next.companyQuotaMb) {
    throw validationFailed({ maxFileMb: "must be at most the company's total" });
  }
  return updateWorkspaceAudited(
    ctx,
    actor,
    { document_max_bytes: next.maxFileMb * MB, document_quota_bytes: next.companyQuotaMb * MB },
    () => ({
      action: "settings.documents",
      summary: `Document limits: ${next.maxFileMb} MB a file, ${next.companyQuotaMb} MB a company`,
      details: next,
    }),
  );
}
