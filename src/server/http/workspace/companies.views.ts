import type { FastifyRequest } from "fastify";
import { STATUS_LABELS } from "../../../shared/tickets.ts";
import {
  COMPANY_NAME_MAX,
  COMPANY_NOTES_MAX,
  type CompanyDetail,
  type CompanyOption,
  type CompanySummary,
} from "../../companies/company.schemas.ts";
import type { ContactDetail } from "../../contacts/contact.schemas.ts";
import type { FieldErrors } from "../../errors.ts";
import type { PropertyChangeView } from "../../forms/form.schemas.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { companyWorkTimeline } from "./company-timeline.views.ts";
import { companyPropertiesSection } from "./forms.views.ts";
import { APP_LABELS, csrfField, statusBadge } from "./layout.ts";

// Companies as the agents see them: a searchable list with a form to add one, and one company
// with its details, domains, contacts, tickets and activity. Also the company block of a
// contact's page. Notes are internal and say so wherever they are shown.

const LABELS: Labels = {
  ...APP_LABELS,
  name: "Name",
  notes: "Internal notes",
  domain: "Domain",
  autoJoin: "Join automatically",
  companyId: "Company",
};

export const PORTAL_ACCESS_LABELS: Record<string, string> = {
  none: "No portal access",
  own: "Own requests",
  company: "Company manager",
};

export interface CompanyFormState {
  errors?: FieldErrors;
  message?: string;
  values?: Record<string, string>;
  notice?: string;
}

const notice = (text: string | undefined) =>
  text ? html`<p class="notice success" role="status">${text}</p>` : "";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const domainList = (c: CompanySummary) => c.domains.map((d) => d.domain).join(", ");

export function companiesMain(
  req: FastifyRequest,
  q: string,
  items: CompanySummary[],
  next: string,
  st: CompanyFormState = {},
): Html {
  const v = st.values ?? {};
  return html`<div class="page-head"><h1>Companies</h1></div>
${notice(st.notice)}
<form class="filters" method="get" action="/app/companies" role="search" aria-label="Search companies">
  <div class="field search"><label for="company-q">Search</label><input id="company-q" name="q" type="search" value="${q}" placeholder="Name or domain" data-shortcut-search></div>
  <button type="submit">Search</button>
</form>
${
  items.length
    ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Domains</th><th scope="col">Contacts</th><th scope="col">Open tickets</th></tr></thead>
<tbody>${items.map(
        (c) =>
          html`<tr data-row><td><a href="/app/companies/${c.id}" data-row-link>${bdi(c.name)}</a></td><td class="domains">${domainList(c)}</td><td>${plural(c.contactCount, "contact")}</td><td>${c.openTicketCount ? html`<a href="/app?company=${c.id}">${c.openTicketCount} open</a>` : "0 open"}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">${q ? html`No companies match “${bdi(q)}”.` : "No companies yet."}</p>`
}
${next ? html`<nav class="pager" aria-label="Pages"><a href="${next}" rel="next">Next page</a></nav>` : ""}
<section class="card" aria-labelledby="new-company-title" id="new-company">
  <h2 id="new-company-title">New company</h2>
  ${errorSummary(LABELS, st.errors, st.message)}
  <form method="post" action="/app/companies" novalidate data-once>
    ${csrfField(req)}
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" type="text" required maxlength="${COMPANY_NAME_MAX}" value="${v.name ?? ""}"${describedBy(st.errors, "name")}>
      ${fieldError(LABELS, st.errors, "name")}
    </div>
    <div class="field">
      <label for="notes">Internal notes <span class="optional">(optional)</span></label>
      <p class="hint" id="notes-hint">Only agents see these.</p>
      <textarea id="notes" name="notes" rows="3" maxlength="${COMPANY_NOTES_MAX}"${describedBy(st.errors, "notes", "notes-hint")}>${v.notes ?? ""}</textarea>
      ${fieldError(LABELS, st.errors, "notes")}
    </div>
    <button type="submit" class="primary">Add company</button>
  </form>
</section>`;
}

// The sentences of the activity, around the ticket's link: what a customer of the company could
// also see happen.
type Around = (data: Record<string, unknown>) => [string, string];
const ACTIVITY_TEXT: Record<string, Around> = {
  created: () => ["opened", ""],
  agent_replied: () => ["replied on", ""],
  customer_replied: () => ["replied on", ""],
  status_changed: (d) => [
    "changed the status of",
    `to ${STATUS_LABELS[String(d.to) as keyof typeof STATUS_LABELS] ?? String(d.to)}`,
  ],
  resolved: () => ["resolved", ""],
  reopened: () => ["reopened", ""],
  follow_up_created: (d) => ["followed up on", d.reference ? `with ${String(d.reference)}` : ""],
};

function activity(c: CompanyDetail): Html {
  if (!c.activity.length) return html`<p class="meta">No activity yet.</p>`;
  return html`<ol class="history">${c.activity.map((e) => {
    const who = e.actor.name ?? (e.actor.type === "system" ? "Portico" : "Someone");
    const [before, after] = ACTIVITY_TEXT[e.type]?.(e.data) ?? [e.type, ""];
    return html`<li><span>${bdi(who)} ${before} <a href="/app/tickets/${e.ticket.reference}">${e.ticket.reference}</a> ${bdi(e.ticket.subject)}${after ? ` ${after}` : ""}</span> <span class="meta">${when(e.createdAt)}</span></li>`;
  })}</ol>`;
}

function domainsSection(req: FastifyRequest, c: CompanyDetail, admin: boolean, st: CompanyFormState): Html {
  const base = `/app/companies/${c.id}/domains`;
  const v = st.values ?? {};
  return html`<section class="card" aria-labelledby="domains-title" id="domains">
  <h2 id="domains-title">Email domains</h2>
  <p class="hint">A new contact whose email address is confirmed on a domain that joins automatically becomes a contact of this company. A domain belongs to one company.</p>
  ${
    c.domains.length
      ? html`<ul class="kb-category-list">${c.domains.map(
          (d) => html`<li><form method="post" action="${base}/${d.domain}" class="kb-category-row">
  ${csrfField(req)}
  <p class="field"><strong class="email">${d.domain}</strong></p>
  <div class="field check"><input id="auto-${d.domain}" name="autoJoin" type="checkbox" value="1"${d.autoJoin ? html` checked` : ""}${admin ? "" : html` disabled`}><label for="auto-${d.domain}">Join automatically</label></div>
  ${
    admin
      ? html`<div class="row-actions"><button type="submit">Save</button><button type="submit" formaction="${base}/${d.domain}/remove" aria-label="Remove ${d.domain}">Remove</button></div>`
      : ""
  }
</form></li>`,
        )}</ul>`
      : html`<p class="meta">No domains.</p>`
  }
  ${
    c.contactsWithoutCompany
      ? html`<form method="post" action="/app/companies/${c.id}/domain-contacts" class="inline-add">
    ${csrfField(req)}
    <p>${c.contactsWithoutCompany === 1 ? "1 contact on these domains has" : `${c.contactsWithoutCompany} contacts on these domains have`} no company.</p>
    <button type="submit"><span>Add ${c.contactsWithoutCompany === 1 ? "them" : "them all"} to ${bdi(c.name)}</span></button>
  </form>`
      : ""
  }
  ${
    admin
      ? html`${errorSummary(LABELS, st.errors, st.message)}<form method="post" action="${base}" class="kb-category-row" novalidate>
    ${csrfField(req)}
    <div class="field"><label for="domain">Add a domain</label><input id="domain" name="domain" type="text" required maxlength="253" placeholder="example.com" value="${v.domain ?? ""}" autocapitalize="none" spellcheck="false"${describedBy(st.errors, "domain")}>${fieldError(LABELS, st.errors, "domain")}</div>
    <div class="field check"><input id="new-auto" name="autoJoin" type="checkbox" value="1"${v.autoJoin ? html` checked` : ""}><label for="new-auto">Join automatically</label></div>
    <button type="submit">Add domain</button>
  </form>`
      : html`<p class="hint">Only admins change a company's domains.</p>`
  }
</section>`;
}

export interface CompanyPageState {
  details?: CompanyFormState;
  domains?: CompanyFormState;
  notice?: string;
  propertyHistory?: PropertyChangeView[];
}

export function companyMain(
  req: FastifyRequest,
  c: CompanyDetail,
  admin: boolean,
  st: CompanyPageState,
): Html {
  const d = st.details ?? {};
  const v = d.values ?? {};
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/companies">Companies</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(c.name)}</span></nav>
<h1>${bdi(c.name)}</h1>
<p class="meta">${c.contactCount === 1 ? "1 contact" : `${c.contactCount} contacts`} · ${c.openTicketCount} open ${c.openTicketCount === 1 ? "ticket" : "tickets"} · since ${when(c.createdAt)}</p>
${notice(st.notice)}
<nav class="subnav" aria-label="${c.name}"><a href="/app/companies/${c.id}/onboarding">Onboarding</a> <a href="/app/companies/${c.id}/documents">Documents</a> <a href="#properties">Properties</a></nav>
<section class="card" aria-labelledby="details-title" id="details">
  <h2 id="details-title">Details</h2>
  ${errorSummary(LABELS, d.errors, d.message)}
  <form method="post" action="/app/companies/${c.id}" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" type="text" required maxlength="${COMPANY_NAME_MAX}" value="${v.name ?? c.name}"${describedBy(d.errors, "name")}>
      ${fieldError(LABELS, d.errors, "name")}
    </div>
    <div class="field">
      <label for="notes">Internal notes</label>
      <p class="hint" id="notes-hint">Only agents see these; never shown to the company's contacts.</p>
      <textarea id="notes" name="notes" rows="5" maxlength="${COMPANY_NOTES_MAX}"${describedBy(d.errors, "notes", "notes-hint")}>${v.notes ?? c.notes}</textarea>
      ${fieldError(LABELS, d.errors, "notes")}
    </div>
    <button type="submit" class="primary">Save details</button>
  </form>
</section>
${companyPropertiesSection(c.properties, st.propertyHistory ?? [])}
${domainsSection(req, c, admin, st.domains ?? {})}
<section class="card" aria-labelledby="contacts-title" id="contacts">
  <h2 id="contacts-title">Contacts</h2>
  ${
    c.contacts.length
      ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Portal access</th></tr></thead>
<tbody>${c.contacts.map(
          (p) =>
            html`<tr data-row><td><a href="/app/contacts/${p.id}" data-row-link>${bdi(p.name)}</a></td><td class="email">${p.email}</td><td>${PORTAL_ACCESS_LABELS[p.portalAccess] ?? p.portalAccess}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="meta">No contacts yet. Set a contact's company on their page, or add a domain.</p>`
  }
</section>
<section class="card" aria-labelledby="tickets-title" id="tickets">
  <h2 id="tickets-title">Tickets</h2>
  ${
    c.tickets.length
      ? html`<table class="list"><thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead>
<tbody>${c.tickets.map(
          (t) =>
            html`<tr data-row><td class="ref">${t.reference}</td><td class="subject"><a href="/app/tickets/${t.reference}" data-row-link>${bdi(t.subject)}</a></td><td>${bdi(t.contact.name)}</td><td>${statusBadge(t.status)}</td><td class="updated">${when(t.updatedAt)}</td></tr>`,
        )}</tbody></table>
<p><a href="/app?company=${c.id}&amp;status=any">All of ${bdi(c.name)}’s tickets in the queue</a></p>`
      : html`<p class="meta">No tickets.</p>`
  }
</section>
<section class="card" aria-labelledby="activity-title" id="activity">
  <h2 id="activity-title">Activity</h2>
  <p class="hint">What the company's contacts could also see happen on its tickets.</p>
  ${activity(c)}
</section>
${companyWorkTimeline(c.id, c.work)}
${
  admin
    ? html`<section class="card" aria-labelledby="delete-title" id="delete">
  <h2 id="delete-title">Delete company</h2>
  <p class="hint">Its contacts and tickets stay, without a company. Its domains and internal notes are deleted.</p>
  <form method="post" action="/app/companies/${c.id}/delete" data-once>
    ${csrfField(req)}
    <button type="submit"><span>Delete ${bdi(c.name)}</span></button>
  </form>
</section>`
    : ""
}`;
}

// An option's label is text alone (no element can isolate it there).
const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ""}>${withoutBidiControls(label)}</option>`;

/** A select of companies: the queue's filter and a contact's company. */
export function companySelect(
  id: string,
  name: string,
  options: CompanyOption[],
  selected: string,
  none: string,
  current?: CompanyOption | null,
): Html {
  // The selected company stays a choice even beyond the list's first thousand.
  const all = current && !options.some((o) => o.id === current.id) ? [current, ...options] : options;
  return html`<select id="${id}" name="${name}">${option("", none, selected)}${all.map((o) => option(o.id, o.name, selected))}</select>`;
}

// --- a contact's company: the block of the contact's page ----------------------------------------

export function contactCompanySection(
  req: FastifyRequest,
  c: ContactDetail,
  options: CompanyOption[],
  portalAccess: string,
  st: CompanyFormState = {},
): Html {
  const access = PORTAL_ACCESS_LABELS[portalAccess] ?? portalAccess;
  return html`<section class="card" aria-labelledby="contact-company-title" id="company">
  <h2 id="contact-company-title">Company</h2>
  ${notice(st.notice)}
  ${errorSummary(LABELS, st.errors, st.message)}
  <p>${c.company ? html`<a href="/app/companies/${c.company.id}">${bdi(c.company.name)}</a>` : html`<span class="muted">No company</span>`}</p>
  <form method="post" action="/app/contacts/${c.id}/company" class="inline-add">
    ${csrfField(req)}
    <div class="field"><label for="companyId">Company</label>${companySelect("companyId", "companyId", options, c.company?.id ?? "", "No company", c.company)}${fieldError(LABELS, st.errors, "companyId")}</div>
    <button type="submit">Set company</button>
  </form>
  <p class="hint">Their tickets keep the company they were opened for; new tickets take this one.</p>
  <p>Portal access: <strong>${access}</strong>${portalAccess === "company" && c.company ? html` (every request of ${bdi(c.company.name)})` : ""}</p>
</section>`;
}
