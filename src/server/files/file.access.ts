import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, notFound } from "../errors.ts";
import { findTicketByTrackingToken } from "../tickets/ticket.access.ts";
import type { StoredFile } from "./file.service.ts";
import { typeByMime } from "./file.sniff.ts";

// Who may read an attachment. Agents: any attachment on a ticket of their workspace (here). A
// token holder: the files on that one ticket and on its public comments, never a file on an
// internal note, never an unattached upload (PUBLIC_ATTACHMENTS in ticket.access.ts, read with
// the ticket by its token). Everything else is the same 404 as a file that does not exist.

const FILE_NOT_FOUND = "We could not find that file.";

export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  typeLabel: string;
  icon: string;
  /** The comment it came with; null for files sent with the ticket itself. */
  commentId: string | null;
}

const COLUMNS = [
  "a.id",
  "a.file_name",
  "a.content_type",
  "a.size_bytes",
  "a.storage_key",
  "a.comment_id",
  "a.created_at",
] as const;

/** Attachments of one ticket for an agent of its workspace. */
function agentVisible(db: Tx, actor: AgentActor, ticketId: string) {
  return db
    .selectFrom("attachments as a")
    .where("a.workspace_id", "=", actor.workspaceId)
    .where("a.ticket_id", "=", ticketId);
}

function toView(r: {
  id: string;
  file_name: string;
  size_bytes: number;
  content_type: string;
  comment_id: string | null;
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
  };
}

/** Attachment rows as the pages and the API show them. */
export const attachmentViews = (rows: Parameters<typeof toView>[0][]) => rows.map(toView);

/** Inside a transaction pass its tx. */
export async function attachmentsForAgent(db: Tx, actor: AgentActor, ticketId: string) {
  const rows = await agentVisible(db, actor, ticketId)
    .select(COLUMNS)
    .orderBy("a.created_at")
    .orderBy("a.id")
    .execute();
  return rows.map(toView);
}

export async function findAttachmentForAgent(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<StoredFile> {
  const row = await ctx.database.db
    .selectFrom("attachments as a")
    .innerJoin("tickets as t", "t.id", "a.ticket_id")
    .select(COLUMNS)
    .where("a.workspace_id", "=", actor.workspaceId)
    .where("t.workspace_id", "=", actor.workspaceId)
    .where("a.id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound(FILE_NOT_FOUND);
  return row;
}

/**
 * A file on the token holder's ticket, from the same read as the tracking page's chips (so a
 * file on an internal note is out here too); an invalid, expired or other ticket's token is the
 * same 404.
 */
export async function findAttachmentForTokenHolder(
  ctx: AppContext,
  req: { slug: string; reference: string; token: unknown; id: string },
): Promise<StoredFile> {
  let access: Awaited<ReturnType<typeof findTicketByTrackingToken>>;
  try {
    access = await findTicketByTrackingToken(ctx, req.slug, req.reference, req.token, { attachments: true });
  } catch (err) {
    if (err instanceof AppError && err.status === 404) throw notFound(FILE_NOT_FOUND);
    throw err;
  }
  const row = access.attachments.find((a) => a.id === req.id);
  if (!row) throw notFound(FILE_NOT_FOUND);
  return row;
}

/**
 * The files a token holder just attached to their own public reply, for the reply's answer: read
 * in its transaction, before the tracking read could see them. Never a file on an internal note.
 */
export async function attachmentsOfOwnReply(
  db: Tx,
  actor: import("../actors.ts").TokenHolderActor,
  commentId: string,
): Promise<AttachmentView[]> {
  const rows = await db
    .selectFrom("attachments as a")
    .innerJoin("comments as c", (j) =>
      j.onRef("c.id", "=", "a.comment_id").onRef("c.ticket_id", "=", "a.ticket_id"),
    )
    .select(["a.id", "a.file_name", "a.content_type", "a.size_bytes", "a.comment_id"])
    .where("a.workspace_id", "=", actor.workspaceId)
    .where("a.ticket_id", "=", actor.ticketId)
    .where("a.comment_id", "=", commentId)
    .where("c.internal", "=", false)
    .orderBy("a.created_at")
    .orderBy("a.id")
    .execute();
  return rows.map(toView);
}
