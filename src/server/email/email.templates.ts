import { readableOn, readablePair } from "../../shared/color.ts";
import { withoutBidiControls } from "../lib/bidi.ts";
import { bdi, type Html, html, multiline } from "../web/html.ts";
import type { Branding } from "../workspaces/workspace.branding.ts";
import { headerText } from "./email.headers.ts";

// Longer than 400 lines: every email Portico sends sits here beside the one frame they share and
// the TEMPLATES map the outbox renders from.
// Every email Portico sends, as plain text and HTML. User text (names, subjects, messages) is
// escaped in the HTML by html``, and names and subjects inside our sentences are isolated (bdi);
// the layout is a table with inline styles, which is what mail clients render reliably. Mail
// clients differ in honouring isolation, and text has none: the subject, the text and the HTML
// go without the bidirectional controls that could reorder what follows them (lib/bidi.ts).
// Internal notes never reach these functions.

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

interface Frame {
  brand: Branding;
  /** One short line above the message, e.g. "Your request TKT-0042". */
  heading: string | Html;
  paragraphs: (string | Html)[];
  /** A quoted message (a reply, a resolution, a description), shown as a block. */
  quote?: { label: string | Html; text: string } | undefined;
  button?: { label: string; url: string } | undefined;
  /** Links, one per line, each with its own line of text (e.g. a request and its tracking link). */
  links?: { text: string | Html; url: string }[] | undefined;
  /** Small print under the button. */
  note?: string | undefined;
  /** A survey email's unsubscribe link, in the footer. */
  unsubscribeUrl?: string | undefined;
  /** A survey's scale as links under the button, each opening the page with that score chosen (HTML only). */
  scale?: { caption: string; items: { text: string; url: string }[] } | undefined;
}

/** A line of the frame as text. */
const plain = (line: string | Html) => (typeof line === "string" ? line : stripTags(line.value));

function renderText(f: Frame): string {
  const lines: string[] = [plain(f.heading), ""];
  for (const p of f.paragraphs) lines.push(plain(p), "");
  if (f.quote) {
    lines.push(`${plain(f.quote.label)}:`, ...f.quote.text.split("\n").map((l) => `  ${l}`), "");
  }
  if (f.button) lines.push(`${f.button.label}: ${f.button.url}`, "");
  for (const l of f.links ?? []) lines.push(plain(l.text), l.url, "");
  if (f.note) lines.push(f.note, "");
  lines.push("--", f.brand.brandName);
  if (f.brand.supportEmail) lines.push(f.brand.supportEmail);
  if (f.unsubscribeUrl) lines.push("", `No more surveys: ${f.unsubscribeUrl}`);
  return withoutBidiControls(`${lines.join("\n")}\n`);
}

const stripTags = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

function renderHtml(f: Frame): string {
  const pair = readablePair(f.brand.primaryColor);
  const link = readableOn(f.brand.primaryColor, "#ffffff");
  const header = f.brand.logoUrl
    ? html`<img src="${f.brand.logoUrl}" alt="${f.brand.brandName}" height="32" style="height:32px;max-width:200px;border:0">`
    : html`<span style="font-size:18px;font-weight:600;color:#111827">${f.brand.brandName}</span>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="color-scheme" content="light"><title>${plain(f.heading)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;border-top:4px solid ${pair.background}">
<tr><td style="padding:20px 24px 0">${header}</td></tr>
<tr><td style="padding:16px 24px 8px"><h1 style="margin:0;font-size:20px;line-height:1.3">${f.heading}</h1></td></tr>
${f.paragraphs.map((p) => html`<tr><td style="padding:4px 24px;font-size:15px;line-height:1.5">${typeof p === "string" ? multiline(p) : p}</td></tr>`)}
${
  f.quote
    ? html`<tr><td style="padding:12px 24px"><p style="margin:0 0 4px;font-size:13px;color:#4b5563">${f.quote.label}</p>
<div style="border-left:3px solid ${pair.background};padding:8px 12px;background:#f9fafb;font-size:15px;line-height:1.5;white-space:pre-wrap">${multiline(f.quote.text)}</div></td></tr>`
    : ""
}
${
  f.button
    ? html`<tr><td style="padding:16px 24px"><a href="${f.button.url}" style="display:inline-block;background:${pair.background};color:${pair.text};text-decoration:none;font-weight:600;padding:10px 18px;border-radius:6px">${f.button.label}</a>
<p style="margin:8px 0 0;font-size:12px;color:#6b7280;word-break:break-all">${f.button.url}</p></td></tr>`
    : ""
}
${
  f.scale
    ? html`<tr><td style="padding:0 24px 8px;font-size:13px;color:#4b5563">${f.scale.caption}<br>${f.scale.items.map(
        (i) =>
          html`<a href="${i.url}" style="display:inline-block;min-width:28px;padding:6px 0;margin:4px 2px 0 0;text-align:center;border:1px solid #d1d5db;border-radius:4px;color:${link};text-decoration:none;font-weight:600">${i.text}</a>`,
      )}</td></tr>`
    : ""
}
${(f.links ?? []).map(
  (l) =>
    html`<tr><td style="padding:8px 24px;font-size:15px;line-height:1.5">${l.text}<br><a href="${l.url}" style="color:${link};word-break:break-all;font-size:13px">${l.url}</a></td></tr>`,
)}
${f.note ? html`<tr><td style="padding:4px 24px;font-size:13px;color:#4b5563">${f.note}</td></tr>` : ""}
<tr><td style="padding:16px 24px 20px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${f.brand.brandName}${
    f.brand.supportEmail
      ? html` · <a href="mailto:${f.brand.supportEmail}" style="color:${link}">${f.brand.supportEmail}</a>`
      : ""
  }${
    f.unsubscribeUrl
      ? html`<br><a href="${f.unsubscribeUrl}" style="color:${link}">Unsubscribe from surveys</a>`
      : ""
  }</td></tr>
</table></td></tr></table></body></html>`.value;
}

/** The subject at once; the text and HTML only when read (a queued email stores its inputs). */
function render(subject: string, f: Frame): Rendered {
  let text: string | undefined;
  let markup: string | undefined;
  return {
    subject: headerText(withoutBidiControls(subject), 250),
    get text() {
      text ??= renderText(f);
      return text;
    },
    get html() {
      markup ??= withoutBidiControls(renderHtml(f));
      return markup;
    },
  };
}

const replyHint = (canReply: boolean) =>
  canReply
    ? "Reply to this email or use the link to add to the conversation."
    : "Use the link to add to the conversation.";

export function ticketConfirmation(p: {
  brand: Branding;
  reference: string;
  subject: string;
  contactName: string;
  trackingUrl: string;
  viaEmail: boolean;
  canReply: boolean;
}): Rendered {
  return render(`[${p.reference}] We received your request: ${p.subject}`, {
    brand: p.brand,
    heading: `We received your request ${p.reference}`,
    paragraphs: [
      html`Hi ${bdi(p.contactName)},`,
      html`Thanks for contacting ${bdi(p.brand.brandName)}. Your request “${bdi(p.subject)}” has the reference ${p.reference}; we will reply as soon as we can.`,
    ],
    button: { label: "Track your request", url: p.trackingUrl },
    note:
      p.viaEmail && p.canReply ? "Reply to this email to add to the conversation." : replyHint(p.canReply),
  });
}

export function agentReplyToCustomer(p: {
  brand: Branding;
  reference: string;
  subject: string;
  agentName: string;
  body: string;
  trackingUrl: string;
  resolved: boolean;
  canReply: boolean;
}): Rendered {
  return render(`Re: [${p.reference}] ${p.subject}`, {
    brand: p.brand,
    heading: html`${bdi(p.agentName)} replied to ${p.reference}`,
    paragraphs: p.resolved
      ? [
          `We have marked this request as resolved. If something is still wrong, ${p.canReply ? "just reply" : "reply on the page"} and it reopens.`,
        ]
      : [],
    quote: { label: html`${bdi(p.agentName)} wrote`, text: p.body },
    button: { label: "View the conversation", url: p.trackingUrl },
    note: replyHint(p.canReply),
  });
}

export function ticketResolved(p: {
  brand: Branding;
  reference: string;
  subject: string;
  resolution: string | null;
  trackingUrl: string;
  canReply: boolean;
  /** The CSAT survey's one-time link: the button, and the tracking link becomes a link. */
  rateUrl?: string | undefined;
  unsubscribeUrl?: string | undefined;
}): Rendered {
  return render(`[${p.reference}] Resolved: ${p.subject}`, {
    brand: p.brand,
    heading: `Your request ${p.reference} is resolved`,
    paragraphs: [
      html`We have resolved your request “${bdi(p.subject)}”.`,
      ...(p.rateUrl ? ["How did we do? Rating us takes a few seconds, and a comment helps even more."] : []),
    ],
    quote: p.resolution ? { label: "Resolution", text: p.resolution } : undefined,
    button: p.rateUrl
      ? { label: "Rate your experience", url: p.rateUrl }
      : { label: "View your request", url: p.trackingUrl },
    links: p.rateUrl ? [{ text: "View your request", url: p.trackingUrl }] : undefined,
    note: `Not solved after all? Reply ${p.canReply ? "to this email or " : ""}on the page and the request reopens.${
      p.rateUrl ? " The rating link works once, for 7 days." : ""
    }`,
    unsubscribeUrl: p.unsubscribeUrl,
  });
}

const SURVEY_QUESTIONS = {
  csat: "How would you rate the support you received?",
  nps: "How likely are you to recommend us to a friend or colleague?",
  ces: "How easy was it to get what you needed?",
  still_fixed: "Is your request still fixed?",
} as const;

/** A survey on its own (CSAT sent later, NPS, CES, "Still fixed?"): one question, one link. */
export function surveyRequest(p: {
  brand: Branding;
  kind: keyof typeof SURVEY_QUESTIONS;
  contactName: string;
  reference: string | null;
  subject: string | null;
  url: string;
  unsubscribeUrl: string;
  expiresDays: number;
}): Rendered {
  const about = p.reference ? html` ${p.reference}${p.subject ? html` (“${bdi(p.subject)}”)` : ""}` : "";
  const subject =
    p.kind === "still_fixed" && p.reference
      ? `[${p.reference}] Is it still fixed?`
      : p.kind === "csat" && p.reference
        ? `[${p.reference}] How did we do?`
        : `One question from ${p.brand.brandName}`;
  return render(subject, {
    brand: p.brand,
    heading:
      p.kind === "still_fixed" && p.reference ? `Is ${p.reference} still fixed?` : SURVEY_QUESTIONS[p.kind],
    paragraphs: [
      html`Hi ${bdi(p.contactName)},`,
      p.kind === "still_fixed"
        ? html`A few days ago we resolved your request${about}. Is everything still working? If not, your answer reopens it.`
        : p.kind === "csat"
          ? html`We resolved your request${about}. How did we do? Rating us takes a few seconds, and a comment helps even more.`
          : html`One question, a few seconds: your answer helps ${bdi(p.brand.brandName)} improve.`,
    ],
    button: { label: p.kind === "csat" ? "Rate your experience" : "Answer one question", url: p.url },
    scale:
      p.kind === "nps"
        ? {
            caption: "Or choose your score, from 0 (not at all likely) to 10 (extremely likely):",
            items: Array.from({ length: 11 }, (_, n) => ({ text: String(n), url: `${p.url}?score=${n}` })),
          }
        : undefined,
    note: `The link works once and expires in ${p.expiresDays} days.`,
    unsubscribeUrl: p.unsubscribeUrl,
  });
}

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
      html`${bdi(p.contactName)} &lt;${p.contactEmail}&gt; wrote in by ${p.channel === "email" ? "email" : "the portal"}${
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

/** "Email me my requests": the open requests of an address, each with a fresh tracking link. */
export function openRequests(p: {
  brand: Branding;
  contactName: string;
  requests: { reference: string; subject: string; statusLabel: string; url: string }[];
  linkDays: number;
}): Rendered {
  return render(`Your open requests with ${p.brand.brandName}`, {
    brand: p.brand,
    heading: "Your open requests",
    paragraphs: [
      html`Hi ${bdi(p.contactName)},`,
      `You asked for the links to your open requests. Each link shows the request and lets you reply, for ${p.linkDays} days.`,
    ],
    links: p.requests.map((r) => ({
      text: html`${r.reference}: ${bdi(r.subject)} (${r.statusLabel})`,
      url: r.url,
    })),
    note: "If you did not ask for this, you can ignore this email: the links reach only this address.",
  });
}

/** A contact invited to the portal by an agent: the link to choose a password. */
export function customerInvitation(p: {
  brand: Branding;
  name: string;
  invitedBy: string | null;
  url: string;
  expiresDays: number;
}): Rendered {
  return render(`Your access to the ${p.brand.brandName} support portal`, {
    brand: p.brand,
    heading: `Your ${p.brand.brandName} support portal`,
    paragraphs: [
      html`Hi ${bdi(p.name)},`,
      html`${bdi(p.invitedBy ?? "The support team")} invited you to ${bdi(p.brand.brandName)}'s support portal, where you can follow your requests.`,
    ],
    button: { label: "Choose your password", url: p.url },
    note: `The link works once and expires in ${p.expiresDays} days. Not expecting this? You can ignore it.`,
  });
}

/** A sign-in link the customer asked for (or, registering again, was sent instead). */
export function customerMagicLink(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresMinutes: number;
  alreadyRegistered?: boolean | undefined;
}): Rendered {
  return render(`Sign in to ${p.brand.brandName} support`, {
    brand: p.brand,
    heading: "Your sign-in link",
    paragraphs: [
      html`Hi ${bdi(p.name)},`,
      p.alreadyRegistered
        ? "Someone, probably you, tried to create an account with this address, but you have one already. Use this link to sign in, or ignore this email."
        : "Use this link to sign in to the support portal.",
    ],
    button: { label: "Sign in", url: p.url },
    note: `The link works once and expires in ${p.expiresMinutes} minutes. Did not ask for it? You can ignore this email.`,
  });
}

/** A customer's password reset. */
export function customerPasswordReset(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresMinutes: number;
}): Rendered {
  return render(`Reset your ${p.brand.brandName} support password`, {
    brand: p.brand,
    heading: "Choose a new password",
    paragraphs: [
      html`Hi ${bdi(p.name)},`,
      "Someone asked to reset the password of your support portal account.",
    ],
    button: { label: "Choose a new password", url: p.url },
    note: `The link works once and expires in ${p.expiresMinutes} minutes. Did not ask for it? Ignore this email: your password stays as it is.`,
  });
}

/** A new account's address to confirm. */
export function customerVerifyEmail(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresHours: number;
}): Rendered {
  return render(`Confirm your email for ${p.brand.brandName} support`, {
    brand: p.brand,
    heading: "Confirm your email",
    paragraphs: [
      html`Hi ${bdi(p.name)},`,
      "Confirm this address to finish creating your support portal account. You will be asked for the password you chose.",
    ],
    button: { label: "Confirm my email", url: p.url },
    note: `The link expires in ${p.expiresHours} hours. Did not create an account? Ignore this email.`,
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

/** Onboarding: the customer's tasks due tomorrow or overdue, in one email a day. */
export function taskReminder(p: {
  brand: Branding;
  contactName: string;
  tasks: { title: string; due: string; overdue: boolean }[];
  url: string;
}): Rendered {
  const n = p.tasks.length;
  return render(`${n === 1 ? "A task is" : `${n} tasks are`} due for ${p.brand.brandName}`, {
    brand: p.brand,
    heading: "Your tasks due soon",
    paragraphs: [
      html`Hi ${bdi(p.contactName)},`,
      n === 1 ? "This task is due tomorrow or overdue:" : "These tasks are due tomorrow or overdue:",
      ...p.tasks.map((t) => html`• ${bdi(t.title)}: ${t.overdue ? "overdue since" : "due"} ${t.due}`),
    ],
    button: { label: "See your tasks", url: p.url },
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
  ticket_confirmation: ticketConfirmation,
  agent_reply: agentReplyToCustomer,
  ticket_resolved: ticketResolved,
  agent_new_ticket: newTicketForAgents,
  agent_customer_reply: customerReplyForAgents,
  agent_invitation: agentInvitation,
  open_requests: openRequests,
  customer_invitation: customerInvitation,
  customer_magic_link: customerMagicLink,
  customer_password_reset: customerPasswordReset,
  customer_verify_email: customerVerifyEmail,
  agent_password_reset: agentPasswordReset,
  task_reminder: taskReminder,
  kb_article_alert: kbArticleAlert,
  monthly_report: monthlyReport,
  follow_up_task: followUpTask,
  nps_detractor: npsDetractor,
  survey_request: surveyRequest,
} as const;

export type EmailKind = keyof typeof TEMPLATES;

/** An email's kind with its template's inputs: what the outbox stores, and renders when read. */
export type TemplateCall = {
  [K in EmailKind]: { kind: K; params: Parameters<(typeof TEMPLATES)[K]>[0] };
}[EmailKind];

export const renderTemplate = (call: TemplateCall): Rendered =>
  (TEMPLATES[call.kind] as (p: TemplateCall["params"]) => Rendered)(call.params);
