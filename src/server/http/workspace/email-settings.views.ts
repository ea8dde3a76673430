import type { FastifyRequest } from "fastify";
import {
  CUSTOMER_EMAIL_KINDS,
  type CustomerEmailKind,
  WORDING_INTRO_MAX,
  WORDING_SUBJECT_MAX,
} from "../../email/email.wording.ts";
import type { EmailSettingsView } from "../../email/email-settings.service.ts";
import type { FieldErrors } from "../../errors.ts";
import { LOCALE_NAMES, LOCALES, type Locale } from "../../i18n/locales.ts";
import { describedBy, errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// Settings → Emails: whether mail leaves and replies come back, then the customer emails, each
// with its subject and intro per language, a preview (the HTML in a sandbox, and the text) and
// "Reset to default". Agents see it; only admins change the wording.

export const EMAIL_NAMES: Record<CustomerEmailKind, string> = {
  ticket_confirmation: "Request received",
  agent_reply: "Agent's reply",
  ticket_resolved: "Request resolved",
  survey_request: "Survey",
  open_requests: "My open requests",
  customer_invitation: "Portal invitation",
  customer_magic_link: "Sign-in link",
  customer_password_reset: "Password reset",
  customer_verify_email: "Confirm email address",
  task_reminder: "Onboarding tasks due",
};

const LABELS: Labels = { subject: "Subject", intro: "Intro" };

export interface EmailSettingsState {
  kind: CustomerEmailKind;
  locale: Locale;
  notice?: string | undefined;
  errors?: FieldErrors | undefined;
  /** What the admin typed, shown again with its errors. */
  typed?: { subject: string; intro: string } | undefined;
  preview: { subject: string; text: string };
}

function statusCard(s: EmailSettingsView["status"]): Html {
  return html`<section class="card" aria-labelledby="email-status">
  <h2 id="email-status">Email status</h2>
  <dl class="facts">
    <dt>Outgoing mail</dt>
    <dd>${
      s.delivery === "smtp"
        ? "Delivered through the SMTP server (SMTP_URL)."
        : html`<strong>Not delivered:</strong> without SMTP_URL, emails are only written to the Outbox and to DATA_DIR/mail as .eml files.`
    }</dd>
    <dt>Replies by email</dt>
    <dd>${
      s.repliesArrive
        ? `Arrive ${s.inbound === "imap" ? "through IMAP (IMAP_URL)" : s.inbound === "smtp" ? "at the built-in SMTP listener" : "at the SMTP listener and through IMAP"}, sent to ${s.replyAddress ?? ""}. Customer emails invite “reply to this email”.`
        : s.inbound
          ? "Cannot arrive: no address to reply to (set the support email, or INBOUND_EMAIL_DOMAIN). Customer emails ask customers to answer on the page."
          : "Cannot arrive: neither the SMTP listener (INBOUND_SMTP_PORT) nor IMAP (IMAP_URL) is configured. Customer emails ask customers to answer on the page."
    }</dd>
  </dl>
</section>`;
}

export function emailSettingsMain(
  req: FastifyRequest,
  v: EmailSettingsView,
  isAdmin: boolean,
  st: EmailSettingsState,
): Html {
  const e = st.errors;
  const dis = isAdmin ? html`` : html` disabled`;
  const saved = v.templates[st.kind][st.locale];
  const subject = st.typed?.subject ?? saved.subject ?? "";
  const intro = st.typed?.intro ?? saved.intro ?? "";
  const here = (kind: CustomerEmailKind, locale: Locale) =>
    `/app/settings/emails?kind=${kind}&lang=${locale}`;
  const offered = v.placeholders[st.kind].map((p) => `{{${p}}}`).join(", ");
  return html`<h1>Emails</h1>
<p><a href="/app/settings">← Settings</a></p>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${statusCard(v.status)}
<h2>Customer emails</h2>
<p class="hint">Each email speaks the customer's language: the one they chose, else the one they wrote in, else the workspace's. You may reword its subject and its first paragraph per language; the rest stays as Portico writes it. Emails to the team are in English.</p>
<nav aria-label="Customer emails"><ul class="email-kinds">${CUSTOMER_EMAIL_KINDS.map(
    (k) =>
      html`<li><a href="${here(k, st.locale)}"${k === st.kind ? html` aria-current="page"` : ""}>${EMAIL_NAMES[k]}</a>${
        LOCALES.some((l) => v.templates[k][l].subject || v.templates[k][l].intro)
          ? html` <span class="badge">reworded</span>`
          : ""
      }</li>`,
  )}</ul></nav>
<section class="card" aria-labelledby="email-editor">
  <h2 id="email-editor">${EMAIL_NAMES[st.kind]}</h2>
  <nav aria-label="Language"><ul class="email-langs">${LOCALES.map(
    (l) =>
      html`<li><a href="${here(st.kind, l)}" lang="${l}"${l === st.locale ? html` aria-current="page"` : ""}>${LOCALE_NAMES[l]}</a></li>`,
  )}</ul></nav>
  ${isAdmin ? "" : html`<p class="hint">Only admins change the wording.</p>`}
  ${errorSummary(LABELS, e)}
  <form method="post" action="${here(st.kind, st.locale)}" novalidate>
    ${csrfField(req)}
    <p class="hint" id="placeholders-hint">Leave a field empty for Portico's own words. Placeholders this email offers: ${offered}.</p>
    <div class="field">
      <label for="subject">Subject</label>
      <input id="subject" name="subject" maxlength="${String(WORDING_SUBJECT_MAX)}" value="${subject}" placeholder="${st.preview.subject}" lang="${st.locale}"${describedBy(e, "subject", "placeholders-hint")}${dis}>
      ${fieldError(LABELS, e, "subject")}
    </div>
    <div class="field">
      <label for="intro">Intro</label>
      <textarea id="intro" name="intro" rows="4" maxlength="${String(WORDING_INTRO_MAX)}" lang="${st.locale}"${describedBy(e, "intro", "placeholders-hint")}${dis}>${intro}</textarea>
      ${fieldError(LABELS, e, "intro")}
    </div>
    ${
      isAdmin
        ? html`<div class="actions"><button type="submit" name="action" value="save">Save</button> <button type="submit" name="action" value="reset" class="secondary">Reset to default</button></div>`
        : ""
    }
  </form>
  <h3>Preview</h3>
  <p>Subject: <strong lang="${st.locale}">${st.preview.subject}</strong></p>
  <iframe class="mail-preview" src="/app/settings/emails/preview?kind=${st.kind}&amp;lang=${st.locale}" title="The email as HTML, with sample data" sandbox></iframe>
  <h4>As plain text</h4>
  <pre class="mail-text" lang="${st.locale}">${st.preview.text}</pre>
</section>`;
}
