import { type AgentActor, type CustomerActor, systemActorIn } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { typeByMime } from "../files/file.sniff.ts";
import { documentsVisibleTo, documentVersionsVisibleTo } from "./document.access.ts";
import type {
  DocumentList,
  DocumentListQuery,
  DocumentVersionView,
  DocumentView,
} from "./document.schemas.ts";

// Reading a company's documents, for agents (any of their workspace's companies) and for a
// signed-in customer (their own company's, through document.access.ts: never a draft).

export type DocumentActor = AgentActor | CustomerActor;

export const DOCUMENT_NOT_FOUND = "No such document.";
export const documentNotFound = () => notFound(DOCUMENT_NOT_FOUND);

export const DOCUMENT_COLUMNS = [
  "documents.id",
  "documents.workspace_id",
  "documents.company_id",
  "documents.title",
  "documents.folder",
  "documents.tags",
  "documents.source",
  "documents.status",
  "documents.current_version",
  "documents.size_bytes",
  "documents.published_at",
  "documents.created_at",
  "documents.updated_at",
] as const;

export const VERSION_COLUMNS = [
  "document_versions.id",
  "document_versions.document_id",
  "document_versions.version",
  "document_versions.file_name",
  "document_versions.content_type",
  "document_versions.size_bytes",
  "document_versions.storage_key",
  "document_versions.thumb_key",
  "document_versions.uploaded_by_type",
  "document_versions.uploaded_by_id",
  "document_versions.created_at",
] as const;

/** The badge names the real type, as the bytes were judged at upload (a CSV reads "CSV"). */
export const badgeOf = (contentType: string) => typeByMime(contentType)?.badge ?? "File";

export const parseTags = (raw: string): string[] => {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
};

/** The workspace's limits: one file, and one company's total. */
export async function documentLimits(ctx: AppContext, workspaceId: string) {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select(["document_max_bytes", "document_quota_bytes"])
    .where("id", "=", workspaceId)
    .executeTakeFirstOrThrow();
  return { maxBytes: Number(row.document_max_bytes), quotaBytes: Number(row.document_quota_bytes) };
}

/** Bytes a company's documents take, drafts included, whoever asks. */
export async function companyDocumentBytes(db: Tx, workspaceId: string, companyId: string) {
  const row = await documentsVisibleTo(db, systemActorIn("document quota", workspaceId))
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>("documents.size_bytes"), eb.lit(0)).as("n"))
    .where("documents.company_id", "=", companyId)
    .where("documents.deleted_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Who uploaded, as the reader may see it: agents see names, a customer sees "You" or the team. */
async function uploaderNames(
  ctx: AppContext,
  actor: DocumentActor,
  versions: { uploaded_by_type: string; uploaded_by_id: string | null }[],
): Promise<(v: { uploaded_by_type: string; uploaded_by_id: string | null }) => string> {
  const db = ctx.database.db;
  const contactIds = [
    ...new Set(versions.filter((v) => v.uploaded_by_type === "contact").map((v) => v.uploaded_by_id ?? "")),
  ].filter(Boolean);
  const contacts = new Map<string, string>();
  if (contactIds.length) {
    const rows = await contactsVisibleTo(db, actor)
      .select(["contacts.id", "contacts.name", "contacts.email"])
      .where("contacts.id", "in", contactIds)
      .execute();
    for (const r of rows) contacts.set(r.id, r.name || r.email);
  }
  const agents = new Map<string, string>();
  if (actor.kind === "agent") {
    const agentIds = [
      ...new Set(versions.filter((v) => v.uploaded_by_type === "agent").map((v) => v.uploaded_by_id ?? "")),
    ].filter(Boolean);
    if (agentIds.length) {
      const rows = await db
        .selectFrom("agents")
        .select(["id", "name"])
        .where("workspace_id", "=", actor.workspaceId)
        .where("id", "in", agentIds)
        .execute();
      for (const r of rows) agents.set(r.id, r.name);
    }
  }
  return (v) => {
    if (v.uploaded_by_type === "agent") return agents.get(v.uploaded_by_id ?? "") ?? "The team";
    if (actor.kind === "customer" && v.uploaded_by_id === actor.contactId) return "You";
    return contacts.get(v.uploaded_by_id ?? "") ?? (actor.kind === "customer" ? "A colleague" : "A contact");
  };
}

type DocRow = Awaited<ReturnType<typeof documentRows>>[number];

function documentRows(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  q: DocumentListQuery & { limit?: number } = {},
) {
  let query = documentsVisibleTo(ctx.database.db, actor)
    .select(DOCUMENT_COLUMNS)
    .where("documents.company_id", "=", companyId)
    .where("documents.deleted_at", "is", null);
  if (q.folder !== undefined) query = query.where("documents.folder", "=", q.folder);
  return query
    .orderBy("documents.updated_at", "desc")
    .orderBy("documents.id")
    .limit(q.limit ?? 500)
    .execute();
}

/** The latest few documents in full, for a summary. */
export async function latestDocuments(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  limit: number,
) {
  return viewsOf(ctx, actor, await documentRows(ctx, actor, companyId, { limit }));
}

/** How many documents changed after `since` by someone other than this customer. */
export async function changedSince(
  ctx: AppContext,
  actor: CustomerActor,
  companyId: string,
  since: string | null,
) {
  const db = ctx.database.db;
  let q = documentsVisibleTo(db, actor)
    .select(["documents.id", "documents.current_version"])
    .where("documents.company_id", "=", companyId)
    .where("documents.deleted_at", "is", null);
  if (since !== null) q = q.where("documents.updated_at", ">", since);
  const docs = await q.limit(1000).execute();
  if (!docs.length) return 0;
  const mine = await documentVersionsVisibleTo(db, actor)
    .select(["document_versions.document_id", "document_versions.version"])
    .where(
      "document_versions.document_id",
      "in",
      docs.map((d) => d.id),
    )
    .where("document_versions.uploaded_by_type", "=", "contact")
    .where("document_versions.uploaded_by_id", "=", actor.contactId)
    .execute();
  const own = new Set(mine.map((v) => `${v.document_id}:${Number(v.version)}`));
  return docs.filter((d) => !own.has(`${d.id}:${Number(d.current_version)}`)).length;
}

async function viewsOf(ctx: AppContext, actor: DocumentActor, docs: DocRow[]): Promise<DocumentView[]> {
  if (!docs.length) return [];
  const versions = await documentVersionsVisibleTo(ctx.database.db, actor)
    .select(VERSION_COLUMNS)
    .where(
      "document_versions.document_id",
      "in",
      docs.map((d) => d.id),
    )
    .orderBy("document_versions.version", "desc")
    .execute();
  const who = await uploaderNames(ctx, actor, versions);
  return docs.map((d) => {
    const own: DocumentVersionView[] = versions
      .filter((v) => v.document_id === d.id)
      .map((v) => ({
        version: Number(v.version),
        fileName: v.file_name,
        contentType: v.content_type,
        typeLabel: typeByMime(v.content_type)?.label ?? "file",
        badge: badgeOf(v.content_type),
        thumbnail: Boolean(v.thumb_key),
        size: Number(v.size_bytes),
        uploadedBy: who(v),
        createdAt: v.created_at,
      }));
    const current = own.find((v) => v.version === Number(d.current_version)) ?? own[0];
    return {
      id: d.id,
      title: d.title,
      folder: d.folder,
      tags: parseTags(d.tags),
      source: d.source,
      status: d.status,
      version: Number(d.current_version),
      fileName: current?.fileName ?? "",
      size: current?.size ?? 0,
      typeLabel: current?.typeLabel ?? "file",
      contentType: current?.contentType ?? "",
      badge: current?.badge ?? "File",
      thumbnail: current?.thumbnail ?? false,
      createdAt: d.created_at,
      updatedAt: d.updated_at,
      publishedAt: d.published_at,
      versions: own,
    };
  });
}

/** The company a request names: an agent's from the address, a customer's their own. */
export function companyOf(actor: DocumentActor, companyId?: string): string {
  const id = actor.kind === "customer" ? actor.companyId : companyId;
  if (!id) throw documentNotFound();
  return id;
}

export async function listDocuments(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  q: DocumentListQuery = {},
): Promise<DocumentList> {
  if (actor.kind === "agent") {
    const company = await companiesVisibleTo(ctx.database.db, actor)
      .select("companies.id")
      .where("companies.id", "=", companyId)
      .executeTakeFirst();
    if (!company) throw documentNotFound();
  }
  const all = await documentRows(ctx, actor, companyId);
  const folders = [...new Set(all.map((d) => d.folder))].sort();
  const tags = [...new Set(all.flatMap((d) => parseTags(d.tags)))].sort();
  const picked = all.filter(
    (d) => (q.folder === undefined || d.folder === q.folder) && (!q.tag || parseTags(d.tags).includes(q.tag)),
  );
  const limits = await documentLimits(ctx, actor.workspaceId);
  return {
    documents: await viewsOf(ctx, actor, picked),
    folders,
    tags,
    usedBytes: await companyDocumentBytes(ctx.database.db, actor.workspaceId, companyId),
    quotaBytes: limits.quotaBytes,
    maxBytes: limits.maxBytes,
  };
}

export async function findDocumentRow(db: Tx, actor: DocumentActor, companyId: string, id: string) {
  const row = await documentsVisibleTo(db, actor)
    .select(DOCUMENT_COLUMNS)
    .where("documents.id", "=", id.slice(0, 40))
    .where("documents.company_id", "=", companyId)
    .where("documents.deleted_at", "is", null)
    .executeTakeFirst();
  if (!row) throw documentNotFound();
  return row;
}

export async function getDocument(
  ctx: AppContext,
  actor: DocumentActor,
  companyId: string,
  id: string,
): Promise<DocumentView> {
  const row = await findDocumentRow(ctx.database.db, actor, companyId, id);
  const [view] = await viewsOf(ctx, actor, [row]);
  if (!view) throw documentNotFound();
  return view;
}

/**
 * One version (the current by default) of a document the actor may see: the one check both the
 * download and the thumbnail go through, so neither reaches a version the other would refuse.
 */
export async function findVersionRow(
  db: Tx,
  actor: DocumentActor,
  companyId: string,
  documentId: string,
  version?: number,
) {
  const doc = await findDocumentRow(db, actor, companyId, documentId);
  const wanted = version ?? Number(doc.current_version);
  const file = await documentVersionsVisibleTo(db, actor)
    .select(VERSION_COLUMNS)
    .where("document_versions.document_id", "=", doc.id)
    .where("document_versions.version", "=", wanted)
    .executeTakeFirst();
  if (!file) throw documentNotFound();
  return { doc, file, version: wanted };
}
