import { formatReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { anyEndpointListening } from "./webhook.access.ts";
import { queueWebhookEvent, type WebhookEvent } from "./webhook-events.ts";

// The events that are not a ticket's history: a survey answered and a form submitted. Each is
// queued in the transaction that records it, with its facts read there (who, which company,
// which request); a workspace where no endpoint listens pays one indexed read and nothing more.
// A form's answers stay out of the event (they may hold files and personal data): the receiver
// reads the response through the API when it needs them.

const anyListening = (tx: Tx, workspaceId: string, event: WebhookEvent) =>
  anyEndpointListening(tx, systemActorIn("webhook event", workspaceId), event);

async function people(
  tx: Tx,
  workspaceId: string,
  ids: { contactId: string | null; companyId: string | null; ticketId: string | null },
) {
  const actor = systemActorIn("webhook event", workspaceId);
  // One after another: a transaction is one connection.
  const contact = ids.contactId
    ? await contactsVisibleTo(tx, actor)
        .select(["contacts.id", "contacts.name", "contacts.email"])
        .where("contacts.id", "=", ids.contactId)
        .executeTakeFirst()
    : undefined;
  const company = ids.companyId
    ? await companiesVisibleTo(tx, actor)
        .select(["companies.id", "companies.name"])
        .where("companies.id", "=", ids.companyId)
        .executeTakeFirst()
    : undefined;
  const ticket = ids.ticketId
    ? await ticketsVisibleTo(tx, actor)
        .select(["tickets.number"])
        .where("tickets.id", "=", ids.ticketId)
        .executeTakeFirst()
    : undefined;
  return {
    contact: contact ? { id: contact.id, name: contact.name, email: contact.email } : null,
    company: company ? { id: company.id, name: company.name } : null,
    ticketReference: ticket ? formatReference(Number(ticket.number)) : null,
  };
}

/** survey.answered, inside the answer's transaction, for the answer as recorded. */
export async function queueSurveyAnswered(ctx: AppContext, tx: Tx, survey: SurveyTable): Promise<void> {
  if (!(await anyListening(tx, survey.workspace_id, "survey.answered"))) return;
  const who = await people(tx, survey.workspace_id, {
    contactId: survey.contact_id,
    companyId: survey.company_id,
    ticketId: survey.ticket_id,
  });
  const at = survey.answered_at ?? ctx.now().toISOString();
  await queueWebhookEvent(ctx.database, tx, {
    workspaceId: survey.workspace_id,
    event: "survey.answered",
    ticketId: survey.ticket_id,
    data: {
      survey: {
        id: survey.id,
        kind: survey.kind,
        score: survey.score,
        answer: survey.answer,
        comment: survey.comment,
        answeredAt: new Date(at).toISOString(),
      },
      contact: who.contact,
      company: who.company,
      ticketReference: who.ticketReference,
    },
    at: new Date(at).toISOString(),
  });
}

/** form.submitted, inside the submission's transaction: which form, which response, who. */
export async function queueFormSubmitted(
  ctx: AppContext,
  tx: Tx,
  f: {
    workspaceId: string;
    formId: string;
    formName: string;
    responseId: string;
    contactId: string | null;
    companyId: string | null;
    ticketId: string | null;
    taskId: string | null;
    at: string;
  },
): Promise<void> {
  if (!(await anyListening(tx, f.workspaceId, "form.submitted"))) return;
  const who = await people(tx, f.workspaceId, f);
  await queueWebhookEvent(ctx.database, tx, {
    workspaceId: f.workspaceId,
    event: "form.submitted",
    ticketId: f.ticketId,
    data: {
      form: { id: f.formId, name: f.formName },
      response: { id: f.responseId, submittedAt: f.at, taskId: f.taskId },
      contact: who.contact,
      company: who.company,
      ticketReference: who.ticketReference,
    },
    at: f.at,
  });
}
