import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { companiesVisibleTo, companyEventsVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { documentsVisibleTo } from "../documents/document.access.ts";
import { forbidden, notFound } from "../errors.ts";
import { attachmentsVisibleTo } from "../files/file.access.ts";
import { formNamesOf, formResponsesVisibleTo } from "../forms/form.access.ts";
import { surveysVisibleTo } from "../surveys/survey.access.ts";
import { commentsVisibleTo } from "../tickets/comment.access.ts";
import { eventsVisibleTo } from "../tickets/event.access.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";

// A data subject's access request: everything the workspace holds about one contact, as one JSON
// document an admin downloads and hands over. What is about them: their profile and company,
// the requests they opened with the conversation they saw (every public message, theirs and the
// team's, and the files on it as names, sizes and the team's download links), the history of
// those requests they could see, their survey answers, the forms they answered, the documents
// they uploaded, their portal sessions and what they did on their company's timeline. Internal
// notes, internal events and the team's files on notes are the team's working papers, not the
// contact's data, and are left out (README "Data retention, exports and erasure"). Nothing of
// another contact is read: every query is scoped to this contact's id or their own tickets.

export const EXPORT_FORMAT = "portico.contact-export.v1" as const;

/** The whole export; admins only (agents 403), another workspace's contact 404. Audited. */
export async function exportContact(ctx: AppContext, actor: AgentActor, contactId: string) {
  if (actor.role !== "admin") throw forbidden("Only admins export a contact's data.");
  const db = ctx.database.db;
  const c = await contactsVisibleTo(db, actor)
    .selectAll("contacts")
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!c) throw notFound("No such contact.");
  const company = c.company_id
    ? await companiesVisibleTo(db, actor)
        .select(["companies.id", "companies.name"])
        .where("companies.id", "=", c.company_id)
        .executeTakeFirst()
    : undefined;
  const tickets = await ticketsVisibleTo(db, actor)
    .select([
      "id",
      "number",
      "subject",
      "description",
      "type",
      "status",
      "portal_status",
      "channel",
      "resolution",
      "created_at",
      "resolved_at",
      "closed_at",
    ])
    .where("tickets.contact_id", "=", c.id)
    .orderBy("tickets.created_at")
    .execute();
  const ticketNumbers = new Map(tickets.map((t) => [t.id, t.number]));
  const referenceOf = (ticketId: string | null) => {
    const n = ticketId === null ? undefined : ticketNumbers.get(ticketId);
    return n === undefined ? null : formatReference(n);
  };
  // Their requests' ids, as a subquery: the same rows as `tickets`, and an empty list needs no stand-in.
  const theirTickets = ticketsVisibleTo(db, actor)
    .select("tickets.id")
    .where("tickets.contact_id", "=", c.id);
  const [comments, files, events, surveys, responses, documents, sessions, timeline] = await Promise.all([
    commentsVisibleTo(db, actor)
      .leftJoin("agents", "agents.id", "comments.author_agent_id")
      .select([
        "comments.id",
        "comments.ticket_id",
        "comments.author_type",
        "comments.author_contact_id",
        "agents.name as agent_name",
        "comments.body",
        "comments.channel",
        "comments.created_at",
      ])
      .where("comments.ticket_id", "in", theirTickets)
      .where("comments.internal", "=", false)
      .orderBy("comments.created_at")
      .execute(),
    attachmentsVisibleTo(db, actor)
      .leftJoin("comments", "comments.id", "attachments.comment_id")
      .select([
        "attachments.id",
        "attachments.ticket_id",
        "attachments.comment_id",
        "attachments.file_name",
        "attachments.content_type",
        "attachments.size_bytes",
        "attachments.uploaded_by_type",
        "attachments.created_at",
      ])
      .where("attachments.ticket_id", "in", theirTickets)
      .where((eb) => eb.or([eb("comments.id", "is", null), eb("comments.internal", "=", false)]))
      .execute(),
    eventsVisibleTo(db, actor)
      .select(["ticket_id", "type", "data", "created_at"])
      .where("ticket_events.ticket_id", "in", theirTickets)
      .where("ticket_events.customer_visible", "=", true)
      .orderBy("created_at")
      .execute(),
    surveysVisibleTo(db, actor)
      .select([
        "kind",
        "status",
        "ticket_id",
        "sent_at",
        "score",
        "answer",
        "comment",
        "answered_at",
        "answered_via",
      ])
      .where("surveys.contact_id", "=", c.id)
      .orderBy("surveys.created_at")
      .execute(),
    formResponsesVisibleTo(db, actor)
      .select(["form_id", "status", "answers", "submitted_at", "updated_at"])
      .where("form_responses.contact_id", "=", c.id)
      .execute(),
    documentsVisibleTo(db, actor)
      .select([
        "documents.id",
        "documents.company_id",
        "documents.title",
        "documents.size_bytes",
        "documents.created_at",
      ])
      .where("documents.created_by_type", "=", "contact")
      .where("documents.created_by_id", "=", c.id)
      .execute(),
    // Sessions are not a guarded table: this contact's, in its workspace, without their hashes.
    db
      .selectFrom("customer_sessions")
      .select(["created_at", "last_seen_at", "expires_at", "revoked_at"])
      .where("workspace_id", "=", actor.workspaceId)
      .where("contact_id", "=", c.id)
      .orderBy("created_at")
      .execute(),
    companyEventsVisibleTo(db, actor)
      .select(["company_events.type", "company_events.data", "company_events.created_at"])
      .where("company_events.actor_type", "=", "contact")
      .where("company_events.actor_id", "=", c.id)
      .execute(),
  ]);
  const formNames = await formNamesOf(
    db,
    actor,
    responses.map((r) => r.form_id),
  );
  const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
  const fileLink = (id: string) => `/api/workspace/attachments/${id}`;
  const data = {
    format: EXPORT_FORMAT,
    exportedAt: ctx.now().toISOString(),
    contact: {
      id: c.id,
      name: c.name,
      email: c.email,
      phone: c.phone,
      company: company ? { id: company.id, name: company.name } : null,
      portalAccess: c.portal_access,
      emailVerifiedAt: iso(c.email_verified_at),
      lastSignInAt: iso(c.last_sign_in_at),
      surveysUnsubscribedAt: iso(c.surveys_unsubscribed_at),
      erasedAt: iso(c.erased_at),
      createdAt: iso(c.created_at),
    },
    tickets: tickets.map((t) => ({
      reference: formatReference(t.number),
      subject: t.subject,
      description: t.description,
      type: t.type,
      status: t.portal_status ?? t.status,
      channel: t.channel,
      resolution: t.resolution,
      createdAt: iso(t.created_at),
      resolvedAt: iso(t.resolved_at),
      closedAt: iso(t.closed_at),
      files: files
        .filter((f) => f.ticket_id === t.id && f.comment_id === null)
        .map((f) => fileOf(f, fileLink(f.id))),
      messages: comments
        .filter((m) => m.ticket_id === t.id)
        .map((m) => ({
          from:
            m.author_type === "contact"
              ? m.author_contact_id === c.id
                ? "you"
                : "a colleague"
              : m.author_type === "agent"
                ? (m.agent_name ?? "the team")
                : "system",
          body: m.body,
          channel: m.channel,
          at: iso(m.created_at),
          files: files.filter((f) => f.comment_id === m.id).map((f) => fileOf(f, fileLink(f.id))),
        })),
      history: events
        .filter((e) => e.ticket_id === t.id)
        .map((e) => ({ type: e.type, data: JSON.parse(e.data) as unknown, at: iso(e.created_at) })),
    })),
    surveys: surveys.map((s) => ({
      kind: s.kind,
      status: s.status,
      ticket: referenceOf(s.ticket_id),
      sentAt: iso(s.sent_at),
      score: s.score,
      answer: s.answer,
      comment: s.comment,
      answeredAt: iso(s.answered_at),
      answeredVia: s.answered_via,
    })),
    formAnswers: responses.map((r) => ({
      form: formNames.get(r.form_id) ?? r.form_id,
      status: r.status,
      answers: JSON.parse(r.answers) as unknown,
      submittedAt: iso(r.submitted_at),
    })),
    documents: documents.map((d) => ({
      title: d.title,
      sizeBytes: Number(d.size_bytes),
      uploadedAt: iso(d.created_at),
      download: `/api/workspace/companies/${d.company_id}/documents/${d.id}/download`,
    })),
    sessions: sessions.map((s) => ({
      startedAt: iso(s.created_at),
      lastSeenAt: iso(s.last_seen_at),
      expiresAt: iso(s.expires_at),
      revokedAt: iso(s.revoked_at),
    })),
    activity: timeline.map((e) => ({
      type: e.type,
      data: JSON.parse(e.data) as unknown,
      at: iso(e.created_at),
    })),
  };
  // An export changes nothing: its one row needs no transaction of its own.
  await recordAudit(ctx, db, actor, {
    action: "contact.exported",
    target: { type: "contact", id: c.id },
    summary: `Exported a contact's data: ${tickets.length} requests`,
    details: { tickets: tickets.length, messages: comments.length, files: files.length },
  });
  return data;
}

function fileOf(
  f: {
    file_name: string;
    content_type: string;
    size_bytes: number;
    uploaded_by_type: string;
    created_at: string;
  },
  download: string,
) {
  return {
    name: f.file_name,
    contentType: f.content_type,
    sizeBytes: Number(f.size_bytes),
    uploadedBy: f.uploaded_by_type,
    uploadedAt: new Date(f.created_at).toISOString(),
    download,
  };
}
