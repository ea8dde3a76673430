import { companyEventsVisibleTo } from "../companies/company.access.ts";
import { eventActorOf, recordCompanyEvent } from "../companies/company.events.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { type DocumentActor, findVersionRow } from "./document.read.ts";

// Downloading a document's version: the stored file, and the download on the company's timeline,
// once a day per reader and version.

/** The stored file of one version (the current by default), its download recorded on the timeline. */
export async function openDocumentDownload(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  version?: number,
) {
  const db = ctx.database.db;
  const { doc, file, version: wanted } = await findVersionRow(db, actor, companyId, documentId, version);
  const now = ctx.now();
  if (!(await downloadedToday(db, actor, companyId, doc.id, wanted, now))) {
    await recordCompanyEvent(db, actor, {
      workspaceId: actor.workspaceId,
      companyId,
      type: "document_downloaded",
      data: { document: doc.title, documentId: doc.id, version: wanted },
      customerVisible: doc.status === "published",
      at: now.toISOString(),
    });
  }
  return {
    id: file.id,
    file_name: file.file_name,
    content_type: file.content_type,
    size_bytes: Number(file.size_bytes),
    storage_key: file.storage_key,
  };
}

/**
 * Whether this reader's download of this version is already on the timeline for the UTC day: one
 * event a day each, so repeated downloads do not grow the company's timeline without end.
 */
async function downloadedToday(
  db: Tx,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  version: number,
  now: Date,
): Promise<boolean> {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const next = new Date(day.getTime() + 24 * 60 * 60 * 1000);
  const who = eventActorOf(actor);
  const rows = await companyEventsVisibleTo(db, actor)
    .select("company_events.data")
    .where("company_events.company_id", "=", companyId)
    .where("company_events.type", "=", "document_downloaded")
    .where("company_events.actor_type", "=", who.actor_type)
    .where("company_events.actor_id", "=", who.actor_id ?? "")
    .where("company_events.created_at", ">=", day.toISOString())
    .where("company_events.created_at", "<", next.toISOString())
    .execute();
  return rows.some((r) => {
    try {
      const data = JSON.parse(r.data) as { documentId?: unknown; version?: unknown };
      return data.documentId === documentId && data.version === version;
    } catch {
      return false;
    }
  });
}
