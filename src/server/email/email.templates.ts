import { incidentResolved } from "../incidents/incident.email.ts";
import { noticeLine, noticeParts } from "../notifications/notice-text.ts";
import { bdi, html } from "../web/html.ts";
import type { Branding } from "../workspaces/workspace.branding.ts";
import * as customer from "./email.customer.ts";
import { type Rendered, render } from "./email.frame.ts";

export {
  agentReplyToCustomer,
  customerInvitation,
  customerMagicLink,
  customerPasswordReset,
  customerVerifyEmail,
  openRequests,
  surveyRequest,
  taskReminder,
  ticketConfirmation,
  ticketResolved,
} from "./email.customer.ts";
export type { Rendered } from "./email.frame.ts";

// Every email Portico sends, by its kind (TEMPLATES, what the outbox renders from). The emails to
// the team are here, in English; the customers' speak their language (email.customer.ts); both
// share one frame (email.frame.ts). Names and subjects inside our sentences are isolated (bdi).
// Internal notes never reach these functions.

export function newTicketForAgents(p: {
  brand: Branding;
  reference: string;
  subject: string;
  contactName: string;
  contactEmail: string;
  description: string;
  channel: string;
  ticketUrl: string;
  followUpOf?: string | undefined;
}): Rendered {
  return render(`[${p.reference}] New request from ${p.contactName}: ${p.subject}`, {
    brand: p.brand,
    heading: `New request ${p.reference}`,
    paragraphs: [
      html`${bdi(p.contactName)} &lt;${p.contactEmail}&gt; wrote in by ${p.channel === "email" ? "email" : p.channel === "chat" ? "chat (handed over by an assistant)" : "the portal"}${
        p.followUpOf ? `, following up on the closed ${p.followUpOf}` : ""
      }: “${bdi(p.subject)}”.`,
    ],
    quote: p.description ? { label: "Description", text: p.description } : undefined,
    button: { label: "Open the ticket", url: p.ticketUrl },
  });
}

export function customerReplyForAgents(p: {
  brand: Branding;
  reference: string;
  subject: string;
  contactName: string;
  body: string;
  reopened: boolean;
  ticketUrl: string;
}): Rendered {
  return render(`[${p.reference}] ${p.contactName} replied: ${p.subject}`, {
    brand: p.brand,
    heading: html`${bdi(p.contactName)} replied to ${p.reference}`,
    paragraphs: p.reopened ? ["The reply reopened the ticket."] : [],
    quote: { label: html`${bdi(p.contactName)} wrote`, text: p.body },
    button: { label: "Open the ticket", url: p.ticketUrl },
  });
}

/** A notification an agent chose to get by email (mention, assignment, SLA …), to that agent alone. */
export function agentNotice(p: {
  brand: Branding;
  kind: string;
  reference?: string | null | undefined;
  subject?: string | null | undefined;
  by?: string | null | undefined;
  excerpt?: string | null | undefined;
  event?: string | null | undefined;
  ticketUrl?: string | null | undefined;
  profileUrl: string;
}): Rendered {
  const line = noticeLine(p.kind, p);
  const [before, name, after] = noticeParts(p.kind, p.by ?? null, p.event);
  return render(p.reference ? `[${p.reference}] ${line}` : line, {
    brand: p.brand,
    heading: html`${before}${name === undefined ? "" : bdi(name)}${after ?? ""}${p.reference ? ` on ${p.reference}` : ""}`,
    paragraphs: p.subject ? [html`“${bdi(p.subject)}”`] : [],
    quote: p.excerpt ? { label: p.by ? html`${bdi(p.by)} wrote` : "Excerpt", text: p.excerpt } : undefined,
    button: p.ticketUrl ? { label: "Open the ticket", url: p.ticketUrl } : undefined,
    links: [{ text: "Choose which notices you get", url: p.profileUrl }],
  });
}

export function agentInvitation(p: {
  brand: Branding;
  agentName: string;
  invitedBy: string | null;
  url: string;
  choosePassword: boolean;
  expiresDays: number;
}): Rendered {
  return render(`You are invited to ${p.brand.brandName} on Portico`, {
    brand: p.brand,
    heading: `Join ${p.brand.brandName}`,
    paragraphs: [
      html`Hi ${bdi(p.agentName)},`,
      html`${bdi(p.invitedBy ?? "An administrator")} added you as an agent of ${bdi(p.brand.brandName)}'s help desk.`,
    ],
    button: { label: p.choosePassword ? "Choose your password" : "Sign in", url: p.url },
    note: p.choosePassword
      ? `The link works once and expires in ${p.expiresDays} days.`
      : "Sign in with the password you were given.",
  });
}

/** An agent's password reset, asked for by the agent or sent by an admin. */
export function agentPasswordReset(p: {
  brand: Branding;
  agentName: string;
  url: string;
  expiresMinutes: number;
  sentBy: string | null;
}): Rendered {
  return render(`Reset your ${p.brand.brandName} password`, {
    brand: p.brand,
    heading: "Choose a new password",
    paragraphs: [
      html`Hi ${bdi(p.agentName)},`,
      p.sentBy
        ? html`${bdi(p.sentBy)} sent you a link to choose a new password for ${bdi(p.brand.brandName)}'s help desk.`
        : html`Someone asked to reset your password for ${bdi(p.brand.brandName)}'s help desk.`,
    ],
    button: { label: "Choose a new password", url: p.url },
    note: `The link works once and expires in ${p.expiresMinutes} minutes. Did not ask for it? Ignore this email: your password stays as it is.`,
  });
}

/** The team: a knowledge-base article found unhelpful day after day, with readers' comments. */
export function kbArticleAlert(p: {
  brand: Branding;
  title: string;
  noRatePct: number;
  votes: number;
  noVotes: number;
  days: number;
  windowDays: number;
  comments: string[];
  url: string;
}): Rendered {
  return render(`Article needs improvement: ${p.title}`, {
    brand: p.brand,
    heading: "Article needs improvement",
    paragraphs: [
      html`Readers have found ${bdi(p.title)} unhelpful for ${p.days} days in a row.`,
      `${p.noRatePct}% answered “No” (${p.noVotes} of ${p.votes} votes in the last ${p.windowDays} days).`,
      ...(p.comments.length ? [] : ["No comments came with the “No” votes."]),
    ],
    quote: p.comments.length
      ? { label: "What readers said", text: p.comments.map((c) => `• ${c}`).join("\n") }
      : undefined,
    button: { label: "Edit the article", url: p.url },
    note: "You get this once; again only after the article changes or recovers and falls back.",
  });
}

/** The leads: the monthly improvement report's proposed actions, with a link to the page. */
export function monthlyReport(p: {
  brand: Branding;
  monthLabel: string;
  actions: string[];
  url: string;
}): Rendered {
  return render(`Improvement report for ${p.monthLabel}`, {
    brand: p.brand,
    heading: `Improvement report: ${p.monthLabel}`,
    paragraphs: [
      p.actions.length
        ? "What the surveys, article feedback and numbers of the month suggest doing:"
        : "Nothing stood out this month.",
      ...p.actions.map((a) => `• ${a}`),
    ],
    button: { label: "Read the report", url: p.url },
  });
}

/** A low score's follow-up task, to the agent it is for. */
export function followUpTask(p: {
  brand: Branding;
  title: string;
  /** e.g. "CSAT 2 of 5" or "NPS 4 of 10". */
  score: string;
  contactName: string;
  reference: string | null;
  comment: string | null;
  due: string;
  url: string;
}): Rendered {
  return render(`Follow-up: ${p.score} from ${p.contactName}`, {
    brand: p.brand,
    heading: p.title,
    paragraphs: [
      html`${bdi(p.contactName)} answered a survey with ${p.score}${p.reference ? html` about ${bdi(p.reference)}` : ""}.`,
      `Due by ${p.due}.`,
    ],
    quote: p.comment ? { label: "Their comment", text: p.comment } : undefined,
    button: { label: "Open your tasks", url: p.url },
  });
}

/** A detractor's NPS answer, to the customer-success lead. */
export function npsDetractor(p: {
  brand: Branding;
  score: number;
  contactName: string;
  companyName: string | null;
  comment: string | null;
  url: string;
}): Rendered {
  const who = p.companyName ? `${p.contactName} (${p.companyName})` : p.contactName;
  return render(`NPS ${p.score} from ${who}`, {
    brand: p.brand,
    heading: "A detractor answered the NPS survey",
    paragraphs: [
      html`${bdi(who)} would recommend you ${String(p.score)} out of 10.`,
      "A follow-up task is on your list.",
    ],
    quote: p.comment ? { label: "Their comment", text: p.comment } : undefined,
    button: { label: "Open your tasks", url: p.url },
  });
}

/** Every email by its kind (outbox_emails.kind), so a queued one is rendered from its inputs. */
export const TEMPLATES = {
  ticket_confirmation: customer.ticketConfirmation,
  agent_reply: customer.agentReplyToCustomer,
  ticket_resolved: customer.ticketResolved,
  agent_new_ticket: newTicketForAgents,
  agent_customer_reply: customerReplyForAgents,
  agent_notice: agentNotice,
  agent_invitation: agentInvitation,
  open_requests: customer.openRequests,
  customer_invitation: customer.customerInvitation,
  customer_magic_link: customer.customerMagicLink,
  customer_password_reset: customer.customerPasswordReset,
  customer_verify_email: customer.customerVerifyEmail,
  agent_password_reset: agentPasswordReset,
  task_reminder: customer.taskReminder,
  kb_article_alert: kbArticleAlert,
  monthly_report: monthlyReport,
  follow_up_task: followUpTask,
  nps_detractor: npsDetractor,
  survey_request: customer.surveyRequest,
  incident_resolved: incidentResolved,
} as const;

export type EmailKind = keyof typeof TEMPLATES;

/** An email's kind with its template's inputs: what the outbox stores, and renders when read. */
export type TemplateCall = {
  [K in EmailKind]: { kind: K; params: Parameters<(typeof TEMPLATES)[K]>[0] };
}[EmailKind];

export const renderTemplate = (call: TemplateCall): Rendered =>
  (TEMPLATES[call.kind] as (p: TemplateCall["params"]) => Rendered)(call.params);
