import type { CustomerActor } from "../actors.ts";
import { contactsVisibleTo, contactsWritableBy } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { listDocuments } from "./document.read.ts";
import type { DocumentList, PortalDocumentsSummary } from "./document.schemas.ts";

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
  const [list, seen] = await Promise.all([listDocuments(ctx, actor, actor.companyId), seenAt(ctx, actor)]);
  // Changes the customer made themselves are not news to them.
  const isNew = (d: DocumentList["documents"][number]) =>
    (seen === null || d.updatedAt > seen) && d.versions[0]?.uploadedBy !== "You";
  return {
    latest: list.documents.slice(0, 5).map((d) => ({
      id: d.id,
      title: d.title,
      folder: d.folder,
      source: d.source,
      version: d.version,
      fileName: d.fileName,
      size: d.size,
      typeLabel: d.typeLabel,
      updatedAt: d.updatedAt,
      isNew: isNew(d),
    })),
    newCount: list.documents.filter(isNew).length,
  };
}

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
