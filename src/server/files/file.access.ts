import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import {
  type Actor,
  type AgentActor,
  type CustomerActor,
  type SystemActor,
  unknownActor,
} from "../actors.ts";
import type { AppContext } from "../context.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { AppError, notFound } from "../errors.ts";
import { visibleCommentIds } from "../tickets/comment.access.ts";
import { findTicketByTrackingToken, visibleTicketIds } from "../tickets/ticket.access.ts";
import { typeByMime } from "./file.sniff.ts";

// Attachments are read and changed through here only. Who may read one is attachmentScope; the
// token holder's downloads read the same rows as the tracking page (PUBLIC_ATTACHMENTS in
// ticket.access.ts, with the ticket by its token). An upload not yet attached is nobody's to
// read: it is reached only by its key (claimUpload) or by the sweep of the expired ones.
// Anything else is the same 404 as a file that does not exist.

const FILE_NOT_FOUND = "We could not find that file.";

/** What serving a file needs of its row. */
export interface StoredFile {
  id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  storage_key: string;
  /** Its sealed thumbnail, when it has one (thumbnail.ts). */
  thumb_key?: string | null;
}

/**
 * Which attachments an actor may see, as a where clause on `attachments`; only files on a
 * ticket, never an upload still waiting for its key. Agents: those of their workspace. The
 * system: one workspace's, or every workspace's. A token holder: the files of their ticket and of
 * its public comments. A signed-in customer: the same for every ticket they may see. Never a
 * file on an internal note for either, and none for a visitor.
 */
export function attachmentScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "attachments">): Expression<SqlBool> => {
    const attached = eb("attachments.ticket_id", "is not", null);
    switch (actor.kind) {
      case "agent":
        return eb.and([eb("attachments.workspace_id", "=", actor.workspaceId), attached]);
      case "system":
        return actor.workspaceId === undefined
          ? attached
          : eb.and([eb("attachments.workspace_id", "=", actor.workspaceId), attached]);
      case "token_holder":
        return eb.and([
          eb("attachments.workspace_id", "=", actor.workspaceId),
          eb("attachments.ticket_id", "=", actor.ticketId),
          onTicketOrPublicComment(eb, actor),
        ]);
      case "customer":
        return eb.and([
          eb("attachments.workspace_id", "=", actor.workspaceId),
          eb("attachments.ticket_id", "in", visibleTicketIds(eb, actor)),
          onTicketOrPublicComment(eb, actor),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Sent with the ticket itself, or with a comment the customer may see (so never an internal note). */
function onTicketOrPublicComment(eb: ExpressionBuilder<DB, "attachments">, actor: Actor) {
  return eb.or([
    eb("attachments.comment_id", "is", null),
    eb("attachments.comment_id", "in", visibleCommentIds(eb, actor)),
  ]);
}

/** Every attachment read starts here. Inside a transaction pass its tx. */
export function attachmentsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("attachments").where(attachmentScope(actor));
}

export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  typeLabel: string;
  icon: string;
  /** The comment it came with; null for files sent with the ticket itself. */
  commentId: string | null;
  /** Whether `…/thumbnail` beside the download serves a small picture of it. */
  thumbnail: boolean;
  /** Agents' views only: accepted while the malware scanner could not check it. */
  unscanned?: true;
}

const COLUMNS = [
  "attachments.id",
  "attachments.file_name",
  "attachments.content_type",
  "attachments.size_bytes",
  "attachments.storage_key",
  "attachments.comment_id",
  "attachments.created_at",
  "attachments.scan_status",
  "attachments.thumb_key",
] as const;
const CUSTOMER_COLUMNS = COLUMNS.filter((c) => c !== "attachments.scan_status");

function toView(r: {
  id: string;
  file_name: string;
  size_bytes: number;
  content_type: string;
  comment_id: string | null;
  thumb_key?: string | null;
  /** Selected for agents only (COLUMNS); the customers' reads leave it out. */
  scan_status?: "clean" | "unscanned" | null;
}): AttachmentView {
  const t = typeByMime(r.content_type);
  return {
    id: r.id,
    name: r.file_name,
    size: Number(r.size_bytes),
    contentType: r.content_type,
    typeLabel: t?.label ?? "file",
    icon: t?.icon ?? "doc",
    commentId: r.comment_id,
    thumbnail: Boolean(r.thumb_key),
    ...(r.scan_status === "unscanned" ? { unscanned: true as const } : {}),
  };
}

/** Attachment rows as the pages and the API show them. */
export const attachmentViews = (rows: Parameters<typeof toView>[0][]) => rows.map(toView);

/**
 * The files of one ticket the agent may see (inside a transaction pass its tx): given
 * `commentIds`, those sent with the ticket itself and with those messages only.
 */
export async function attachmentsForAgent(
  db: Tx,
  actor: AgentActor,
  ticketId: string,
  commentIds?: string[],
) {
  const rows = await attachmentsVisibleTo(db, actor)
    .select(COLUMNS)
    .where("attachments.ticket_id", "=", ticketId)
    .$if(commentIds !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb("attachments.comment_id", "is", null),
          ...(commentIds?.length ? [eb("attachments.comment_id", "in", commentIds)] : []),
        ]),
      ),
    )
    .orderBy("attachments.created_at")
    .orderBy("attachments.id")
    .execute();
  return rows.map(toView);
}

export async function findAttachmentForAgent(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<StoredFile> {
  const row = await attachmentsVisibleTo(ctx.database.db, actor)
    .select(COLUMNS)
    .where("attachments.id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound(FILE_NOT_FOUND);
  return row;
}

/** The files of one ticket a signed-in customer may see (never a note's), without the agents' scan mark. */
export async function attachmentsForCustomer(db: Tx, actor: CustomerActor, ticketId: string) {
  const rows = await attachmentsVisibleTo(db, actor)
    .select(CUSTOMER_COLUMNS)
    .where("attachments.ticket_id", "=", ticketId)
    .orderBy("attachments.created_at")
    .orderBy("attachments.id")
    .execute();
  return rows.map(toView);
}

/** One file of one ticket a signed-in customer may see; anything else is the same 404. */
export async function findAttachmentForCustomer(
  ctx: AppContext,
  actor: CustomerActor,
  p: { ticketId: string; id: string },
): Promise<StoredFile> {
  const row = await attachmentsVisibleTo(ctx.database.db, actor)
    .select(CUSTOMER_COLUMNS)
    .where("attachments.ticket_id", "=", p.ticketId)
    .where("attachments.id", "=", p.id)
    .executeTakeFirst();
  if (!row) throw notFound(FILE_NOT_FOUND);
  return row;
}

// Uploads not yet attached: reached by their key, which attaches them, or by the sweep.

/** Who attaches an upload: the kind that uploaded it (and for an agent, that agent). */
export type Claimer = { kind: "public" } | { kind: "email" } | { kind: "agent"; agentId: string };

/**
 * Attaches the upload behind one key hash, in one statement inside the caller's transaction:
 * only an upload this claimer made, in this workspace, uploaded after `createdAfter` and not yet
 * attached. The key is cleared as it is used. True when it was attached.
 */
export async function claimUpload(
  tx: Tx,
  claimer: Claimer,
  target: { workspaceId: string; ticketId: string; commentId: string | null },
  p: { claimHash: string; at: string; createdAfter: string },
): Promise<boolean> {
  let q = tx
    .updateTable("attachments")
    .set({ ticket_id: target.ticketId, comment_id: target.commentId, claim_hash: null, attached_at: p.at })
    .where("claim_hash", "=", p.claimHash)
    .where("workspace_id", "=", target.workspaceId)
    .where("ticket_id", "is", null)
    .where("comment_id", "is", null)
    .where("created_at", ">", p.createdAfter)
    .where("uploaded_by_type", "=", claimer.kind);
  if (claimer.kind === "agent") q = q.where("uploaded_by_id", "=", claimer.agentId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * The names of uploads this claimer made in this workspace and has not attached, by their key
 * hashes: for refusals that name the file (one too many, expired). Never another's upload.
 */
export async function unattachedUploadNames(
  tx: Tx,
  claimer: Claimer,
  workspaceId: string,
  claimHashes: readonly string[],
): Promise<Map<string, string>> {
  if (!claimHashes.length) return new Map();
  let q = tx
    .selectFrom("attachments")
    .select(["claim_hash", "file_name"])
    .where("claim_hash", "in", [...claimHashes])
    .where("workspace_id", "=", workspaceId)
    .where("ticket_id", "is", null)
    .where("uploaded_by_type", "=", claimer.kind);
  if (claimer.kind === "agent") q = q.where("uploaded_by_id", "=", claimer.agentId);
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.claim_hash as string, r.file_name]));
}

function wholeServer(actor: SystemActor): void {
  // The type says it; an actor cast past it is still refused.
  if (actor.kind !== "system" || actor.workspaceId !== undefined) {
    throw new Error("only the server's sweep removes uploads");
  }
}

/** Uploads of every workspace never attached and made at or before `createdBy`, for the sweep. */
export function unattachedUploads(db: Tx, actor: SystemActor, p: { createdBy: string; limit: number }) {
  wholeServer(actor);
  return db
    .selectFrom("attachments")
    .select(["id", "storage_key", "thumb_key"])
    .where("ticket_id", "is", null)
    .where("comment_id", "is", null)
    .where("created_at", "<=", p.createdBy)
    .limit(p.limit)
    .execute();
}

/**
 * Records an upload's thumbnail right after the upload stored it (thumbnail.ts), by its id in its
 * workspace, once: a row that already has one keeps it. True when it was recorded.
 */
export async function setAttachmentThumbnail(
  db: Tx,
  p: { workspaceId: string; id: string; thumbKey: string },
): Promise<boolean> {
  const r = await db
    .updateTable("attachments")
    .set({ thumb_key: p.thumbKey })
    .where("id", "=", p.id)
    .where("workspace_id", "=", p.workspaceId)
    .where("thumb_key", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes an upload's row only while it is still unattached; true when it was deleted. */
export async function deleteUnattachedUpload(db: Tx, actor: SystemActor, id: string): Promise<boolean> {
  wholeServer(actor);
  const r = await db
    .deleteFrom("attachments")
    .where("id", "=", id)
    .where("ticket_id", "is", null)
    .where("comment_id", "is", null)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/**
 * A file on the token holder's ticket, from the same read as the tracking page's chips (so a
 * file on an internal note is out here too); an invalid, expired or other ticket's token is the
 * same 404.
 */
export async function findAttachmentForTokenHolder(
  ctx: AppContext,
  req: { slug: string; reference: string; token: unknown; id: string; viewer?: CustomerActor | undefined },
): Promise<StoredFile> {
  let access: Awaited<ReturnType<typeof findTicketByTrackingToken>>;
  try {
    access = await findTicketByTrackingToken(ctx, req.slug, req.reference, req.token, {
      attachments: true,
      viewer: req.viewer,
    });
  } catch (err) {
    if (err instanceof AppError && err.status === 404) throw notFound(FILE_NOT_FOUND);
    throw err;
  }
  const row = access.attachments.find((a) => a.id === req.id);
  if (!row) throw notFound(FILE_NOT_FOUND);
  return row;
}

/**
 * The files of one comment, for the answer to the reply or note that just attached them: read in
 * its transaction, through the actor's scope (a customer's never include a note's files).
 */
export async function attachmentsOfComment(
  db: Tx,
  actor: Actor,
  commentId: string,
): Promise<AttachmentView[]> {
  // Whether a file went unscanned is for agents only.
  const rows = await attachmentsVisibleTo(db, actor)
    .select(actor.kind === "agent" ? COLUMNS : CUSTOMER_COLUMNS)
    .where("attachments.comment_id", "=", commentId)
    .orderBy("attachments.created_at")
    .orderBy("attachments.id")
    .execute();
  return rows.map(toView);
}

/**
 * Erasure: the files a contact gave on these tickets (every file not uploaded by an agent: the
 * request's own and those on their messages) or on these comments of theirs, with what to delete
 * from the store.
 */
export function customerFilesOf(db: Tx, actor: AgentActor, p: { ticketIds: string[]; commentIds: string[] }) {
  return attachmentsVisibleTo(db, actor)
    .select(["attachments.id", "attachments.storage_key", "attachments.thumb_key"])
    .where((eb) =>
      eb.or([
        p.ticketIds.length
          ? eb.and([
              eb("attachments.ticket_id", "in", p.ticketIds),
              eb("attachments.uploaded_by_type", "!=", "agent"),
            ])
          : nothing(),
        p.commentIds.length ? eb("attachments.comment_id", "in", p.commentIds) : nothing(),
      ]),
    )
    .execute();
}

/** Deletes these attachment rows of the actor's workspace (their files go after the commit). */
export async function deleteAttachments(db: Tx, actor: AgentActor, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db
    .deleteFrom("attachments")
    .where(attachmentScope(actor))
    .where("attachments.id", "in", ids)
    .execute();
}

/**
 * A merge (tickets/merge.ts): one ticket's files move to another; those sent with the ticket itself
 * go with the comment that now carries its first message.
 */
export async function moveAttachments(
  db: Tx,
  actor: AgentActor,
  p: { fromTicketId: string; toTicketId: string; firstCommentId: string | null },
): Promise<number> {
  const base = () =>
    db
      .updateTable("attachments")
      .where(attachmentScope(actor))
      .where("attachments.ticket_id", "=", p.fromTicketId);
  const first = await base()
    .where("attachments.comment_id", "is", null)
    .set({ ticket_id: p.toTicketId, comment_id: p.firstCommentId })
    .executeTakeFirst();
  const rest = await base().set({ ticket_id: p.toTicketId }).executeTakeFirst();
  return Number(first.numUpdatedRows) + Number(rest.numUpdatedRows);
}
