import type { AppContext } from "../context.ts";
import { makeThumbnail, type ThumbnailSource } from "../files/thumbnail.ts";
import { documentVersionsWritableBy } from "./document.access.ts";
import { type DocumentActor, findVersionRow } from "./document.read.ts";

// A document version's thumbnail: made once its upload is committed, from the stored (already
// sniffed) image, like an attachment's (files/thumbnail.ts); served only to whoever may download
// that same version.

/**
 * Makes and records a new version's thumbnail. Never throws: an image that gets none shows its
 * type badge, and the upload it follows has already succeeded.
 */
export async function thumbnailNewVersion(
  ctx: AppContext,
  actor: DocumentActor,
  version: ThumbnailSource,
): Promise<void> {
  try {
    await makeThumbnail(ctx, version, async (thumbKey) => {
      const r = await documentVersionsWritableBy(ctx.database.db, actor)
        .set({ thumb_key: thumbKey })
        .where("document_versions.id", "=", version.id)
        .where("document_versions.thumb_key", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  } catch (err) {
    ctx.log.warn(
      { versionId: version.id, reason: err instanceof Error ? err.message : String(err) },
      "a document version's thumbnail was not recorded",
    );
  }
}

/** The version's thumbnail key, through the download's own access check (404 otherwise). */
export async function findDocumentThumbnail(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  version?: number,
) {
  const { file } = await findVersionRow(ctx.database.db, actor, companyId, documentId, version);
  return { id: file.id, thumb_key: file.thumb_key };
}
