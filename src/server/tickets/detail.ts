import { formatReference, type TicketPriority, type TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { validationFailed } from "../errors.ts";
import { attachmentsForAgent } from "../files/file.access.ts";
import { isLocale } from "../i18n/locales.ts";
import { sentimentOf } from "../sentiment/sentiment.schemas.ts";
import { ticketSlaView } from "../sla/sla.view.ts";
import { surveyAnswerFor } from "../surveys/survey.read.ts";
import { type CommentCursor, commentCursor, commentsVisibleTo, olderThan } from "./comment.access.ts";
import { eventsVisibleTo } from "./event.access.ts";
import { latestCustomerMessageId } from "./reply-collision.ts";
import { findTicketForAgent, ticketsVisibleTo } from "./ticket.access.ts";
import { customerStatusOf } from "./ticket.create.ts";
import { AGENT_CONVERSATION_PAGE, type TicketDetail } from "./ticket.schemas.ts";

/** Which part of a long conversation: the newest messages, or those just older than one of them. */
export interface DetailPage {
  /** A message of this ticket (an earlier answer's nextBefore); another is refused (400). */
  before?: string | undefined;
  limit?: number | undefined;
}

/**
 * A ticket as an agent works on it: its conversation with notes, its history, its contact's other
 * tickets. A long conversation is paged: the newest `limit` messages (or those older than
 * `before`), with the history and files of the same stretch of time, so a ticket with thousands
 * of messages answers as fast as a short one.
 */
export async function getTicketDetail(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  page: DetailPage = {},
): Promise<TicketDetail> {
  const t = await findTicketForAgent(ctx, actor, reference);
  const db = ctx.database.db;
  const limit = page.limit ?? AGENT_CONVERSATION_PAGE;
  const cursor =
    page.before === undefined
      ? undefined
      : await commentCursor(db, actor, t.id, page.before).executeTakeFirst();
  if (page.before !== undefined && !cursor)
    throw validationFailed({ before: "is not a message of this ticket" });
  const [contact, company, assignee, followUpOf, newestFirst, others, latestCustomer] = await Promise.all([
    contactsVisibleTo(db, actor)
      .select(["id", "name", "email", "locale"])
      .where("id", "=", t.contact_id)
      .executeTakeFirstOrThrow(),
    t.company_id
      ? companiesVisibleTo(db, actor).select(["id", "name"]).where("id", "=", t.company_id).executeTakeFirst()
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
      ? ticketsVisibleTo(db, actor).select("number").where("id", "=", t.follow_up_of_id).executeTakeFirst()
      : undefined,
    commentsVisibleTo(db, actor)
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
      .where("comments.ticket_id", "=", t.id)
      .$if(cursor !== undefined, (q) => q.where(olderThan(cursor as CommentCursor)))
      .orderBy("comments.created_at", "desc")
      .orderBy("comments.id", "desc")
      .limit(limit + 1)
      .execute(),
    ticketsVisibleTo(db, actor)
      .select(["number", "subject", "status", "created_at"])
      .where("contact_id", "=", t.contact_id)
      .where("id", "!=", t.id)
      .orderBy("number", "desc")
      .limit(10)
      .execute(),
    latestCustomerMessageId(db, actor, t.id),
  ]);
  const hasOlder = newestFirst.length > limit;
  const comments = newestFirst.slice(0, limit).reverse();
  // The history and files of the same stretch of time as the messages shown.
  const from = hasOlder ? comments[0]?.created_at : undefined;
  const until = cursor?.created_at;
  const shownIds = comments.map((c) => c.id);
  const [events, files] = await Promise.all([
    eventsVisibleTo(db, actor)
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
      .where("ticket_events.ticket_id", "=", t.id)
      // The newest page also has every email that could not be delivered, however old (said at
      // the top of the page). An event at the cursor's moment belongs to the newer page.
      .$if(from !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb("ticket_events.created_at", ">=", from as string),
            eb("ticket_events.type", "=", "email_failed"),
          ]),
        ),
      )
      .$if(until !== undefined, (q) => q.where("ticket_events.created_at", "<", until as string))
      .orderBy("ticket_events.created_at")
      .orderBy("ticket_events.id")
      .execute(),
    attachmentsForAgent(db, actor, t.id, shownIds),
  ]);
  const answers = await surveyAnswerFor(ctx, actor, t.id);
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
    teamId: t.team_id,
    language: [contact.locale, t.locale].find(isLocale) ?? null,
    contact: { id: contact.id, name: contact.name, email: contact.email },
    company: company ?? null,
    assignee: assignee ?? null,
    sentiment: sentimentOf(t),
    attachments: files.filter((f) => f.commentId === null),
    latestCustomerMessage: latestCustomer,
    hasOlder,
    nextBefore: hasOlder ? (comments[0]?.id ?? null) : null,
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
    satisfaction: answers.satisfaction,
    stillFixed: answers.stillFixed,
    sla: await ticketSlaView(db, actor, t),
  };
}
