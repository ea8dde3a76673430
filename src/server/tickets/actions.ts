import { MAX_FILES_AGENT } from "../../shared/files.ts";
import { codePointLength, formatReference, MESSAGE_MAX, type TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { emailAgentReplied, emailTicketResolved } from "../email/outbox.tickets.ts";
import { conflict, validationFailed } from "../errors.ts";
import { attachmentsOfComment } from "../files/file.access.ts";
import { claimUploads } from "../files/file.service.ts";
import { notifyMentions } from "../notifications/mentions.ts";
import { publishNotified } from "../notifications/notify.ts";
import { notifyAssignee, patchTeam } from "../routing/ticket-routing.ts";
import { syncSla } from "../sla/sla.timers.ts";
import { onTicketClosed } from "../surveys/ces.ts";
import { onTicketReopened } from "../surveys/still-fixed-resolution.ts";
import { onTicketResolved } from "../surveys/triggers.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { getTicketDetail } from "./detail.ts";
import { refuseUnseenCustomerMessage } from "./reply-collision.ts";
import { findTicketForAgent, markFirstResponse, ticketsWritableBy } from "./ticket.access.ts";
import { cleanText, insertComment, issueTrackingToken, trackingPath } from "./ticket.create.ts";
import { recordEvent } from "./ticket.events.ts";
import type { AgentReply, CommentResult, Note, TicketDetail, TicketPatch } from "./ticket.schemas.ts";
import { indexTicketText } from "./ticket.search.ts";

// What agents do to a ticket: change its status, priority or assignee, resolve it, reply to the
// customer, add an internal note. Each is one transaction on the ticket, locked on PostgreSQL.

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
    trackingUrl: portalUrl(ctx.config, ws, trackingPath(ws.slug, t.number, token)),
  };
}

/**
 * Applies a change inside tx, recording one event per field that really changed. Resolving
 * emails the customer the resolution, unless `ws` is left out (a reply that resolves says so in
 * its own email).
 */
export async function applyPatch(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  t: TicketTable,
  patch: TicketPatch,
  now: string,
  opts: { ws?: Workspace; touch?: boolean } = {},
): Promise<string[]> {
  const { ws } = opts;
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
        const survey = await onTicketResolved(ctx, tx, {
          ws,
          ticket: t,
          agentId: set.assignee_id !== undefined ? set.assignee_id : t.assignee_id,
          resolutionEmail: true,
          resolvedAt: now,
        });
        await emailTicketResolved(ctx, tx, {
          ws,
          ticket: t,
          resolution: set.resolution ?? null,
          ...link,
          ...(survey ?? {}),
        });
      }
    } else {
      if (patch.status === "closed") set.closed_at = now;
      else set.closed_at = null;
      // Closing a ticket of a type the admin chose asks the customer how easy it was (CES).
      if (patch.status === "closed") await onTicketClosed(ctx, tx, t);
      if (patch.status !== "closed") set.resolved_at = null;
      const reopened = (t.status === "resolved" || t.status === "closed") && patch.status !== "closed";
      if (reopened) await onTicketReopened(ctx, tx, t);
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
  if (patch.teamId !== undefined) await patchTeam(ctx, tx, actor, t, patch.teamId, set, now);
  const notified = set.assignee_id ? await notifyAssignee(ctx, tx, actor, t, set.assignee_id) : [];
  // `touch`: the ticket changed in another way (a new comment), so it is updated even when no field is.
  if (Object.keys(set).length === 0 && !opts.touch) return notified;
  set.updated_at = now;
  await ticketsWritableBy(tx, actor).set(set).where("tickets.id", "=", t.id).execute();
  // A comment's own call keeps the SLA timers (with the reply); a change alone does here.
  if (!opts.touch) await syncSla(ctx, tx, t, t);
  return notified;
}

export async function updateTicket(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  patch: TicketPatch,
  opts: { refuseClosed?: boolean } = {},
): Promise<TicketDetail> {
  const ws = await getWorkspace(ctx, actor);
  const notified = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await findTicketForAgent(ctx, actor, reference, { tx, lock: true });
    // Judged on the locked row, so a ticket closed meanwhile is not resolved.
    if (opts.refuseClosed && t.status === "closed") {
      throw conflict("ticket_closed", "This ticket is closed. Reopen it first.");
    }
    return { ids: await applyPatch(ctx, tx, actor, t, patch, nowIso(ctx), { ws }), number: t.number };
  });
  publishNotified(ctx, actor.workspaceId, notified.ids);
  ctx.live.publish({
    workspaceId: actor.workspaceId,
    topic: "ticket",
    reference: formatReference(notified.number),
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
  return updateTicket(ctx, actor, reference, { status: "resolved", resolution }, { refuseClosed: true });
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
    seenMessage?: string | undefined;
    sendAnyway?: boolean | undefined;
  },
): Promise<CommentResult> {
  const body = cleanText(input.body);
  // Checked here as well as in the API schema: the app's forms arrive without one.
  if (!body) throw validationFailed({ body: "must not be empty" });
  if (codePointLength(body) > MESSAGE_MAX) {
    throw validationFailed({ body: `must be at most ${MESSAGE_MAX.toLocaleString("en-US")} characters` });
  }
  const ws = await getWorkspace(ctx, actor);
  let mentioned: string[] = [];
  const entry = await ctx.database.db.transaction().execute(async (tx) => {
    const t = await findTicketForAgent(ctx, actor, reference, { tx, lock: true });
    if (!input.internal) await refuseUnseenCustomerMessage(tx, actor, t, input);
    const now = nowIso(ctx);
    const id = await insertComment(tx, {
      workspaceId: t.workspace_id,
      ticketId: t.id,
      author: { type: "agent", agentId: actor.agentId },
      body,
      internal: input.internal,
      channel: "web",
      at: now,
    });
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
    await applyPatch(ctx, tx, actor, t, { status: input.status }, now, { touch: true });
    if (input.status === "resolved" && t.status !== "resolved") {
      // The reply is the resolution's email: a CSAT due now leaves as its own.
      await onTicketResolved(ctx, tx, {
        ws,
        ticket: t,
        agentId: t.assignee_id,
        resolutionEmail: false,
        resolvedAt: now,
      });
    }
    const agent = await tx
      .selectFrom("agents")
      .select("name")
      .where("id", "=", actor.agentId)
      .executeTakeFirst();
    if (input.internal) {
      mentioned = await notifyMentions(ctx, tx, {
        workspaceId: t.workspace_id,
        ticketId: t.id,
        reference: formatReference(t.number),
        subject: t.subject,
        body,
        authorAgentId: actor.agentId,
        authorName: agent?.name ?? "",
      });
    }
    if (!input.internal) {
      await markFirstResponse(tx, actor, t.id, now);
      // Only a public reply leaves by email; a note never reaches this line.
      const link = await customerLink(ctx, tx, actor, ws, t);
      await emailAgentReplied(ctx, tx, {
        ws,
        ticket: t,
        agentName: agent?.name ?? brandingOf(ws).brandName,
        body,
        resolved: input.status === "resolved" && t.status !== "resolved",
        commentId: id,
        ...link,
      });
    }
    await syncSla(ctx, tx, t, t, input.internal ? undefined : "agent_replied");
    return {
      id,
      internal: input.internal,
      author: { type: "agent" as const, id: actor.agentId, name: agent?.name ?? "" },
      body,
      channel: "web",
      createdAt: now,
      attachments: await attachmentsOfComment(tx, actor, id),
    };
  });
  publishNotified(ctx, actor.workspaceId, mentioned);
  const ticket = await getTicketDetail(ctx, actor, reference);
  ctx.live.publish({ workspaceId: actor.workspaceId, topic: "ticket", reference: ticket.reference });
  return { entry, ticket };
}

/** A public reply: the customer sees it. Optionally moves the ticket to a new status at once. */
export function replyToTicket(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  input: AgentReply,
): Promise<CommentResult> {
  return addComment(ctx, actor, reference, { ...input, internal: false });
}

/** An internal note: agents only, never on any customer-facing path. */
export function addInternalNote(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  input: Note,
): Promise<CommentResult> {
  return addComment(ctx, actor, reference, {
    body: input.body,
    attachments: input.attachments,
    internal: true,
  });
}
