import type { FastifyRequest } from "fastify";
import { TICKET_TYPES } from "../../../shared/tickets.ts";
import type { AgentView } from "../../agents/agent.service.ts";
import type { FieldErrors } from "../../errors.ts";
import { TIME_ZONES } from "../../i18n/time-zones.ts";
import type { SurveySettingsView } from "../../surveys/survey-settings.service.ts";
import { describedBy, errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// Settings → Surveys: one form, in sections: the workspace's clock, each survey, what low scores
// lead to and who hears, and the knowledge-base alert. Agents see it; only admins change it.

export const SURVEY_LABELS: Labels = {
  timeZone: "Time zone",
  "businessHours.days": "Open days",
  "businessHours.open": "Opens at",
  "businessHours.close": "Closes at",
  csatDelivery: "How CSAT is sent",
  csatDelayMinutes: "Minutes after the resolution",
  csatFollowUpMax: "Follow-up at CSAT of at most",
  npsFirstDays: "First NPS after (days)",
  npsEveryDays: "Then every (days)",
  npsDetractorMax: "Detractor at NPS of at most",
  cesTicketTypes: "Ticket types",
  stillFixedDays: '"Still fixed?" after (days)',
  quietDays: "At most one survey within (days)",
  csLeadAgentId: "Customer-success lead",
  slackWebhookUrl: "Slack incoming webhook",
  reportAgentIds: "Monthly report to",
  kbNoRatePct: '"Not helpful" rate above (%)',
  kbNoDays: "For days in a row",
  kbMinVotes: "With at least (votes)",
};

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export interface SurveySettingsState {
  notice?: string;
  errors?: FieldErrors;
  /** A Slack address an admin typed, shown again with its error (never the stored one). */
  slackTyped?: string | undefined;
}

export function surveySettingsMain(
  req: FastifyRequest,
  v: SurveySettingsView,
  agents: AgentView[],
  isAdmin: boolean,
  st: SurveySettingsState = {},
): Html {
  const e = st.errors;
  const dis = isAdmin ? html`` : html` disabled`;
  const active = agents.filter((a) => a.active);
  const num = (
    name: keyof SurveySettingsView,
    min: number,
    max: number,
    hint?: string,
  ) => html`<div class="field">
      <label for="${name}">${SURVEY_LABELS[name]}</label>
      ${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ""}
      <input id="${name}" name="${name}" type="number" inputmode="numeric" min="${min}" max="${max}" required value="${String(v[name])}"${describedBy(e, name, ...(hint ? [`${name}-hint`] : []))}${dis}>
      ${fieldError(SURVEY_LABELS, e, name)}
    </div>`;
  const check = (name: keyof SurveySettingsView, label: string) =>
    html`<div class="field"><label><input type="checkbox" name="${name}" value="true"${v[name] ? html` checked` : ""}${dis}> ${label}</label></div>`;
  return html`<h1>Survey settings</h1>
<p><a href="/app/settings">← Settings</a></p>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${isAdmin ? "" : html`<p class="hint">Only admins change these settings.</p>`}
${errorSummary(SURVEY_LABELS, e)}
<form method="post" action="/app/settings/surveys" novalidate>
  ${csrfField(req)}
  <fieldset class="card">
    <legend>The workspace's clock</legend>
    <p class="hint">Follow-up due dates count business hours in this time zone; monthly reports start on the 1st there.</p>
    <div class="field">
      <label for="timeZone">Time zone</label>
      <select id="timeZone" name="timeZone"${describedBy(e, "timeZone")}${dis}>${TIME_ZONES.map((z) => html`<option value="${z}"${z === v.timeZone ? html` selected` : ""}>${z}</option>`)}</select>
      ${fieldError(SURVEY_LABELS, e, "timeZone")}
    </div>
    <fieldset${describedBy(e, "businessHours.days")}>
      <legend>Open days</legend>
      <div class="days-check">${DAYS.map((d, i) => html`<label><input type="checkbox" name="day" value="${String(i + 1)}"${v.businessHours.days.includes(i + 1) ? html` checked` : ""}${dis}> ${d}</label>`)}</div>
      ${fieldError(SURVEY_LABELS, e, "businessHours.days")}
    </fieldset>
    <div class="field">
      <label for="businessHours-open">Opens at</label>
      <input id="businessHours-open" name="open" type="time" required value="${v.businessHours.open}"${describedBy(e, "businessHours.open")}${dis}>
      ${fieldError(SURVEY_LABELS, e, "businessHours.open")}
    </div>
    <div class="field">
      <label for="businessHours-close">Closes at</label>
      <input id="businessHours-close" name="close" type="time" required value="${v.businessHours.close}"${describedBy(e, "businessHours.close")}${dis}>
      ${fieldError(SURVEY_LABELS, e, "businessHours.close")}
    </div>
  </fieldset>
  <fieldset class="card">
    <legend>CSAT after a resolution</legend>
    ${check("csatEnabled", "Ask customers to rate a resolved ticket (1–5 stars)")}
    <div class="field">
      <label for="csatDelivery">How CSAT is sent</label>
      <select id="csatDelivery" name="csatDelivery"${dis}>
        <option value="resolution_email"${v.csatDelivery === "resolution_email" ? html` selected` : ""}>A button in the resolution email</option>
        <option value="separate_email"${v.csatDelivery === "separate_email" ? html` selected` : ""}>Its own email, a little later</option>
      </select>
    </div>
    ${num("csatDelayMinutes", 0, 60, "With its own email: 0 to 60 minutes after the resolution.")}
    ${num("csatFollowUpMax", 1, 5, 'A score at or below this puts "Follow-up call within 1 business day" on the agent\'s tasks.')}
  </fieldset>
  <fieldset class="card">
    <legend>NPS</legend>
    ${check("npsEnabled", "Ask contacts how likely they are to recommend you (0–10)")}
    ${num("npsFirstDays", 1, 365, "Days after a contact's first resolved ticket.")}
    ${num("npsEveryDays", 7, 730)}
    ${num("npsDetractorMax", 0, 10, "A score at or below this tells the customer-success lead and makes their task.")}
  </fieldset>
  <fieldset class="card">
    <legend>CES ("how easy was it")</legend>
    ${check("cesEnabled", "Ask CES")}
    ${check("cesAfterPlan", "When an onboarding plan is completed")}
    <fieldset${describedBy(e, "cesTicketTypes")}>
      <legend>When a ticket of these types is closed</legend>
      <div class="days-check">${TICKET_TYPES.map((tt) => html`<label><input type="checkbox" name="cesTicketTypes" value="${tt}"${v.cesTicketTypes.includes(tt) ? html` checked` : ""}${dis}> ${tt}</label>`)}</div>
      ${fieldError(SURVEY_LABELS, e, "cesTicketTypes")}
    </fieldset>
  </fieldset>
  <fieldset class="card">
    <legend>Asking less</legend>
    ${num("quietDays", 0, 365, "A contact is asked at most one survey within this many days.")}
    ${num("stillFixedDays", 0, 30, '0 turns "Still fixed?" off.')}
  </fieldset>
  <fieldset class="card">
    <legend>Who hears</legend>
    <div class="field">
      <label for="csLeadAgentId">Customer-success lead</label>
      <p class="hint" id="csLeadAgentId-hint">Gets NPS detractors by email and their follow-up task. None: the admins get the email.</p>
      <select id="csLeadAgentId" name="csLeadAgentId"${describedBy(e, "csLeadAgentId", "csLeadAgentId-hint")}${dis}>
        <option value="">None</option>
        ${active.map((a) => html`<option value="${a.id}"${a.id === v.csLeadAgentId ? html` selected` : ""}>${a.name}</option>`)}
      </select>
      ${fieldError(SURVEY_LABELS, e, "csLeadAgentId")}
    </div>
    <div class="field">
      <label for="slackWebhookUrl">Slack incoming webhook</label>
      <p class="hint" id="slackWebhookUrl-hint">An address from Slack starting with https://hooks.slack.com/services/; detractors are posted there. ${
        v.slackWebhookSet
          ? html`Set${v.slackWebhookUrl ? html`: <code>${v.slackWebhookUrl}</code>` : ""}. ${isAdmin ? "Leave blank to keep it, or enter a new one to replace it." : ""}`
          : "Not set."
      }</p>
      <input id="slackWebhookUrl" name="slackWebhookUrl" type="url" maxlength="2000" autocomplete="off" value="${st.slackTyped ?? ""}"${describedBy(e, "slackWebhookUrl", "slackWebhookUrl-hint")}${dis}>
      ${fieldError(SURVEY_LABELS, e, "slackWebhookUrl")}
      ${
        isAdmin && v.slackWebhookSet
          ? html`<label><input type="checkbox" name="slackWebhookClear" value="true"> Remove the Slack webhook</label>`
          : ""
      }
    </div>
    <fieldset${describedBy(e, "reportAgentIds")}>
      <legend>Monthly report to (none chosen: the admins)</legend>
      <div class="days-check">${active.map((a) => html`<label><input type="checkbox" name="reportAgentIds" value="${a.id}"${v.reportAgentIds.includes(a.id) ? html` checked` : ""}${dis}> ${a.name}</label>`)}</div>
      ${fieldError(SURVEY_LABELS, e, "reportAgentIds")}
    </fieldset>
  </fieldset>
  <fieldset class="card">
    <legend>Knowledge-base articles</legend>
    ${num("kbNoRatePct", 1, 100)}
    ${num("kbNoDays", 1, 90)}
    ${num("kbMinVotes", 1, 10000)}
  </fieldset>
  ${isAdmin ? html`<button type="submit" class="primary">Save survey settings</button>` : ""}
</form>`;
}
