import { formatReference, type TicketPriority, type TicketStatus } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { attachmentsForAgent } from "../files/file.access.ts";
import { isLocale } from "../i18n/locales.ts";
import { sentimentOf } from "../sentiment/sentiment.schemas.ts";
import { ticketSlaView } from "../sla/sla.view.ts";
import { surveyAnswerFor } from "../surveys/survey.read.ts";
import { commentsVisibleTo } from "./comment.access.ts";
import { eventsVisibleTo } from "./event.access.ts";
import { findTicketForAgent, ticketsVisibleTo } from "./ticket.access.ts";
import { customerStatusOf } from "./ticket.create.ts";
import type { TicketDetail } from "./ticket.schemas.ts";

/** A ticket as an agent works on it: its conversation with notes, its history, its contact's other tickets. */
export async function getTicketDetail(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
): Promise<TicketDetail> {
  const t = await findTicketForAgent(ctx, actor, reference);
  const db = ctx.database.db;
  const [contact, company, assignee, followUpOf, comments, events, others, files] = await Promise.all([
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
      .orderBy("comments.created_at")
      .orderBy("comments.id")
      .execute(),
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
      .orderBy("ticket_events.created_at")
      .orderBy("ticket_events.id")
      .execute(),
    ticketsVisibleTo(db, actor)
      .select(["number", "subject", "status", "created_at"])
      .where("contact_id", "=", t.contact_id)
      .where("id", "!=", t.id)
      .orderBy("number", "desc")
      .limit(10)
      .execute(),
    attachmentsForAgent(db, actor, t.id),
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
