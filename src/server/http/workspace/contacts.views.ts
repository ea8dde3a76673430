import type { ContactDetail, ContactView } from "../../contacts/contact.schemas.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { statusBadge } from "./layout.ts";

// Contacts as the agents see them: a searchable list, and one contact with their tickets.

export function contactsMain(q: string, items: ContactView[], next: string, canImport = false): Html {
  return html`<div class="page-head"><h1>Contacts</h1>${canImport ? html`<a class="button" href="/app/contacts/import">Import contacts</a>` : ""}</div>
<form class="filters" method="get" action="/app/contacts" role="search" aria-label="Search contacts">
  <div class="field search"><label for="cq">Search</label><input id="cq" name="q" type="search" value="${q}" placeholder="Name or email" data-shortcut-search></div>
  <button type="submit">Search</button>
</form>
${
  items.length
    ? html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Company</th><th scope="col">Since</th></tr></thead>
<tbody>${items.map(
        (c) =>
          html`<tr data-row><td><a href="/app/contacts/${c.id}" data-row-link>${bdi(c.name)}</a></td><td class="email">${c.email}</td><td>${c.company ? bdi(c.company.name) : ""}</td><td>${when(c.createdAt)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">${q ? html`No contacts match “${bdi(q)}”.` : "No contacts yet: they appear with their first request."}</p>`
}
${next ? html`<nav class="pager" aria-label="Pages"><a href="${next}" rel="next">Next page</a></nav>` : ""}`;
}

export function contactMain(c: ContactDetail): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/contacts">Contacts</a> <span aria-hidden="true">/</span> <span aria-current="page">${bdi(c.name)}</span></nav>
<h1>${bdi(c.name)}</h1>
<p><a href="mailto:${c.email}">${c.email}</a>${c.company ? html` · ${bdi(c.company.name)}` : ""} · <span class="meta">since ${when(c.createdAt)}</span></p>
<h2>Tickets</h2>
${
  c.tickets.length
    ? html`<table class="list"><thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead>
<tbody>${c.tickets.map(
        (t) =>
          html`<tr data-row><td class="ref">${t.reference}</td><td><a href="/app/tickets/${t.reference}" data-row-link>${bdi(t.subject)}</a></td><td>${statusBadge(t.status)}</td><td>${when(t.updatedAt)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="empty">No tickets.</p>`
}`;
}
