import type { CustomerActor } from "../actors.ts";
import { contactsVisibleTo, contactsWritableBy } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { changedSince, latestDocuments, listDocuments } from "./document.read.ts";
import type { DocumentView, PortalDocumentsSummary } from "./document.schemas.ts";

// The portal's view of a company's documents (document.access.ts): its own uploads and the
// team's published deliverables, and what is new since the customer last opened them.

async function seenAt(ctx: AppContext, actor: CustomerActor): Promise<string | null> {
  const row = await contactsVisibleTo(ctx.database.db, actor)
    .select("contacts.documents_seen_at")
    .where("contacts.id", "=", actor.contactId)
    .executeTakeFirst();
  return row?.documents_seen_at ?? null;
}

export async function portalDocumentsSummary(
  ctx: AppContext,
  actor: CustomerActor,
): Promise<PortalDocumentsSummary> {
  if (!actor.companyId) return { latest: [], newCount: 0 };
  const seen = await seenAt(ctx, actor);
  const [latest, newCount] = await Promise.all([
    latestDocuments(ctx, actor, actor.companyId, 5),
    changedSince(ctx, actor, actor.companyId, seen),
  ]);
  return {
    latest: latest.map((d) => ({
      id: d.id,
      title: d.title,
      folder: d.folder,
      source: d.source,
      version: d.version,
      fileName: d.fileName,
      size: d.size,
      typeLabel: d.typeLabel,
      contentType: d.contentType,
      badge: d.badge,
      thumbnail: d.thumbnail,
      updatedAt: d.updatedAt,
      isNew: isNewTo(d, seen),
    })),
    newCount,
  };
}

/** Added or changed since the last visit, and not by this customer (their own change is no news). */
export const isNewTo = (d: DocumentView, seen: string | null) =>
  (seen === null || d.updatedAt > seen) && d.versions[0]?.uploadedBy !== "You";

/** The customer opened their documents: what is there now is no longer new. */
export async function markDocumentsSeen(ctx: AppContext, actor: CustomerActor): Promise<void> {
  await contactsWritableBy(ctx.database.db, actor)
    .set({ documents_seen_at: ctx.now().toISOString() })
    .where("contacts.id", "=", actor.contactId)
    .execute();
}

/** The documents page: the list, with what was new before this visit; then it is all seen. */
export async function openPortalDocuments(ctx: AppContext, actor: CustomerActor, companyId: string) {
  const [list, seen] = await Promise.all([listDocuments(ctx, actor, companyId), seenAt(ctx, actor)]);
  await markDocumentsSeen(ctx, actor);
  return { list, seenAt: seen };
}
