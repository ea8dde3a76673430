import { formatReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import type { Tx, WorkspaceTable } from "../db/schema.ts";
import { absoluteUrl, enqueueEmail, type Recipient } from "../email/outbox.ts";
import { scheduleJob } from "../jobs/scheduler.ts";
import { addBusinessDays, parseBusinessHours } from "../lib/business-hours.ts";
import { isTimeZone } from "../lib/zoned-time.ts";
import { createAgentTask } from "../tasks/agent-task.service.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import { type SurveySettings, surveySettingsOf } from "./survey-settings.ts";

// What an answer leads to, decided in the answer's own transaction: a low CSAT makes the agent a
// follow-up task due within one business day; a detractor's NPS tells the customer-success lead
// (email and Slack) and makes their task. Thresholds and recipients are survey settings. A second
// call for the same answer changes nothing: agent_tasks.survey_id is unique, and the email and
// Slack message go out only with a task newly written.

export const CSAT_FOLLOW_UP_TITLE = "Follow-up call within 1 business day";
export const NPS_FOLLOW_UP_TITLE = "Follow up with an NPS detractor within 1 business day";

interface ActiveAgent {
  id: string;
  email: string;
  name: string;
}

async function activeAgent(tx: Tx, workspaceId: string, agentId: string | null): Promise<ActiveAgent | null> {
  if (!agentId) return null;
  const a = await tx
    .selectFrom("agents")
    .select(["id", "email", "name"])
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", agentId)
    .where("active", "=", true)
    .executeTakeFirst();
  return a ?? null;
}

async function activeAdmins(tx: Tx, workspaceId: string): Promise<ActiveAgent[]> {
  return tx
    .selectFrom("agents")
    .select(["id", "email", "name"])
    .where("workspace_id", "=", workspaceId)
    .where("role", "=", "admin")
    .where("active", "=", true)
    .orderBy("email")
    .execute();
}

/** A moment as the workspace reads it, for an email: "Mon 7 Dec 2026, 16:00 (Europe/Berlin)". */
export function localText(at: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return `${f.format(at)} (${timeZone})`;
}

/** Customer text as Slack shows it literally: &, < and > are its markup (<@U1>, <!here>, links). */
export const slackEscape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function onSurveyAnswered(ctx: AppContext, tx: Tx, answered: SurveyTable): Promise<void> {
  const score = answered.score;
  if (score === null || (answered.kind !== "csat" && answered.kind !== "nps")) return;
  // The answer's row as written (its score and moment); a row passed before its update is read
  // by its score alone, answered now.
  const survey = answered.answered_at ? answered : { ...answered, answered_at: ctx.now().toISOString() };
  const settings = await surveySettingsOf(ctx, survey.workspace_id, tx);
  if (survey.kind === "csat" && score <= settings.csat_follow_up_max) {
    await csatFollowUp(ctx, tx, survey, settings);
  } else if (survey.kind === "nps" && score <= settings.nps_detractor_max) {
    await npsFollowUp(ctx, tx, survey, settings);
  }
}

/** What both follow-ups know: the workspace, who answered, about which ticket, due when. */
async function facts(tx: Tx, survey: SurveyTable) {
  const actor = systemActorIn("survey follow-up", survey.workspace_id);
  const ws = (await tx
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", survey.workspace_id)
    .executeTakeFirstOrThrow()) as WorkspaceTable;
  const contact = await contactsVisibleTo(tx, actor)
    .select(["contacts.name", "contacts.email"])
    .where("contacts.id", "=", survey.contact_id)
    .executeTakeFirst();
  const company = survey.company_id
    ? await companiesVisibleTo(tx, actor)
        .select("companies.name")
        .where("companies.id", "=", survey.company_id)
        .executeTakeFirst()
    : undefined;
  const ticket = survey.ticket_id
    ? await ticketsVisibleTo(tx, actor)
        .select(["tickets.number", "tickets.assignee_id", "tickets.subject"])
        .where("tickets.id", "=", survey.ticket_id)
        .executeTakeFirst()
    : undefined;
  // A zone this server does not know reads as UTC: the answer is kept and its task made anyway.
  const zone = isTimeZone(ws.time_zone) ? ws.time_zone : "UTC";
  const due = addBusinessDays(
    new Date(survey.answered_at as string),
    1,
    parseBusinessHours(ws.business_hours),
    zone,
  );
  return {
    ws,
    zone,
    contactName: contact?.name || contact?.email || "A customer",
    companyName: company?.name ?? null,
    reference: ticket ? formatReference(ticket.number) : null,
    ticket,
    due,
  };
}

function taskBody(f: Awaited<ReturnType<typeof facts>>, score: string, comment: string | null): string {
  const lines = [
    `${f.contactName}${f.companyName ? ` (${f.companyName})` : ""} answered ${score}.`,
    ...(f.reference ? [`Ticket: ${f.reference}${f.ticket?.subject ? ` — ${f.ticket.subject}` : ""}`] : []),
    comment ? `Comment: ${comment}` : "No comment.",
  ];
  return lines.join("\n");
}

const toRecipient = (a: ActiveAgent): Recipient => ({ address: a.email, name: a.name });

async function csatFollowUp(ctx: AppContext, tx: Tx, survey: SurveyTable, settings: SurveySettings) {
  const f = await facts(tx, survey);
  // The ticket's agent; without one (or gone), the customer-success lead; else nobody yet.
  const agent =
    (await activeAgent(tx, survey.workspace_id, survey.agent_id ?? f.ticket?.assignee_id ?? null)) ??
    (await activeAgent(tx, survey.workspace_id, settings.cs_lead_agent_id));
  const score = `CSAT ${survey.score} of 5`;
  const created = await createAgentTask(ctx, tx, {
    workspaceId: survey.workspace_id,
    agentId: agent?.id ?? null,
    title: CSAT_FOLLOW_UP_TITLE,
    body: taskBody(f, score, survey.comment),
    dueAt: f.due,
    ticketId: survey.ticket_id,
    contactId: survey.contact_id,
    companyId: survey.company_id,
    surveyId: survey.id,
    source: "csat",
  });
  if (!created || !agent) return;
  await enqueueEmail(ctx, tx, {
    kind: "follow_up_task",
    params: {
      brand: brandingOf(f.ws),
      title: CSAT_FOLLOW_UP_TITLE,
      score,
      contactName: f.contactName,
      reference: f.reference,
      comment: survey.comment,
      due: localText(f.due, f.zone),
      url: absoluteUrl(ctx, "/app/tasks"),
    },
    ws: f.ws,
    audience: "agent",
    to: [toRecipient(agent)],
    autoSubmitted: true,
  });
}

async function npsFollowUp(ctx: AppContext, tx: Tx, survey: SurveyTable, settings: SurveySettings) {
  const f = await facts(tx, survey);
  const lead = await activeAgent(tx, survey.workspace_id, settings.cs_lead_agent_id);
  const score = `NPS ${survey.score} of 10`;
  const created = await createAgentTask(ctx, tx, {
    workspaceId: survey.workspace_id,
    agentId: lead?.id ?? null,
    title: NPS_FOLLOW_UP_TITLE,
    body: taskBody(f, score, survey.comment),
    dueAt: f.due,
    ticketId: survey.ticket_id,
    contactId: survey.contact_id,
    companyId: survey.company_id,
    surveyId: survey.id,
    source: "nps",
  });
  if (!created) return;
  // The lead hears of it; without one chosen (or gone), the workspace's admins.
  const to = lead ? [lead] : await activeAdmins(tx, survey.workspace_id);
  await enqueueEmail(ctx, tx, {
    kind: "nps_detractor",
    params: {
      brand: brandingOf(f.ws),
      score: survey.score as number,
      contactName: f.contactName,
      companyName: f.companyName,
      comment: survey.comment,
      url: absoluteUrl(ctx, "/app/tasks"),
    },
    ws: f.ws,
    audience: "agent",
    to: to.map(toRecipient),
    autoSubmitted: true,
  });
  if (settings.slack_webhook_url) {
    const name = slackEscape(f.contactName);
    const who = f.companyName ? `${name} (${slackEscape(f.companyName)})` : name;
    const text = `NPS detractor: ${who} answered ${survey.score}/10.${
      survey.comment ? ` “${slackEscape(survey.comment.slice(0, 1000))}”` : ""
    } A follow-up task is due ${localText(f.due, f.zone)}.`;
    await scheduleJob(ctx, tx, {
      kind: "slack_notify",
      key: `slack:survey:${survey.id}`,
      runAt: ctx.now(),
      workspaceId: survey.workspace_id,
      payload: { text },
    });
  }
}
