import { createHash } from "node:crypto";
import { MAX_FILES_AGENT, MAX_FILES_CUSTOMER_REPLY, MAX_FILES_SUBMIT } from "../../shared/files.ts";
import {
  codePointLength,
  formatReference,
  MESSAGE_MAX,
  parseReference,
  STATUS_LABELS,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { findOrCreateContact } from "../contacts/contact.service.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { PreparedRead, PreparedWrite, readOne } from "../db/prepared.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import {
  absoluteUrl,
  emailAgentReplied,
  emailCustomerReplied,
  emailTicketCreated,
  emailTicketResolved,
} from "../email/outbox.ts";
import { AppError, conflict, tooManyRequests, validationFailed } from "../errors.ts";
import { type AttachmentView, attachmentsForAgent, attachmentViews } from "../files/file.access.ts";
import { claimUploads } from "../files/file.service.ts";
import { newId } from "../ids.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { getWorkspace, getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import {
  findTicketByTrackingToken,
  findTicketForAgent,
  lockTicket,
  type PublicConversationRow,
  ticketsVisibleTo,
} from "./ticket.access.ts";
import { type EventActor, recordEvent } from "./ticket.events.ts";
import { indexTicketText, matchingTicketIds } from "./ticket.search.ts";

export const TRACKING_TOKEN_TTL_DAYS = 30;
const brandingOfName = (ws: Workspace) => ws.brand_name ?? ws.name;
const SUBMIT_WINDOW_MS = 3600_000;

/** Line endings to \n and no trailing blank space: what people meant, stored once. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .trim();
}

/** The status a customer sees: the portal override when an agent set one, else the ticket's own. */
export function customerStatusOf(t: Pick<TicketTable, "status" | "portal_status">): TicketStatus {
  return (t.portal_status ?? t.status) as TicketStatus;
}

export function trackingPath(slug: string, number: number, token: string): string {
  return `/portal/${slug}/tickets/${formatReference(number)}?t=${token}`;
}

const TRACKING_TOKEN_INSERT = new PreparedWrite(
  ["tokenHash", "workspaceId", "ticketId", "email", "createdAt", "expiresAt"],
  (db, p) =>
    db.insertInto("tracking_tokens").values({
      token_hash: p.tokenHash,
      workspace_id: p.workspaceId,
      ticket_id: p.ticketId,
      email_normalized: p.email,
      created_at: p.createdAt,
      expires_at: p.expiresAt,
    }),
);

export async function issueTrackingToken(
  ctx: AppContext,
  tx: Tx,
  t: { workspaceId: string; ticketId: string; emailNormalized: string; at: Date },
): Promise<string> {
  const token = newToken();
  await TRACKING_TOKEN_INSERT.execute(ctx.database, tx, {
    tokenHash: hashToken(token),
    workspaceId: t.workspaceId,
    ticketId: t.ticketId,
    email: t.emailNormalized,
    createdAt: t.at.toISOString(),
    expiresAt: new Date(t.at.getTime() + TRACKING_TOKEN_TTL_DAYS * 86400_000).toISOString(),
  });
  return token;
}

export interface NewTicket {
  workspace: Workspace;
  contactId: string;
  companyId: string | null;
  subject: string;
  description: string;
  type: TicketType;
  channel: TicketTable["channel"];
  actor: EventActor;
  followUpOfId?: string;
  /** Email tickets thread on the customer's own Message-ID. */
  emailThreadId?: string;
}

const NEXT_NUMBER = new PreparedWrite(["workspaceId"], (db, p) =>
  db
    .updateTable("ticket_sequences")
    .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
    .where("workspace_id", "=", p.workspaceId)
    .returning("last_number"),
);

const TICKET_INSERT = new PreparedWrite(
  [
    "id",
    "workspaceId",
    "number",
    "contactId",
    "companyId",
    "subject",
    "description",
    "type",
    "channel",
    "emailThreadId",
    "followUpOfId",
    "at",
  ],
  (db, p) =>
    db.insertInto("tickets").values({
      id: p.id,
      workspace_id: p.workspaceId,
      number: p.number,
      contact_id: p.contactId,
      company_id: p.companyId,
      subject: p.subject,
      description: p.description,
      type: p.type,
      status: "open",
      portal_status: null,
      priority: "medium",
      channel: p.channel,
      assignee_id: null,
      email_thread_id: p.emailThreadId,
      resolution: null,
      resolved_at: null,
      closed_at: null,
      follow_up_of_id: p.followUpOfId,
      created_at: p.at,
      updated_at: p.at,
    }),
);

/** Takes the next number of the workspace inside the caller's transaction: no gaps, no repeats. */
export async function insertTicket(ctx: AppContext, tx: Tx, t: NewTicket): Promise<TicketTable> {
  const [seq] = await NEXT_NUMBER.execute(ctx.database, tx, { workspaceId: t.workspace.id });
  if (!seq) throw new Error(`no ticket sequence for workspace ${t.workspace.id}`);
  const now = nowIso(ctx);
  const id = newId();
  const row: TicketTable = {
    id,
    workspace_id: t.workspace.id,
    number: seq.last_number,
    contact_id: t.contactId,
    company_id: t.companyId,
    subject: t.subject,
    description: t.description,
    type: t.type,
    status: "open",
    portal_status: null,
    priority: "medium",
    channel: t.channel,
    assignee_id: null,
    // Replies by email will thread on this id (RFC 5322 Message-ID form).
    email_thread_id: t.emailThreadId ?? `<ticket-${id}@portico>`,
    resolution: null,
    resolved_at: null,
    closed_at: null,
    follow_up_of_id: t.followUpOfId ?? null,
    created_at: now,
    updated_at: now,
  };
  await TICKET_INSERT.execute(ctx.database, tx, {
    id,
    workspaceId: row.workspace_id,
    number: row.number,
    contactId: row.contact_id,
    companyId: row.company_id,
    subject: row.subject,
    description: row.description,
    type: row.type,
    channel: row.channel,
    emailThreadId: row.email_thread_id,
    followUpOfId: row.follow_up_of_id,
    at: now,
  });
  await recordEvent(ctx.database, tx, {
    workspaceId: row.workspace_id,
    ticketId: id,
    actor: t.actor,
    type: "created",
    data: { channel: t.channel, followUpOf: t.followUpOfId ?? undefined },
    at: now,
  });
  await indexTicketText(ctx, tx, {
    workspaceId: row.workspace_id,
    ticketId: id,
    content: `${t.subject}\n${t.description}`,
  });
  return row;
}

// ---------------------------------------------------------------------------------------------
// Public portal: submit, track, reply (no account; the tracking token is the key)

export interface PortalSubmission {
  name: string;
  email: string;
  subject: string;
  description?: string | undefined;
  type?: TicketType | undefined;
  /** Upload keys from /api/public/upload. */
  attachments?: string[] | undefined;
}

export interface SubmitResult {
  reference: string;
  trackingUrl: string;
  status: TicketStatus;
  createdAt: string;
}

function requestHash(input: PortalSubmission): string {
  const canonical = JSON.stringify([
    input.name,
    input.email,
    input.subject,
    input.description ?? "",
    input.type ?? "",
    input.attachments ?? [],
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Before a submission: is the key already committed? (A race is settled in a transaction, below.) */
const COMMITTED_IDEMPOTENCY_KEY = new PreparedRead(["workspaceId", "key"], (db, p) =>
  db
    .selectFrom("idempotency_keys")
    .select("key")
    .where("workspace_id", "=", p.workspaceId)
    .where("scope", "=", "portal_submit")
    .where("key", "=", p.key),
);

const IDEMPOTENCY_KEY_INSERT = new PreparedWrite(["workspaceId", "key", "hash", "response", "at"], (db, p) =>
  db.insertInto("idempotency_keys").values({
    workspace_id: p.workspaceId,
    scope: "portal_submit",
    key: p.key,
    request_hash: p.hash,
    status_code: 201,
    response: p.response,
    created_at: p.at,
  }),
);

const findIdempotencyKey = (db: Tx, ws: Workspace, key: string) =>
  db
    .selectFrom("idempotency_keys")
    .selectAll()
    .where("workspace_id", "=", ws.id)
    .where("scope", "=", "portal_submit")
    .where("key", "=", key)
    .executeTakeFirst();

/**
 * Rebuilds the answer for a replayed Idempotency-Key; a fresh token is issued, none is stored in
 * clear. Before a submission a committed key is enough to look for. After losing a race for the
 * key, the winner may not be committed yet (on SQLite it can be waiting for its group's fsync):
 * the replay then reads in a transaction of its own on the writer, which sees the winner and whose
 * commit, and so the answer, comes only once the winner is on disk.
 */
async function replaySubmission(
  ctx: AppContext,
  ws: Workspace,
  key: string,
  hash: string,
  opts: { afterConflict: boolean },
): Promise<{ result: SubmitResult; replayed: true } | null> {
  if (!opts.afterConflict) {
    const [committed] = await readOne(
      ctx.database,
      COMMITTED_IDEMPOTENCY_KEY.bind(ctx.database, { workspaceId: ws.id, key }),
    );
    if (!committed) return null;
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const prior = await findIdempotencyKey(tx, ws, key);
    if (!prior) return null;
    if (prior.request_hash !== hash) {
      throw new AppError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request.",
      );
    }
    const { ticketId } = JSON.parse(prior.response) as { ticketId: string };
    const ticket = await tx
      .selectFrom("tickets")
      .innerJoin("contacts", "contacts.id", "tickets.contact_id")
      .select([
        "tickets.id",
        "tickets.number",
        "tickets.status",
        "tickets.portal_status",
        "tickets.created_at",
        "contacts.email_normalized",
      ])
      .where("tickets.workspace_id", "=", ws.id)
      .where("tickets.id", "=", ticketId)
      .executeTakeFirstOrThrow();
    const token = await issueTrackingToken(ctx, tx, {
      workspaceId: ws.id,
      ticketId: ticket.id,
      emailNormalized: ticket.email_normalized,
      at: ctx.now(),
    });
    return {
      replayed: true as const,
      result: {
        reference: formatReference(ticket.number),
        trackingUrl: `${ctx.config.publicUrl ?? ""}${trackingPath(ws.slug, ticket.number, token)}`,
        status: customerStatusOf(ticket),
        createdAt: ticket.created_at,
      },
    };
  });
}

export async function submitPortalTicket(
  ctx: AppContext,
  req: { slug: string; input: PortalSubmission; clientAddress: string; idempotencyKey: string | undefined },
): Promise<{ result: SubmitResult; replayed: boolean }> {
  const ws = await getWorkspaceBySlug(ctx, req.slug);
  const input = req.input;
  const email = normalizeEmail(input.email);
  if (!email) throw validationFailed({ email: "must be a valid email address" });
  const hash = requestHash(input);

  if (req.idempotencyKey) {
    const replay = await replaySubmission(ctx, ws, req.idempotencyKey, hash, { afterConflict: false });
    if (replay) return replay;
  }

  const limit = await ctx.limiter.consume(
    `submit:${req.clientAddress}`,
    ctx.config.submitRateLimitPerHour,
    SUBMIT_WINDOW_MS,
  );
  if (!limit.allowed) {
    throw tooManyRequests(
      "You have sent several requests in a short time. Please wait a little and try again.",
      limit.retryAfterSeconds,
    );
  }

  try {
    return await ctx.database.db.transaction().execute(async (tx) => {
      const contact = await findOrCreateContact(ctx, tx, {
        workspaceId: ws.id,
        email: input.email.trim(),
        emailNormalized: email,
        name: input.name.trim(),
      });
      const ticket = await insertTicket(ctx, tx, {
        workspace: ws,
        contactId: contact.id,
        companyId: contact.company_id,
        subject: cleanText(input.subject),
        description: cleanText(input.description ?? ""),
        type: input.type ?? "Support Request",
        channel: "portal",
        actor: { type: "contact", id: contact.id },
      });
      await claimUploads(
        ctx,
        tx,
        { kind: "public" },
        { workspaceId: ws.id, ticketId: ticket.id, commentId: null },
        input.attachments,
        MAX_FILES_SUBMIT,
      );
      const token = await issueTrackingToken(ctx, tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        emailNormalized: email,
        at: ctx.now(),
      });
      await emailTicketCreated(ctx, tx, {
        ws,
        ticket,
        contact: { address: input.email.trim(), name: contact.name },
        trackingUrl: absoluteUrl(ctx, trackingPath(ws.slug, ticket.number, token)),
      });
      if (req.idempotencyKey) {
        await IDEMPOTENCY_KEY_INSERT.execute(ctx.database, tx, {
          workspaceId: ws.id,
          key: req.idempotencyKey,
          hash,
          response: JSON.stringify({ ticketId: ticket.id }),
          at: ticket.created_at,
        });
      }
      return {
        replayed: false,
        result: {
          reference: formatReference(ticket.number),
          trackingUrl: `${ctx.config.publicUrl ?? ""}${trackingPath(ws.slug, ticket.number, token)}`,
          status: "open" as const,
          createdAt: ticket.created_at,
        },
      };
    });
  } catch (err) {
    // The same key raced in from a second request: the first one won; answer with its ticket.
    if (req.idempotencyKey && isUniqueViolation(err)) {
      const replay = await replaySubmission(ctx, ws, req.idempotencyKey, hash, { afterConflict: true });
      if (replay) return replay;
    }
    throw err;
  }
}

export interface PublicMessage {
  id: string;
  author: { type: "agent" | "contact"; name: string };
  body: string;
  createdAt: string;
  attachments: AttachmentView[];
}

export interface TrackingView {
  reference: string;
  subject: string;
  description: string;
  type: string;
  status: TicketStatus;
  statusLabel: string;
  createdAt: string;
  updatedAt: string;
  contact: { name: string };
  /** Files sent with the request itself; a reply's files are on its message. */
  attachments: AttachmentView[];
  conversation: PublicMessage[];
  resolution: { details: string | null; resolvedAt: string } | null;
}

function toPublicMessage(r: PublicConversationRow, files: AttachmentView[]): PublicMessage {
  return {
    id: r.id,
    author: {
      type: r.author_type as "agent" | "contact",
      name: (r.author_type === "agent" ? r.agent_name : r.contact_name) ?? "",
    },
    body: r.body,
    createdAt: r.created_at,
    attachments: files.filter((f) => f.commentId === r.id),
  };
}

/**
 * Views already built, by the ticket row they were built from. On SQLite a tracking read answered
 * from the read cache hands back the same rows, so the view (which depends on nothing else) is
 * built once per change, not once per request; the checks on the token still run every time.
 */
const TRACKING_VIEWS = new WeakMap<object, TrackingView>();

/** The tracking page's answer: one snapshot of the ticket and its public conversation. */
export async function getTrackingView(
  ctx: AppContext,
  slug: string,
  reference: string,
  token: unknown,
): Promise<TrackingView> {
  const { ticket, conversation, attachments, contact } = await findTicketByTrackingToken(
    ctx,
    slug,
    reference,
    token,
    { conversation: true, attachments: true },
  );
  let view = TRACKING_VIEWS.get(ticket);
  if (!view) {
    view = trackingView(ticket, contact, conversation, attachments);
    TRACKING_VIEWS.set(ticket, view);
  }
  return view;
}

function trackingView(
  ticket: TicketTable,
  contact: { name: string },
  conversation: PublicConversationRow[],
  attachments: Parameters<typeof attachmentViews>[0],
): TrackingView {
  const files = attachmentViews(attachments);
  const status = customerStatusOf(ticket);
  return {
    reference: formatReference(ticket.number),
    subject: ticket.subject,
    description: ticket.description,
    type: ticket.type,
    status,
    statusLabel: STATUS_LABELS[status],
    createdAt: ticket.created_at,
    updatedAt: ticket.updated_at,
    contact: { name: contact.name },
    attachments: files.filter((f) => f.commentId === null),
    conversation: conversation.map((r) => toPublicMessage(r, files)),
    resolution:
      (status === "resolved" || status === "closed") && ticket.resolved_at
        ? { details: ticket.resolution, resolvedAt: ticket.resolved_at }
        : null,
  };
}

/**
 * What follows a customer's comment, from the portal or by email: the event, reopening a
 * Resolved or Waiting ticket, the search index and the agents' email. Returns the new status.
 */
export async function afterCustomerComment(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    /** The ticket as locked in this transaction. */
    ticket: TicketTable;
    contactName: string;
    commentId: string;
    body: string;
    channel: "portal" | "email";
    at: string;
  },
): Promise<TicketStatus> {
  const t = p.ticket;
  const actor: EventActor = { type: "contact", id: t.contact_id };
  const ev = { workspaceId: t.workspace_id, ticketId: t.id, actor, at: p.at };
  await recordEvent(ctx.database, tx, {
    ...ev,
    type: "customer_replied",
    data:
      p.channel === "portal" ? { commentId: p.commentId } : { commentId: p.commentId, channel: p.channel },
  });
  const from = t.status as TicketStatus;
  const reopen = from === "resolved" || from === "waiting";
  if (reopen) await recordEvent(ctx.database, tx, { ...ev, type: "reopened", data: { from, to: "open" } });
  await tx
    .updateTable("tickets")
    .set(
      reopen
        ? { status: "open", portal_status: null, resolved_at: null, updated_at: p.at }
        : { updated_at: p.at },
    )
    .where("id", "=", t.id)
    .where("workspace_id", "=", t.workspace_id)
    .execute();
  await indexTicketText(ctx, tx, { workspaceId: t.workspace_id, ticketId: t.id, content: p.body });
  await emailCustomerReplied(ctx, tx, {
    ws: p.ws,
    ticket: t,
    contactName: p.contactName,
    body: p.body,
    reopened: reopen,
  });
  return reopen ? "open" : from;
}

export type CustomerReplyResult =
  | { kind: "comment"; message: PublicMessage; status: TicketStatus }
  | { kind: "follow_up"; reference: string; trackingUrl: string };

/**
 * A customer's reply from the tracking page. It reopens a Resolved or Waiting ticket. A Closed
 * ticket is final, so the reply starts a follow-up ticket linked to it: the message is never lost.
 */
export async function replyAsTokenHolder(
  ctx: AppContext,
  req: { slug: string; reference: string; token: unknown; body: string; attachments?: string[] | undefined },
): Promise<CustomerReplyResult> {
  const access = await findTicketByTrackingToken(ctx, req.slug, req.reference, req.token);
  const { ticket, contact } = access;
  const body = cleanText(req.body);
  const actor: EventActor = { type: "contact", id: contact.id };

  if (ticket.status === "closed") {
    const ws = await getWorkspaceBySlug(ctx, req.slug);
    return ctx.database.db.transaction().execute(async (tx) => {
      const followUp = await insertTicket(ctx, tx, {
        workspace: ws,
        contactId: contact.id,
        companyId: ticket.company_id,
        subject: ticket.subject,
        description: body,
        type: ticket.type as TicketType,
        channel: "portal",
        actor,
        followUpOfId: ticket.id,
      });
      await claimUploads(
        ctx,
        tx,
        { kind: "public" },
        { workspaceId: ws.id, ticketId: followUp.id, commentId: null },
        req.attachments,
        MAX_FILES_CUSTOMER_REPLY,
      );
      await recordEvent(ctx.database, tx, {
        workspaceId: ws.id,
        ticketId: ticket.id,
        actor,
        type: "follow_up_created",
        data: { reference: formatReference(followUp.number) },
        at: followUp.created_at,
      });
      const token = await issueTrackingToken(ctx, tx, {
        workspaceId: ws.id,
        ticketId: followUp.id,
        emailNormalized: access.actor.emailNormalized,
        at: ctx.now(),
      });
      await emailTicketCreated(ctx, tx, {
        ws,
        ticket: followUp,
        contact: { address: contact.email, name: contact.name },
        trackingUrl: absoluteUrl(ctx, trackingPath(ws.slug, followUp.number, token)),
        followUpOf: formatReference(ticket.number),
      });
      return {
        kind: "follow_up" as const,
        reference: formatReference(followUp.number),
        trackingUrl: `${ctx.config.publicUrl ?? ""}${trackingPath(ws.slug, followUp.number, token)}`,
      };
    });
  }

  const ws = await getWorkspaceBySlug(ctx, req.slug);
  return ctx.database.db.transaction().execute(async (tx) => {
    const current = await lockTicket(ctx, tx, ticket);
    const now = nowIso(ctx);
    const id = newId();
    await tx
      .insertInto("comments")
      .values({
        id,
        workspace_id: ticket.workspace_id,
        ticket_id: ticket.id,
        author_type: "contact",
        author_agent_id: null,
        author_contact_id: contact.id,
        body,
        internal: false,
        channel: "portal",
        email_message_id: null,
        created_at: now,
      })
      .execute();
    await claimUploads(
      ctx,
      tx,
      { kind: "public" },
      { workspaceId: ticket.workspace_id, ticketId: ticket.id, commentId: id },
      req.attachments,
      MAX_FILES_CUSTOMER_REPLY,
    );
    const status = await afterCustomerComment(ctx, tx, {
      ws,
      ticket: current,
      contactName: contact.name,
      commentId: id,
      body,
      channel: "portal",
      at: now,
    });
    return {
      kind: "comment" as const,
      status,
      message: {
        id,
        author: { type: "contact" as const, name: contact.name },
        body,
        createdAt: now,
        // The files just attached to this public reply.
        attachments: attachmentViews(
          await tx
            .selectFrom("attachments")
            .select(["id", "file_name", "content_type", "size_bytes", "comment_id"])
            .where("workspace_id", "=", ticket.workspace_id)
            .where("comment_id", "=", id)
            .orderBy("created_at")
            .orderBy("id")
            .execute(),
        ),
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Workspace: the agents' queue and ticket operations

export const QUEUE_SORTS = ["newest", "oldest", "updated"] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueueQuery {
  status?: TicketStatus[] | undefined;
  priority?: TicketPriority[] | undefined;
  /** "me", "unassigned" or an agent id. */
  assignee?: string | undefined;
  q?: string | undefined;
  sort?: QueueSort | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface TicketSummary {
  reference: string;
  subject: string;
  type: string;
  status: TicketStatus;
  priority: TicketPriority;
  channel: string;
  contact: { id: string; name: string; email: string };
  assignee: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
}

type Cursor = { s: QueueSort; n?: number; u?: string; i?: string };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string, sort: QueueSort): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    const ok =
      c.s === sort &&
      (sort === "updated" ? typeof c.u === "string" && typeof c.i === "string" : Number.isInteger(c.n));
    if (ok) return c;
  } catch {
    // fall through
  }
  throw validationFailed({ cursor: "is not a cursor from this listing" });
}

export async function listQueue(
  ctx: AppContext,
  actor: AgentActor,
  query: QueueQuery,
): Promise<{ items: TicketSummary[]; nextCursor: string | null }> {
  const sort = query.sort ?? "newest";
  const limit = query.limit ?? 25;
  let qb = ticketsVisibleTo(ctx.database.db, actor)
    .innerJoin("contacts", "contacts.id", "tickets.contact_id")
    .leftJoin("agents", "agents.id", "tickets.assignee_id")
    .select([
      "tickets.id",
      "tickets.number",
      "tickets.subject",
      "tickets.type",
      "tickets.status",
      "tickets.priority",
      "tickets.channel",
      "tickets.created_at",
      "tickets.updated_at",
      "contacts.id as contact_id",
      "contacts.name as contact_name",
      "contacts.email as contact_email",
      "agents.id as assignee_id",
      "agents.name as assignee_name",
    ]);
  if (query.status?.length) qb = qb.where("tickets.status", "in", query.status);
  if (query.priority?.length) qb = qb.where("tickets.priority", "in", query.priority);
  if (query.assignee === "unassigned") qb = qb.where("tickets.assignee_id", "is", null);
  else if (query.assignee === "me") qb = qb.where("tickets.assignee_id", "=", actor.agentId);
  else if (query.assignee) qb = qb.where("tickets.assignee_id", "=", query.assignee);
  const byReference = query.q ? parseReference(query.q.trim()) : null;
  if (byReference !== null) {
    // An agent pasting "TKT-0042" wants that ticket, not a text search.
    qb = qb.where("tickets.number", "=", byReference);
  } else if (query.q) {
    const ids = matchingTicketIds(ctx, actor.workspaceId, query.q);
    if (ids) qb = qb.where("tickets.id", "in", ids);
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor, sort);
    if (sort === "newest") qb = qb.where("tickets.number", "<", c.n as number);
    else if (sort === "oldest") qb = qb.where("tickets.number", ">", c.n as number);
    else {
      const u = c.u as string;
      const i = c.i as string;
      qb = qb.where((eb) =>
        eb.or([
          eb("tickets.updated_at", "<", u),
          eb.and([eb("tickets.updated_at", "=", u), eb("tickets.id", "<", i)]),
        ]),
      );
    }
  }
  if (sort === "newest") qb = qb.orderBy("tickets.number", "desc");
  else if (sort === "oldest") qb = qb.orderBy("tickets.number", "asc");
  else qb = qb.orderBy("tickets.updated_at", "desc").orderBy("tickets.id", "desc");

  const rows = await qb.limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor(
          sort === "updated" ? { s: sort, u: last.updated_at, i: last.id } : { s: sort, n: last.number },
        )
      : null;
  return {
    items: page.map((r) => ({
      reference: formatReference(r.number),
      subject: r.subject,
      type: r.type,
      status: r.status as TicketStatus,
      priority: r.priority as TicketPriority,
      channel: r.channel,
      contact: { id: r.contact_id, name: r.contact_name, email: r.contact_email },
      assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name ?? "" } : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    })),
    nextCursor,
  };
}

export interface ConversationEntry {
  id: string;
  internal: boolean;
  author: { type: "agent" | "contact" | "system"; id: string | null; name: string };
  body: string;
  channel: string;
  createdAt: string;
  attachments: AttachmentView[];
}

export interface TicketEventView {
  id: string;
  type: string;
  actor: { type: string; id: string | null; name: string | null };
  data: Record<string, unknown>;
  customerVisible: boolean;
  createdAt: string;
}

export interface TicketDetail extends TicketSummary {
  id: string;
  description: string;
  customerStatus: TicketStatus;
  resolution: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  followUpOf: string | null;
  company: { id: string; name: string } | null;
  /** Files sent with the ticket itself; a comment's files are on its entry. */
  attachments: AttachmentView[];
  conversation: ConversationEntry[];
  events: TicketEventView[];
  contactTickets: { reference: string; subject: string; status: TicketStatus; createdAt: string }[];
}

export async function getTicketDetail(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
): Promise<TicketDetail> {
  const t = await findTicketForAgent(ctx, actor, reference);
  const db = ctx.database.db;
  const [contact, company, assignee, followUpOf, comments, events, others, files] = await Promise.all([
    db
      .selectFrom("contacts")
      .select(["id", "name", "email"])
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", t.contact_id)
      .executeTakeFirstOrThrow(),
    t.company_id
      ? db
          .selectFrom("companies")
          .select(["id", "name"])
          .where("workspace_id", "=", actor.workspaceId)
          .where("id", "=", t.company_id)
          .executeTakeFirst()
      : undefined,
    t.assignee_id
      ? db
          .selectFrom("agents")
          .select(["id", "name"])
          .where("workspace_id", "=", actor.workspaceId)
          .where("id", "=", t.assignee_id)
          .executeTakeFirst()
      : undefined,
    t.follow_up_of_id
      ? ticketsVisibleTo(ctx.database.db, actor)
          .select("number")
          .where("id", "=", t.follow_up_of_id)
          .executeTakeFirst()
      : undefined,
    db
      .selectFrom("comments")
      .leftJoin("agents", "agents.id", "comments.author_agent_id")
      .leftJoin("contacts", "contacts.id", "comments.author_contact_id")
      .select([
        "comments.id",
        "comments.internal",
        "comments.author_type",
        "comments.author_agent_id",
        "comments.author_contact_id",
        "comments.body",
        "comments.channel",
        "comments.created_at",
        "agents.name as agent_name",
        "contacts.name as contact_name",
      ])
      .where("comments.workspace_id", "=", actor.workspaceId)
      .where("comments.ticket_id", "=", t.id)
      .orderBy("comments.created_at")
      .orderBy("comments.id")
      .execute(),
    db
      .selectFrom("ticket_events")
      .leftJoin("agents", (j) =>
        j.onRef("agents.id", "=", "ticket_events.actor_id").on("ticket_events.actor_type", "=", "agent"),
      )
      .leftJoin("contacts", (j) =>
        j.onRef("contacts.id", "=", "ticket_events.actor_id").on("ticket_events.actor_type", "=", "contact"),
      )
      .select([
        "ticket_events.id",
        "ticket_events.type",
        "ticket_events.actor_type",
        "ticket_events.actor_id",
        "ticket_events.data",
        "ticket_events.customer_visible",
        "ticket_events.created_at",
        "agents.name as agent_name",
        "contacts.name as contact_name",
      ])
      .where("ticket_events.workspace_id", "=", actor.workspaceId)
      .where("ticket_events.ticket_id", "=", t.id)
      .orderBy("ticket_events.created_at")
      .orderBy("ticket_events.id")
      .execute(),
    ticketsVisibleTo(ctx.database.db, actor)
      .select(["number", "subject", "status", "created_at"])
      .where("contact_id", "=", t.contact_id)
      .where("id", "!=", t.id)
      .orderBy("number", "desc")
      .limit(10)
      .execute(),
    attachmentsForAgent(db, actor, t.id),
  ]);
  return {
    id: t.id,
    reference: formatReference(t.number),
    subject: t.subject,
    description: t.description,
    type: t.type,
    status: t.status as TicketStatus,
    customerStatus: customerStatusOf(t),
    priority: t.priority as TicketPriority,
    channel: t.channel,
    resolution: t.resolution,
    resolvedAt: t.resolved_at,
    closedAt: t.closed_at,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    followUpOf: followUpOf ? formatReference(followUpOf.number) : null,
    contact,
    company: company ?? null,
    assignee: assignee ?? null,
    attachments: files.filter((f) => f.commentId === null),
    conversation: comments.map((c) => ({
      id: c.id,
      internal: Boolean(c.internal),
      author: {
        type: c.author_type,
        id: c.author_type === "agent" ? c.author_agent_id : c.author_contact_id,
        name: (c.author_type === "agent" ? c.agent_name : c.contact_name) ?? "",
      },
      body: c.body,
      channel: c.channel,
      createdAt: c.created_at,
      attachments: files.filter((f) => f.commentId === c.id),
    })),
    events: events.map((e) => ({
      id: e.id,
      type: e.type,
      actor: { type: e.actor_type, id: e.actor_id, name: e.agent_name ?? e.contact_name ?? null },
      data: JSON.parse(e.data) as Record<string, unknown>,
      customerVisible: Boolean(e.customer_visible),
      createdAt: e.created_at,
    })),
    contactTickets: others.map((o) => ({
      reference: formatReference(o.number),
      subject: o.subject,
      status: o.status as TicketStatus,
      createdAt: o.created_at,
    })),
  };
}

export interface TicketPatch {
  status?: TicketStatus | undefined;
  priority?: TicketPriority | undefined;
  /** null unassigns. */
  assigneeId?: string | null | undefined;
  /** Kept when the ticket is resolved by this change. */
  resolution?: string | undefined;
}

/** The ticket's contact, and a fresh tracking link for an email to them (issued in tx). */
async function customerLink(ctx: AppContext, tx: Tx, actor: AgentActor, ws: Workspace, t: TicketTable) {
  const c = await contactsVisibleTo(tx, actor)
    .select(["email", "name", "email_normalized"])
    .where("id", "=", t.contact_id)
    .executeTakeFirstOrThrow();
  const token = await issueTrackingToken(ctx, tx, {
    workspaceId: t.workspace_id,
    ticketId: t.id,
    emailNormalized: c.email_normalized,
    at: ctx.now(),
  });
  return {
    contact: { address: c.email, name: c.name },
    trackingUrl: absoluteUrl(ctx, trackingPath(ws.slug, t.number, token)),
  };
}

/**
 * Applies a change inside tx, recording one event per field that really changed. Resolving
 * emails the customer the resolution, unless `ws` is left out (a reply that resolves says so in
 * its own email).
 */
async function applyPatch(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  t: TicketTable,
  patch: TicketPatch,
  now: string,
  ws?: Workspace,
): Promise<void> {
  const set: Partial<TicketTable> = {};
  const ev = {
    workspaceId: t.workspace_id,
    ticketId: t.id,
    actor: { type: "agent" as const, id: actor.agentId },
    at: now,
  };
  if (patch.assigneeId !== undefined && patch.assigneeId !== t.assignee_id) {
    if (patch.assigneeId !== null) {
      const agent = await tx
        .selectFrom("agents")
        .select(["id", "active"])
        .where("workspace_id", "=", actor.workspaceId)
        .where("id", "=", patch.assigneeId)
        .executeTakeFirst();
      if (!agent?.active) throw validationFailed({ assigneeId: "is not an active agent of this workspace" });
    }
    set.assignee_id = patch.assigneeId;
    await recordEvent(ctx.database, tx, {
      ...ev,
      type: "assignee_changed",
      data: { from: t.assignee_id, to: patch.assigneeId },
    });
  }
  if (patch.priority !== undefined && patch.priority !== t.priority) {
    set.priority = patch.priority;
    await recordEvent(ctx.database, tx, {
      ...ev,
      type: "priority_changed",
      data: { from: t.priority, to: patch.priority },
    });
  }
  if (patch.status !== undefined && patch.status !== t.status) {
    set.status = patch.status;
    set.portal_status = null;
    if (patch.status === "resolved") {
      set.resolved_at = now;
      set.resolution = patch.resolution !== undefined ? cleanText(patch.resolution) || null : t.resolution;
      await recordEvent(ctx.database, tx, {
        ...ev,
        type: "resolved",
        data: { from: t.status, to: "resolved", resolution: set.resolution },
      });
      if (ws) {
        const link = await customerLink(ctx, tx, actor, ws, t);
        await emailTicketResolved(ctx, tx, { ws, ticket: t, resolution: set.resolution ?? null, ...link });
      }
    } else {
      if (patch.status === "closed") set.closed_at = now;
      else set.closed_at = null;
      if (patch.status !== "closed") set.resolved_at = null;
      const reopened = (t.status === "resolved" || t.status === "closed") && patch.status !== "closed";
      await recordEvent(ctx.database, tx, {
        ...ev,
        type: reopened ? "reopened" : "status_changed",
        data: { from: t.status, to: patch.status },
      });
    }
  } else if (patch.resolution !== undefined && t.status === "resolved") {
    set.resolution = cleanText(patch.resolution) || null;
    await recordEvent(ctx.database, tx, {
      ...ev,
      type: "resolved",
      data: { from: "resolved", to: "resolved", resolution: set.resolution },
    });
  }
  if (Object.keys(set).length === 0) return;
  set.updated_at = now;
  await tx
    .updateTable("tickets")
    .set(set)
    .where("id", "=", t.id)
    .where("workspace_id", "=", actor.workspaceId)
    .execute();
}

export async function updateTicket(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  patch: TicketPatch,
): Promise<TicketDetail> {
  const ws = await getWorkspace(ctx, actor);
  await ctx.database.db.transaction().execute(async (tx) => {
    const t = await findTicketForAgent(ctx, actor, reference, { tx, lock: true });
    await applyPatch(ctx, tx, actor, t, patch, nowIso(ctx), ws);
  });
  return getTicketDetail(ctx, actor, reference);
}

export async function resolveTicket(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  resolution: string,
): Promise<TicketDetail> {
  const text = cleanText(resolution);
  if (!text) throw validationFailed({ resolution: "must not be empty" });
  if (codePointLength(text) > MESSAGE_MAX) {
    throw validationFailed({
      resolution: `must be at most ${MESSAGE_MAX.toLocaleString("en-US")} characters`,
    });
  }
  const t = await findTicketForAgent(ctx, actor, reference);
  if (t.status === "closed") throw conflict("ticket_closed", "This ticket is closed. Reopen it first.");
  return updateTicket(ctx, actor, reference, { status: "resolved", resolution });
}

async function addComment(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  input: {
    body: string;
    internal: boolean;
    status?: TicketStatus | undefined;
    attachments?: string[] | undefined;
  },
): Promise<{ entry: ConversationEntry; ticket: TicketDetail }> {
  const body = cleanText(input.body);
  // Checked here as well as in the API schema: the app's forms arrive without one.
  if (!body) throw validationFailed({ body: "must not be empty" });
  if (codePointLength(body) > MESSAGE_MAX) {
    throw validationFailed({ body: `must be at most ${MESSAGE_MAX.toLocaleString("en-US")} characters` });
  }
  const ws = await getWorkspace(ctx, actor);
  const entry = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await findTicketForAgent(ctx, actor, reference, { tx, lock: true });
    const now = nowIso(ctx);
    const id = newId();
    await tx
      .insertInto("comments")
      .values({
        id,
        workspace_id: t.workspace_id,
        ticket_id: t.id,
        author_type: "agent",
        author_agent_id: actor.agentId,
        author_contact_id: null,
        body,
        internal: input.internal,
        channel: "web",
        email_message_id: null,
        created_at: now,
      })
      .execute();
    await claimUploads(
      ctx,
      tx,
      { kind: "agent", agentId: actor.agentId },
      { workspaceId: t.workspace_id, ticketId: t.id, commentId: id },
      input.attachments,
      MAX_FILES_AGENT,
    );
    await recordEvent(ctx.database, tx, {
      workspaceId: t.workspace_id,
      ticketId: t.id,
      actor: { type: "agent", id: actor.agentId },
      type: input.internal ? "note_added" : "agent_replied",
      data: { commentId: id },
      at: now,
    });
    await indexTicketText(ctx, tx, { workspaceId: t.workspace_id, ticketId: t.id, content: body });
    // A public reply that resolves says so in its own email (notes change no status).
    await applyPatch(ctx, tx, actor, t, { status: input.status }, now);
    await tx.updateTable("tickets").set({ updated_at: now }).where("id", "=", t.id).execute();
    const agent = await tx
      .selectFrom("agents")
      .select("name")
      .where("id", "=", actor.agentId)
      .executeTakeFirst();
    if (!input.internal) {
      // Only a public reply leaves by email; a note never reaches this line.
      const link = await customerLink(ctx, tx, actor, ws, t);
      await emailAgentReplied(ctx, tx, {
        ws,
        ticket: t,
        agentName: agent?.name ?? brandingOfName(ws),
        body,
        resolved: input.status === "resolved" && t.status !== "resolved",
        ...link,
      });
    }
    return {
      id,
      internal: input.internal,
      author: { type: "agent" as const, id: actor.agentId, name: agent?.name ?? "" },
      body,
      channel: "web",
      createdAt: now,
      attachments: (await attachmentsForAgent(tx, actor, t.id)).filter((f) => f.commentId === id),
    };
  });
  return { entry, ticket: await getTicketDetail(ctx, actor, reference) };
}

/** A public reply: the customer sees it. Optionally moves the ticket to a new status at once. */
export function replyToTicket(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  input: { body: string; status?: TicketStatus | undefined; attachments?: string[] | undefined },
) {
  return addComment(ctx, actor, reference, { ...input, internal: false });
}

/** An internal note: agents only, never on any customer-facing path. */
export function addInternalNote(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  input: { body: string; attachments?: string[] | undefined },
) {
  return addComment(ctx, actor, reference, {
    body: input.body,
    attachments: input.attachments,
    internal: true,
  });
}
