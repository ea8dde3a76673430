import type { CompanyEventData } from "../../companies/company.events.ts";
import type { CompanyTimelineEntry } from "../../companies/company.timeline.ts";
import { when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";

// The company page's work timeline: onboarding, forms and documents as they happened, with what
// the company's contacts could also see marked as such.

const WORDS: Record<string, string> = {
  plan_applied: "started the plan",
  task_started: "started",
  task_completed: "completed",
  task_linked: "linked a request to",
  form_submitted: "sent the form",
  property_changed: "changed the property",
  document_uploaded: "uploaded",
  document_published: "published",
  document_downloaded: "downloaded",
  document_deleted: "deleted",
};

function what(companyId: string, e: CompanyTimelineEntry): Html {
  const d = e.data as CompanyEventData;
  if (d.documentId)
    return html`<a href="/app/companies/${companyId}/documents#doc-${d.documentId}">${bdi(d.document ?? "a document")}</a>${d.version ? ` (version ${d.version})` : ""}`;
  if (e.type === "form_submitted")
    return html`${bdi(d.form ?? "")}${d.task ? html` for ${bdi(d.task)}` : ""}`;
  if (d.task)
    return html`<a href="/app/companies/${companyId}/onboarding#task-${d.taskId ?? ""}">${bdi(d.task)}</a>`;
  if (d.property) return html`<a href="#properties">${bdi(d.property)}</a>`;
  return bdi(d.plan ?? d.reference ?? "");
}

export function companyWorkTimeline(companyId: string, work: CompanyTimelineEntry[]): Html {
  return html`<section class="card" aria-labelledby="work-title" id="work">
  <h2 id="work-title">Onboarding, forms and documents</h2>
  ${
    work.length
      ? html`<ol class="history">${work.map((e) => {
          const who = e.who ?? (e.whoType === "system" ? "Portico" : "Someone");
          return html`<li><span>${bdi(who)} ${WORDS[e.type] ?? e.type} ${what(companyId, e)}</span> <span class="meta">${when(e.at)}${e.customerVisible ? "" : " · team only"}</span></li>`;
        })}</ol>`
      : html`<p class="meta">Nothing yet.</p>`
  }
</section>`;
}
