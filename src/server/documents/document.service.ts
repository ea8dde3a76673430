import type { Readable } from "node:stream";
import { companiesVisibleTo, lockCompanyFor } from "../companies/company.access.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, forbidden, validationFailed } from "../errors.ts";
import { sealIncoming } from "../files/file.intake.ts";
import { checkFileName } from "../files/file.sniff.ts";
import { newId } from "../ids.ts";
import { documentsWritableBy } from "./document.access.ts";
import {
  companyDocumentBytes,
  type DocumentActor,
  documentLimits,
  documentNotFound,
  findDocumentRow,
  getDocument,
} from "./document.read.ts";
import {
  type DocumentPatch,
  type DocumentView,
  FOLDER_MAX,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
} from "./document.schemas.ts";
import { thumbnailNewVersion } from "./document.thumbnails.ts";

// Changing a company's documents: a new document or a new version (streamed and sealed like an
// attachment, within the workspace's limits), publishing a deliverable, renaming or refiling,
// deleting. Each change writes its event on the company timeline in the same transaction.

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

const tooLarge = (max: number) => (name: string) =>
  new AppError(
    413,
    "document_too_large",
    `“${name}” is larger than ${mb(max)}, the most one document may be.`,
    {
      fields: { file: `“${name}” must be at most ${mb(max)}` },
      // The rest of an oversized body is not read: the connection is closed after the answer.
      headers: { connection: "close" },
    },
  );

const overQuota = (name: string, quota: number) =>
  new AppError(
    413,
    "company_quota_exceeded",
    `“${name}” does not fit: this company's documents may take at most ${mb(quota)} in all.`,
    {
      fields: { file: `“${name}” would go over the company's ${mb(quota)} of documents` },
      headers: { connection: "close" },
    },
  );

export interface UploadInput {
  name: string | undefined;
  body: Readable;
  declaredLength: number | undefined;
}

export interface NewDocumentInput {
  title?: string | undefined;
  folder?: string | undefined;
  tags?: string[] | string | undefined;
  /** Agents only: publish at once; a customer's upload is always published. */
  publish?: boolean | undefined;
}

/** A company the actor may file documents in: an agent's of their workspace, a customer's own. */
async function requireCompany(ctx: AppContext, actor: DocumentActor, companyId: string) {
  if (actor.kind === "customer") {
    if (actor.companyId !== companyId) throw documentNotFound();
    return;
  }
  const row = await companiesVisibleTo(ctx.database.db, actor)
    .select("companies.id")
    .where("companies.id", "=", companyId)
    .executeTakeFirst();
  if (!row) throw documentNotFound();
}

export const cleanFolder = (raw: string | undefined) =>
  (raw ?? "").replace(/\s+/g, " ").trim().slice(0, FOLDER_MAX);

export function cleanTags(raw: string[] | string | undefined): string[] {
  const list = typeof raw === "string" ? raw.split(",") : (raw ?? []);
  const tags = [...new Set(list.map((t) => t.replace(/\s+/g, " ").trim()).filter(Boolean))];
  if (tags.length > TAGS_MAX) throw validationFailed({ tags: `at most ${TAGS_MAX} tags` });
  if (tags.some((t) => t.length > TAG_MAX))
    throw validationFailed({ tags: `each tag at most ${TAG_MAX} characters` });
  return tags;
}

/** Streams the file in within the limits; the caller records it and drops the key on failure. */
async function sealWithinLimits(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  input: UploadInput,
) {
  const { name } = checkFileName(input.name);
  const limits = await documentLimits(ctx, actor.workspaceId);
  const used = await companyDocumentBytes(ctx.database.db, actor.workspaceId, companyId);
  if (input.declaredLength !== undefined && used + input.declaredLength > limits.quotaBytes) {
    if (input.declaredLength <= limits.maxBytes) throw overQuota(name, limits.quotaBytes);
  }
  const sealed = await sealIncoming(ctx, {
    ...input,
    name,
    maxBytes: limits.maxBytes,
    tooLarge: tooLarge(limits.maxBytes),
  });
  return { sealed, quota: limits.quotaBytes };
}

/**
 * Opens the company's quota for one file, first thing in the transaction that stores it: the
 * company's row stays locked until commit (PostgreSQL), so two uploads at once are counted one
 * after the other and cannot both take the last of the quota. Checked before anything is written,
 * so a document's summed size never passes the quota (nor the integer column it lives in).
 */
async function reserveQuota(
  tx: Tx,
  actor: DocumentActor,
  companyId: string,
  file: { name: string; size: number },
  quota: number,
) {
  if (!(await lockCompanyFor(tx, actor, companyId))) throw documentNotFound();
  const used = await companyDocumentBytes(tx, actor.workspaceId, companyId);
  if (used + file.size > quota) throw overQuota(file.name, quota);
}

async function keepOrDrop<T>(ctx: AppContext, storageKey: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await ctx.files.store.delete(storageKey).catch(() => {});
    throw err;
  }
}

const uploaderOf = (actor: DocumentActor) =>
  actor.kind === "agent"
    ? { type: "agent" as const, id: actor.agentId }
    : { type: "contact" as const, id: actor.contactId };

export async function uploadDocument(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  input: UploadInput & NewDocumentInput,
): Promise<DocumentView> {
  await requireCompany(ctx, actor, companyId);
  const title = (input.title ?? "").replace(/\s+/g, " ").trim().slice(0, TITLE_MAX);
  const folder = cleanFolder(input.folder);
  const tags = cleanTags(input.tags);
  const { sealed, quota } = await sealWithinLimits(ctx, actor, companyId, input);
  const source = actor.kind === "agent" ? "team" : "customer";
  const published = actor.kind === "customer" || input.publish === true;
  const id = newId();
  const at = ctx.now().toISOString();
  const by = uploaderOf(actor);
  const versionId = newId();
  await keepOrDrop(ctx, sealed.storageKey, () =>
    ctx.database.db.transaction().execute(async (tx) => {
      await reserveQuota(tx, actor, companyId, sealed, quota);
      await tx
        .insertInto("documents")
        .values({
          id,
          workspace_id: actor.workspaceId,
          company_id: companyId,
          title: title || sealed.name,
          folder,
          tags: JSON.stringify(tags),
          source,
          status: published ? "published" : "draft",
          current_version: 1,
          size_bytes: sealed.size,
          created_by_type: by.type,
          created_by_id: by.id,
          published_at: published ? at : null,
          deleted_at: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await insertVersion(tx, actor, versionId, id, 1, sealed, at);
      await recordCompanyEvent(tx, actor, {
        workspaceId: actor.workspaceId,
        companyId,
        type: "document_uploaded",
        data: { document: title || sealed.name, documentId: id, version: 1 },
        customerVisible: published,
        at,
      });
    }),
  );
  await thumbnailNewVersion(ctx, actor, thumbnailSource(versionId, sealed));
  return getDocument(ctx, actor, companyId, id);
}

/** What a committed version's thumbnail is made from. */
const thumbnailSource = (id: string, sealed: Awaited<ReturnType<typeof sealIncoming>>) => ({
  id,
  content_type: sealed.contentType,
  size_bytes: sealed.size,
  storage_key: sealed.storageKey,
});

async function insertVersion(
  tx: Tx,
  actor: DocumentActor,
  id: string,
  documentId: string,
  version: number,
  sealed: Awaited<ReturnType<typeof sealIncoming>>,
  at: string,
) {
  const by = uploaderOf(actor);
  await tx
    .insertInto("document_versions")
    .values({
      id,
      workspace_id: actor.workspaceId,
      document_id: documentId,
      version,
      file_name: sealed.name,
      content_type: sealed.contentType,
      size_bytes: sealed.size,
      sha256: sealed.sha256,
      storage_key: sealed.storageKey,
      thumb_key: null,
      scan_status: sealed.scanStatus,
      uploaded_by_type: by.type,
      uploaded_by_id: by.id,
      created_at: at,
    })
    .execute();
}

/** A customer changes only their company's own uploads; agents any document of the company. */
function requireChangeable(actor: DocumentActor, doc: { source: string }) {
  if (actor.kind === "customer" && doc.source !== "customer") {
    throw forbidden("Only the team changes its deliverables. Upload your own document instead.");
  }
}

export async function uploadVersion(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  input: UploadInput,
): Promise<DocumentView> {
  const doc = await findDocumentRow(ctx.database.db, actor, companyId, documentId);
  requireChangeable(actor, doc);
  const { sealed, quota } = await sealWithinLimits(ctx, actor, companyId, input);
  const at = ctx.now().toISOString();
  const versionId = newId();
  await keepOrDrop(ctx, sealed.storageKey, () =>
    ctx.database.db.transaction().execute(async (tx) => {
      await reserveQuota(tx, actor, companyId, sealed, quota);
      const current = await findDocumentRow(tx, actor, companyId, documentId);
      // The document's own sum is within the company's, checked again where the column is added to.
      if (Number(current.size_bytes) + sealed.size > quota) throw overQuota(sealed.name, quota);
      const version = Number(current.current_version) + 1;
      await insertVersion(tx, actor, versionId, documentId, version, sealed, at);
      await documentsWritableBy(tx, actor)
        .set((eb) => ({
          current_version: version,
          size_bytes: eb("documents.size_bytes", "+", sealed.size),
          updated_at: at,
        }))
        .where("documents.id", "=", documentId)
        .execute();
      await recordCompanyEvent(tx, actor, {
        workspaceId: actor.workspaceId,
        companyId,
        type: "document_uploaded",
        data: { document: current.title, documentId, version },
        customerVisible: current.status === "published",
        at,
      });
    }),
  );
  await thumbnailNewVersion(ctx, actor, thumbnailSource(versionId, sealed));
  return getDocument(ctx, actor, companyId, documentId);
}

export async function publishDocument(
  ctx: AppContext,
  actor: Extract<DocumentActor, { kind: "agent" }>,
  companyId: string,
  documentId: string,
): Promise<DocumentView> {
  const at = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const doc = await findDocumentRow(tx, actor, companyId, documentId);
    if (doc.status === "published") return;
    await documentsWritableBy(tx, actor)
      .set({ status: "published", published_at: at, updated_at: at })
      .where("documents.id", "=", documentId)
      .execute();
    await recordCompanyEvent(tx, actor, {
      workspaceId: actor.workspaceId,
      companyId,
      type: "document_published",
      data: { document: doc.title, documentId, version: Number(doc.current_version) },
      customerVisible: true,
      at,
    });
  });
  return getDocument(ctx, actor, companyId, documentId);
}

export async function updateDocument(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  patch: DocumentPatch,
): Promise<DocumentView> {
  const doc = await findDocumentRow(ctx.database.db, actor, companyId, documentId);
  requireChangeable(actor, doc);
  const title = patch.title?.replace(/\s+/g, " ").trim();
  if (patch.title !== undefined && !title) throw validationFailed({ title: "must not be empty" });
  await documentsWritableBy(ctx.database.db, actor)
    .set({
      ...(title ? { title } : {}),
      ...(patch.folder !== undefined ? { folder: cleanFolder(patch.folder) } : {}),
      ...(patch.tags !== undefined ? { tags: JSON.stringify(cleanTags(patch.tags)) } : {}),
      updated_at: ctx.now().toISOString(),
    })
    .where("documents.id", "=", documentId)
    .execute();
  return getDocument(ctx, actor, companyId, documentId);
}

/** Soft delete: the document leaves every list and download; its versions stay stored. */
export async function deleteDocument(
  ctx: AppContext,
  actor: Extract<DocumentActor, { kind: "agent" }>,
  companyId: string,
  documentId: string,
): Promise<void> {
  const at = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const doc = await findDocumentRow(tx, actor, companyId, documentId);
    await documentsWritableBy(tx, actor)
      .set({ deleted_at: at, updated_at: at })
      .where("documents.id", "=", documentId)
      .execute();
    await recordCompanyEvent(tx, actor, {
      workspaceId: actor.workspaceId,
      companyId,
      type: "document_deleted",
      data: { document: doc.title, documentId },
      customerVisible: doc.status === "published",
      at,
    });
  });
}
