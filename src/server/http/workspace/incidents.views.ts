import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import {
  INCIDENT_MESSAGE_MAX,
  INCIDENT_TITLE_MAX,
  type IncidentStatus,
  type IncidentSummary,
  type IncidentView,
  OPEN_INCIDENT_STATUSES,
} from "../../incidents/incident.schemas.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import { csrfField, statusBadge } from "./layout.ts";

// /app/incidents: the list with the form to declare one; /app/incidents/{id}: its update form
// (status, message, products, companies), its linked tickets, who will be told, and Resolve.
// Every action is a plain form that redirects back.

export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
};

const LABELS: Labels = {
  title: "Title",
  message: "Message to customers",
  status: "Status",
  products: "Affected products",
  companyIds: "Affected companies",
  reference: "Ticket",
};

export const incidentBadge = (status: IncidentStatus) =>
  html`<span class="incident-status incident-${status}">${INCIDENT_STATUS_LABELS[status]}</span>`;

export interface IncidentFormValues {
  title: string;
  message: string;
  status: string;
  products: string;
  companyIds: string[];
}

export interface IncidentPageState {
  notice?: string | undefined;
  values?: IncidentFormValues | undefined;
  errors?: FieldErrors | undefined;
}

type CompanyOption = { id: string; name: string };

function incidentFields(v: IncidentFormValues, companies: CompanyOption[], errors: FieldErrors | undefined) {
  const chosen = new Set(v.companyIds);
  return html`<div class="field">
    <label for="title">Title <span class="hint">(for the team)</span></label>
    <input id="title" name="title" required maxlength="${INCIDENT_TITLE_MAX}" value="${v.title}"${describedBy(errors, "title")}>
    ${fieldError(LABELS, errors, "title")}
  </div>
  <div class="field">
    <label for="message">Message to customers</label>
    <p class="hint" id="message-hint">Shown in the portal's banner to the customers it concerns.</p>
    <textarea id="message" name="message" rows="4" required maxlength="${INCIDENT_MESSAGE_MAX}"${describedBy(errors, "message", "message-hint")}>${v.message}</textarea>
    ${fieldError(LABELS, errors, "message")}
  </div>
  <div class="field">
    <label for="status">Status</label>
    <select id="status" name="status"${describedBy(errors, "status")}>${OPEN_INCIDENT_STATUSES.map(
      (s) =>
        html`<option value="${s}"${v.status === s ? html` selected` : ""}>${INCIDENT_STATUS_LABELS[s]}</option>`,
    )}</select>
    ${fieldError(LABELS, errors, "status")}
  </div>
  <div class="field">
    <label for="products">Affected products (optional)</label>
    <p class="hint" id="products-hint">Separated by commas; customers see them.</p>
    <input id="products" name="products" value="${v.products}"${describedBy(errors, "products", "products-hint")}>
    ${fieldError(LABELS, errors, "products")}
  </div>
  <div class="field">
    <label for="companyIds">Affected companies</label>
    <p class="hint" id="companyIds-hint">None chosen: every customer sees it. Hold Ctrl or ⌘ to choose several.</p>
    <select id="companyIds" name="companyIds" multiple size="${String(Math.min(6, Math.max(2, companies.length)))}"${describedBy(errors, "companyIds", "companyIds-hint")}>${companies.map(
      (c) => html`<option value="${c.id}"${chosen.has(c.id) ? html` selected` : ""}>${bdi(c.name)}</option>`,
    )}</select>
    ${fieldError(LABELS, errors, "companyIds")}
  </div>`;
}

function audience(i: Pick<IncidentSummary, "everyone" | "products">): Html {
  return html`${i.everyone ? "Every customer" : "Chosen companies"}${
    i.products.length ? html` · ${i.products.map((p, n) => html`${n ? ", " : ""}${bdi(p)}`)}` : ""
  }`;
}

function listItem(i: IncidentSummary): Html {
  return html`<li class="incident-item">
  <h3 class="incident-title"><a href="/app/incidents/${i.id}">${bdi(i.title)}</a></h3>
  <p class="meta">${incidentBadge(i.status)} ${audience(i)} · ${String(i.tickets)} ${i.tickets === 1 ? "ticket" : "tickets"} · ${
    i.resolvedAt ? html`resolved ${when(i.resolvedAt)}` : html`updated ${when(i.updatedAt)}`
  }</p>
</li>`;
}

export function incidentsMain(
  req: FastifyRequest,
  list: IncidentSummary[],
  companies: CompanyOption[],
  st: IncidentPageState,
): Html {
  const open = list.filter((i) => i.status !== "resolved");
  const resolved = list.filter((i) => i.status === "resolved");
  const v = st.values ?? { title: "", message: "", status: "investigating", products: "", companyIds: [] };
  return html`<h1>Incidents</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<section aria-labelledby="open-incidents">
  <h2 id="open-incidents" class="section-title">Open (${String(open.length)})</h2>
  ${open.length ? html`<ul class="incident-list">${open.map(listItem)}</ul>` : html`<p class="hint">No open incident. Customers see no banner.</p>`}
</section>
${
  resolved.length
    ? html`<section aria-labelledby="resolved-incidents">
  <h2 id="resolved-incidents" class="section-title">Resolved</h2>
  <ul class="incident-list">${resolved.map(listItem)}</ul>
</section>`
    : ""
}
<section class="card" aria-labelledby="declare-title">
  <h2 id="declare-title">Declare an incident</h2>
  ${errorSummary(LABELS, st.errors)}
  <form method="post" action="/app/incidents" novalidate>
    ${csrfField(req)}
    ${incidentFields(v, companies, st.errors)}
    <button type="submit" class="primary">Declare</button>
  </form>
</section>`;
}

export const valuesOf = (i: IncidentView): IncidentFormValues => ({
  title: i.title,
  message: i.message,
  status: i.status === "resolved" ? "monitoring" : i.status,
  products: i.products.join(", "),
  companyIds: i.companies.filter((c) => c.source === "declared").map((c) => c.id),
});

export function incidentMain(
  req: FastifyRequest,
  i: IncidentView,
  companies: CompanyOption[],
  st: IncidentPageState,
): Html {
  const resolved = i.status === "resolved";
  const openTickets = i.tickets.filter((t) => t.status !== "resolved" && t.status !== "closed").length;
  const reported = i.companies.filter((c) => c.source === "reported");
  const declared = i.companies.filter((c) => c.source === "declared");
  return html`<p class="breadcrumbs"><a href="/app/incidents">Incidents</a></p>
<h1>${bdi(i.title)}</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${errorSummary(LABELS, st.errors)}
<p class="badges">${incidentBadge(i.status)} <span class="meta">Declared ${when(i.createdAt)}${
    i.resolvedAt ? html` · resolved ${when(i.resolvedAt)}` : html` · updated ${when(i.updatedAt)}`
  }</span></p>
<div class="incident-layout">
<div class="incident-main">
  <section class="card" aria-labelledby="customers-read">
    <h2 id="customers-read">What customers read</h2>
    <blockquote class="incident-message">${multiline(i.message)}</blockquote>
    <p class="meta">${audience(i)}</p>
  </section>
  <section class="card" aria-labelledby="update-title">
    <h2 id="update-title">${resolved ? "Reopen with an update" : "Post an update"}</h2>
    <form method="post" action="/app/incidents/${i.id}" novalidate>
      ${csrfField(req)}
      ${incidentFields(st.values ?? valuesOf(i), companies, st.errors)}
      <button type="submit">${resolved ? "Reopen" : "Post update"}</button>
    </form>
  </section>
  <section class="card" aria-labelledby="resolve-title">
    <h2 id="resolve-title">${resolved ? "Resolve again" : "Resolve"}</h2>
    <p>${
      i.toTell === 0
        ? "Nobody is waiting to be told."
        : `${i.toTell} ${i.toTell === 1 ? "customer is" : "customers are"} emailed once, in their language.`
    }${resolved ? " Customers told before are not emailed again." : ""}</p>
    <form method="post" action="/app/incidents/${i.id}/resolve" novalidate>
      ${csrfField(req)}
      <div class="field">
        <label for="resolve-message">Last word to customers (optional)</label>
        <p class="hint" id="resolve-message-hint">Left empty, the current message goes in the email.</p>
        <textarea id="resolve-message" name="message" rows="3" maxlength="${INCIDENT_MESSAGE_MAX}" aria-describedby="resolve-message-hint"></textarea>
      </div>
      ${
        openTickets
          ? html`<div class="field check"><input type="checkbox" id="resolveTickets" name="resolveTickets" value="1"><label for="resolveTickets">Also resolve the ${String(openTickets)} linked ${openTickets === 1 ? "ticket" : "tickets"} still open</label></div>`
          : ""
      }
      <button type="submit" class="primary">Resolve and tell customers</button>
    </form>
  </section>
</div>
<aside class="incident-side">
  <section class="card" aria-labelledby="tickets-title">
    <h2 id="tickets-title">Linked tickets (${String(i.tickets.length)})</h2>
    ${
      i.tickets.length
        ? html`<ul class="plain">${i.tickets.map(
            (t) =>
              html`<li><a href="/app/tickets/${t.reference}">${t.reference}</a> ${bdi(t.subject)} ${statusBadge(t.status as Parameters<typeof statusBadge>[0])}</li>`,
          )}</ul>`
        : html`<p class="meta">No ticket linked yet.</p>`
    }
    <form method="post" action="/app/incidents/${i.id}/tickets" class="inline-form" novalidate>
      ${csrfField(req)}
      <label for="reference">Link a ticket</label>
      <input id="reference" name="reference" placeholder="TKT-0042" maxlength="20" required${describedBy(st.errors, "reference")}>
      ${fieldError(LABELS, st.errors, "reference")}
      <button type="submit">Link</button>
    </form>
  </section>
  <section class="card" aria-labelledby="who-title">
    <h2 id="who-title">Customers</h2>
    <p>${String(i.affectedContacts)} said it affects them too.</p>
    ${declared.length ? html`<p>Declared for: ${declared.map((c, n) => html`${n ? ", " : ""}<a href="/app/companies/${c.id}">${bdi(c.name)}</a>`)}</p>` : ""}
    ${reported.length ? html`<p>Reported by: ${reported.map((c, n) => html`${n ? ", " : ""}<a href="/app/companies/${c.id}">${bdi(c.name)}</a>`)}</p>` : ""}
  </section>
</aside>
</div>`;
}

/** The ticket page's card: the incidents it is linked to, and a select of the open ones to link. */
export function ticketIncidentsCard(
  req: FastifyRequest,
  reference: string,
  data: { open: { id: string; title: string }[]; linked: { id: string; title: string; status: string }[] },
): Html {
  if (!data.open.length && !data.linked.length) return html``;
  return html`<section class="card" aria-labelledby="incidents-title" id="incidents">
  <h2 id="incidents-title">Incidents</h2>
  ${
    data.linked.length
      ? html`<ul class="plain">${data.linked.map(
          (l) =>
            html`<li><a href="/app/incidents/${l.id}">${bdi(l.title)}</a> ${incidentBadge(l.status as IncidentStatus)}</li>`,
        )}</ul>`
      : ""
  }
  ${
    data.open.length
      ? html`<form method="post" action="/app/incidents/link-ticket" class="inline-form">
    ${csrfField(req)}
    <input type="hidden" name="reference" value="${reference}">
    <label for="incident-to-link">Link to an open incident</label>
    <select id="incident-to-link" name="incident">${data.open.map((o) => html`<option value="${o.id}">${bdi(o.title)}</option>`)}</select>
    <button type="submit">Link</button>
  </form>`
      : ""
  }
</section>`;
}
