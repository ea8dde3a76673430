import { formatReference, STATUS_LABELS } from "../../shared/tickets.ts";
import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { TicketTable } from "../db/schema.ts";
import { type AttachmentView, attachmentViews } from "../files/file.access.ts";
import { publishTicketChanged } from "../live/publish.ts";
import { portalHref } from "../workspaces/portal-url.ts";
import { getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { saveCustomerReply } from "./customer-reply.ts";
import { openFollowUp } from "./follow-up.ts";
import { withPortalReplyCounted } from "./reply-limits.ts";
import {
  type ConversationPage,
  findTicketByTrackingToken,
  lockTicket,
  type PublicConversationRow,
} from "./ticket.access.ts";
import { cleanText, customerStatusOf } from "./ticket.create.ts";
import {
  CONVERSATION_PAGE,
  type CustomerReplyResult,
  type PublicMessage,
  type TrackingView,
} from "./ticket.schemas.ts";

// The tracking page of the public portal: the token holder's view of their ticket, and their
// replies to it. The view is the portal's hottest read (prepared, cached; ticket.access.ts).

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

/**
 * The tracking page's answer: one snapshot of the ticket and one page of its public conversation
 * (the newest messages unless `page.before` names one; a message of another ticket is refused).
 */
export async function getTrackingView(
  ctx: AppContext,
  slug: string,
  reference: string,
  token: unknown,
  viewer?: CustomerActor,
  page: Partial<ConversationPage> = {},
): Promise<TrackingView> {
  const limit = page.limit ?? CONVERSATION_PAGE;
  const { ticket, conversation, attachments, contact } = await findTicketByTrackingToken(
    ctx,
    slug,
    reference,
    token,
    { conversation: { limit, before: page.before }, attachments: true, viewer },
  );
  let view = TRACKING_VIEWS.get(ticket);
  if (!view) {
    view = trackingView(ticket, contact, conversation, attachments, limit);
    TRACKING_VIEWS.set(ticket, view);
  }
  return view;
}

function trackingView(
  ticket: TicketTable,
  contact: { name: string },
  newestFirst: PublicConversationRow[],
  attachments: Parameters<typeof attachmentViews>[0],
  limit: number,
): TrackingView {
  const files = attachmentViews(attachments);
  const status = customerStatusOf(ticket);
  // One row more than the page holds says that older ones are left.
  const hasOlder = newestFirst.length > limit;
  const conversation = newestFirst.slice(0, limit).reverse();
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
    hasOlder,
    nextBefore: hasOlder ? (conversation[0]?.id ?? null) : null,
    resolution:
      (status === "resolved" || status === "closed") && ticket.resolved_at
        ? { details: ticket.resolution, resolvedAt: ticket.resolved_at }
        : null,
  };
}

/**
 * A customer's reply from the tracking page. It reopens a Resolved or Waiting ticket. A Closed
 * ticket is final, so the reply starts a follow-up ticket linked to it: the message is never lost.
 */
export async function replyAsTokenHolder(
  ctx: AppContext,
  req: {
    slug: string;
    reference: string;
    token: unknown;
    body: string;
    attachments?: string[] | undefined;
    /** Where the portal needs sign-in: the signed-in customer, who must be able to see the ticket. */
    viewer?: CustomerActor | undefined;
    /** Whose replies the per-address limit counts (reply-limits.ts). */
    clientAddress?: string | undefined;
  },
): Promise<CustomerReplyResult> {
  const access = await findTicketByTrackingToken(ctx, req.slug, req.reference, req.token, {
    viewer: req.viewer,
  });
  const { ticket, contact } = access;
  const body = cleanText(req.body);
  const ws = await getWorkspaceBySlug(ctx, req.slug);

  const counted = { ticketId: ticket.id, clientAddress: req.clientAddress };
  const result = await withPortalReplyCounted(ctx, counted, () =>
    ctx.database.db.transaction().execute(async (tx): Promise<CustomerReplyResult> => {
      // Decided on the locked row: a ticket closed since the token was read still gets a follow-up.
      const current = await lockTicket(ctx, tx, ticket);
      if (current.status === "closed") {
        const followUp = await openFollowUp(ctx, tx, {
          ws,
          closed: current,
          contact: {
            id: contact.id,
            name: contact.name,
            address: contact.email,
            emailNormalized: access.actor.emailNormalized,
          },
          companyId: current.company_id,
          body,
          channel: "portal",
          files: { claimer: { kind: "public" }, keys: req.attachments },
        });
        return {
          kind: "follow_up",
          reference: formatReference(followUp.ticket.number),
          trackingUrl: portalHref(ctx.config, ws, followUp.trackingPath),
        };
      }
      const saved = await saveCustomerReply(ctx, tx, {
        actor: access.actor,
        ws,
        ticket: current,
        contact,
        body,
        attachments: req.attachments,
      });
      return { kind: "comment", ...saved };
    }),
  );
  publishTicketChanged(ctx, ws.id, ticket.number, ...(result.kind === "follow_up" ? [result.reference] : []));
  return result;
}
