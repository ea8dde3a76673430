import type { FastifyRequest } from "fastify";
import { PRIORITY_LABELS, TICKET_PRIORITIES, TICKET_TYPES } from "../../../shared/tickets.ts";
import type { FieldErrors } from "../../errors.ts";
import type { SlaSettings } from "../../sla/sla.schemas.ts";
import { errorSummary, type Labels } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// Settings → SLAs: one form: a row per policy (and two empty rows to add one), the holidays one per
// line, and whether customers see the expected response time. Agents see it; admins change it.

export const SLA_LABELS: Labels = { holidays: "Holidays", showResponseTime: "Show expected response time" };

const FIELD_LABELS: Record<string, string> = {
  id: "the policy",
  name: "name",
  priority: "priority",
  ticketType: "ticket type",
  companyId: "company",
  firstResponseMinutes: "first response",
  nextResponseMinutes: "next response",
  resolutionMinutes: "resolution",
  clock: "counted in",
  day: "date",
};

/** "Policy 2, first response", "Holiday line 3, date": the error summary's names of the fields at fault. */
function labelsFor(errors: FieldErrors | undefined): Labels {
  const labels: Labels = { ...SLA_LABELS };
  for (const key of Object.keys(errors ?? {})) {
    const m = /^(policies|holidays)\.(\d+)\.(\w+)$/.exec(key);
    if (m) {
      const [, list, n, field] = m as unknown as [string, string, string, string];
      labels[key] =
        `${list === "policies" ? "Policy" : "Holiday line"} ${Number(n) + 1}, ${FIELD_LABELS[field] ?? field}:`;
    }
  }
  return labels;
}

export interface SlaPageState {
  notice?: string;
  errors?: FieldErrors;
  /** The holidays as typed, when the form comes back with an error. */
  holidaysText?: string;
}

export type Policy = Omit<SlaSettings["policies"][number], "id"> & { id?: string };

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const BLANK: Policy = {
  name: "",
  priority: "medium",
  ticketType: null,
  companyId: null,
  firstResponseMinutes: null,
  nextResponseMinutes: null,
  resolutionMinutes: null,
  clock: "business",
};

function rowErrors(errors: FieldErrors | undefined, i: number): string {
  if (!errors) return "";
  return Object.entries(errors)
    .filter(([k]) => k.startsWith(`policies.${i}.`))
    .map(([k, m]) => `${k.slice(`policies.${i}.`.length)} ${m}`)
    .join("; ");
}

function policyRow(
  p: Policy,
  i: number,
  companies: { id: string; name: string }[],
  readOnly: boolean,
  err: string,
): Html {
  const opt = (v: string, label: string, selected: boolean) =>
    html`<option value="${v}"${selected ? html` selected` : ""}>${label}</option>`;
  const num = (field: string, v: number | null, label: string) =>
    html`<td><input type="number" min="1" max="525600" inputmode="numeric" name="${field}-${String(i)}" id="policies-${String(i)}-${field}" value="${v === null ? "" : String(v)}" aria-label="${label}, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}></td>`;
  return html`<tr${err ? html` class="has-error"` : ""}>
  <td>${p.id ? html`<input type="hidden" name="id-${String(i)}" value="${p.id}">` : ""}<input name="name-${String(i)}" id="policies-${String(i)}-name" value="${p.name}" maxlength="80" aria-label="Name, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}>${err ? html`<p class="field-error" id="policy-error-${String(i)}">${err}</p>` : ""}</td>
  <td><select name="priority-${String(i)}" id="policies-${String(i)}-priority" aria-label="Priority, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}>${TICKET_PRIORITIES.map((k) => opt(k, PRIORITY_LABELS[k], p.priority === k))}</select></td>
  <td><select name="ticketType-${String(i)}" id="policies-${String(i)}-ticketType" aria-label="Ticket type, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}>${opt("", "Any type", p.ticketType === null)}${TICKET_TYPES.map((t) => opt(t, t, p.ticketType === t))}</select></td>
  <td><select name="companyId-${String(i)}" id="policies-${String(i)}-companyId" aria-label="Company, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}>${opt("", "Any company", p.companyId === null)}${companies.map((c) => opt(c.id, c.name, p.companyId === c.id))}</select></td>
  ${num("firstResponseMinutes", p.firstResponseMinutes, "First response (minutes)")}
  ${num("nextResponseMinutes", p.nextResponseMinutes, "Next response (minutes)")}
  ${num("resolutionMinutes", p.resolutionMinutes, "Resolution (minutes)")}
  <td><select name="clock-${String(i)}" id="policies-${String(i)}-clock" aria-label="Counted in, policy ${String(i + 1)}"${readOnly ? html` disabled` : ""}>${opt("business", "Business hours", p.clock === "business")}${opt("calendar", "Calendar hours", p.clock === "calendar")}</select></td>
</tr>`;
}

export function slaSettingsMain(
  req: FastifyRequest,
  s: Omit<SlaSettings, "policies"> & { policies: Policy[] },
  companies: { id: string; name: string }[],
  isAdmin: boolean,
  st: SlaPageState,
): Html {
  const readOnly = !isAdmin;
  const rows = readOnly ? s.policies : [...s.policies, BLANK, BLANK];
  const holidays = st.holidaysText ?? s.holidays.map((h) => `${h.day} ${h.name}`).join("\n");
  const h = s.businessHours;
  return html`<div class="page-head"><h1>SLAs</h1></div>
<nav class="toc" aria-label="Settings sections"><a href="/app/settings">Settings</a> <a href="/app/settings/surveys">Surveys (time zone and business hours)</a></nav>
${st.notice ? html`<p class="notice" role="status">${st.notice}</p>` : ""}
${errorSummary(labelsFor(st.errors), st.errors)}
<p>Business hours: ${h.days.map((d) => DAYS[d - 1] ?? "").join(", ")}, ${h.open}–${h.close}, in <strong>${s.timeZone}</strong> (changed in <a href="/app/settings/surveys">Settings → Surveys</a>). Targets are in minutes (240 = 4 hours). For a ticket, the most specific policy of its priority wins: company and type, then company, then type, then priority alone. Waiting on the customer stops the clock.</p>
<form method="post" action="/app/settings/sla" class="stack">
  ${csrfField(req)}
  <div class="table-scroll" tabindex="0" role="region" aria-label="SLA policies">
  <table class="sla-policies">
    <caption>Policies${readOnly ? "" : " (leave a row's name empty to remove it)"}</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Priority</th><th scope="col">Ticket type</th><th scope="col">Company</th><th scope="col">First response</th><th scope="col">Next response</th><th scope="col">Resolution</th><th scope="col">Counted in</th></tr></thead>
    <tbody>${rows.map((p, i) => policyRow(p, i, companies, readOnly, rowErrors(st.errors, i)))}</tbody>
  </table>
  </div>
  <input type="hidden" name="rows" value="${String(rows.length)}">
  <label for="holidays">Holidays (one per line: YYYY-MM-DD and a name)</label>
  <textarea id="holidays" name="holidays" rows="6"${readOnly ? html` disabled` : ""}>${holidays}</textarea>
  <label class="check"><input type="checkbox" name="showResponseTime" value="true"${s.showResponseTime ? html` checked` : ""}${readOnly ? html` disabled` : ""}> Show customers the expected response time ("We usually reply within 4 business hours") on their request's pages</label>
  ${isAdmin ? html`<div><button type="submit" class="button primary">Save SLAs</button></div>` : html`<p>Only admins change the SLAs.</p>`}
</form>`;
}
