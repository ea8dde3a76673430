import type { FastifyRequest } from "fastify";
import {
  type AgentPlan,
  type AgentTask,
  DESCRIPTION_MAX,
  NOTE_MAX,
  TASK_PORTAL_STATUS_LABELS,
  TASK_PORTAL_STATUSES,
  TASK_STATUS_LABELS,
  TASK_STATUSES,
  type Template,
  TITLE_MAX,
} from "../../onboarding/onboarding.schemas.ts";
import { errorSummary, when } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { csrfField } from "./layout.ts";
import {
  type FormOption,
  formSelect,
  notice,
  ONBOARDING_LABELS,
  type OnboardingFormState,
  option,
} from "./onboarding.views.ts";

// A company's onboarding as the team works it: apply a template, then each plan with its tasks,
// the team's state beside what the customer sees, each editable; and the ticket page's section
// linking a ticket to a task. Internal fields are labelled as such wherever they are shown.

type Named = { id: string; name: string };

const PLAN_STATUS_LABELS: Record<AgentPlan["status"], string> = {
  active: "Active",
  completed: "Completed",
  archived: "Archived",
};

const dateValue = (iso: string | null) => (iso ? iso.slice(0, 10) : "");

function taskEditForm(
  req: FastifyRequest,
  t: AgentTask,
  i: string,
  ctx: { agents: Named[]; contacts: Named[]; forms: FormOption[] },
): Html {
  const id = (f: string) => `${i}-${f}`;
  return html`<details><summary>Edit “${bdi(t.title)}”</summary>
<form method="post" action="/app/onboarding/tasks/${t.id}" novalidate data-once class="task-edit">
  ${csrfField(req)}
  <div class="field"><label for="${id("title")}">Title</label><input id="${id("title")}" name="title" required maxlength="${TITLE_MAX}" value="${t.title}"></div>
  <div class="field"><label for="${id("description")}">Description <span class="optional">(shown to the customer)</span></label><textarea id="${id("description")}" name="description" rows="2" maxlength="${DESCRIPTION_MAX}">${t.description}</textarea></div>
  <div class="field-row">
    <div class="field"><label for="${id("due")}">Due</label><input id="${id("due")}" name="dueAt" type="date" value="${dateValue(t.dueAt)}"></div>
    <div class="field"><label for="${id("actor")}">Who acts</label><select id="${id("actor")}" name="actor">${option("customer", "The customer", t.actor)}${option("team", "Our team", t.actor)}</select></div>
    <div class="field"><label for="${id("form")}">Form</label>${formSelect(id("form"), ctx.forms, t.formId)}</div>
  </div>
  <div class="two-states">
    <fieldset class="internal"><legend>Team side <span class="hint">(internal, never shown to the customer)</span></legend>
      <div class="field"><label for="${id("status")}">Team status</label><select id="${id("status")}" name="status">${TASK_STATUSES.map((s) => option(s, TASK_STATUS_LABELS[s], t.status))}</select></div>
      <div class="field"><label for="${id("assignee")}">Team assignee</label><select id="${id("assignee")}" name="assigneeAgentId">${option("", "Nobody", t.assigneeAgentId)}${ctx.agents.map((a) => option(a.id, a.name, t.assigneeAgentId))}</select></div>
      <div class="field"><label for="${id("note")}">Internal note</label><textarea id="${id("note")}" name="internalNote" rows="2" maxlength="${NOTE_MAX}">${t.internalNote}</textarea></div>
    </fieldset>
    <fieldset><legend>Customer side</legend>
      <div class="field checkbox"><label><input type="checkbox" name="portalVisible" value="1"${t.portalVisible ? html` checked` : ""}> Shown on the portal</label></div>
      <div class="field"><label for="${id("pstatus")}">Customer sees</label><select id="${id("pstatus")}" name="portalStatus">${TASK_PORTAL_STATUSES.map((s) => option(s, TASK_PORTAL_STATUS_LABELS[s], t.portalStatus))}</select></div>
      <div class="field"><label for="${id("passignee")}">Customer assignee</label><select id="${id("passignee")}" name="portalAssigneeContactId">${option("", "Anyone at the company", t.portalAssigneeContactId)}${ctx.contacts.map((c) => option(c.id, c.name, t.portalAssigneeContactId))}</select></div>
    </fieldset>
  </div>
  <button type="submit">Save task</button>
</form>
<form method="post" action="/app/onboarding/tasks/${t.id}/remove">${csrfField(req)}<button type="submit" class="linkish danger">Remove “${bdi(t.title)}”</button></form>
</details>`;
}

function planSection(
  req: FastifyRequest,
  p: AgentPlan,
  pi: number,
  ctx: { agents: Named[]; contacts: Named[]; forms: FormOption[] },
  st: OnboardingFormState,
): Html {
  const agentName = new Map(ctx.agents.map((a) => [a.id, a.name]));
  const contactName = new Map(ctx.contacts.map((c) => [c.id, c.name]));
  const addErrors = st.form === `add-${p.id}` ? st.errors : undefined;
  return html`<section class="card plan" aria-labelledby="plan-${pi}" id="plan-${p.id}">
  <h2 id="plan-${pi}">${bdi(p.name)} <span class="status plan-${p.status}">${PLAN_STATUS_LABELS[p.status]}</span></h2>
  <p class="meta">Applied ${when(p.createdAt)} · ${p.done} of ${p.total} done (team status)</p>
  <form method="post" action="/app/onboarding/plans/${p.id}/status" class="inline">
    ${csrfField(req)}
    <label for="plan-status-${pi}">Plan</label>
    <select id="plan-status-${pi}" name="status">${(["active", "completed", "archived"] as const).map((s) => option(s, PLAN_STATUS_LABELS[s], p.status))}</select>
    <button type="submit">Set</button>
  </form>
  ${
    p.tasks.length
      ? html`<div class="table-scroll"><table class="list two-states-table"><caption class="visually-hidden">Tasks of ${p.name}: the team's state and the customer's</caption>
<thead><tr><th scope="col">#</th><th scope="col">Task</th><th scope="col">Due</th><th scope="col">Team side (internal)</th><th scope="col">Customer side</th><th scope="col">Order</th></tr></thead>
<tbody>${p.tasks.map(
          (t, ti) => html`<tr id="task-${t.id}">
  <td>${ti + 1}</td>
  <td><strong>${bdi(t.title)}</strong><br><span class="meta">${t.actor === "customer" ? "Customer acts" : "Our team acts"}${t.ticketReferences.length ? html` · ${t.ticketReferences.map((r) => html`<a href="/app/tickets/${r}">${r}</a> `)}` : ""}</span>
  ${taskEditForm(req, t, `p${pi}t${ti}`, ctx)}</td>
  <td data-label="Due">${t.dueAt ? when(t.dueAt) : html`<span class="meta">None</span>`}</td>
  <td data-label="Team (internal)"><span class="task-status task-${t.status}">${TASK_STATUS_LABELS[t.status]}</span>${t.assigneeAgentId ? html`<br><span class="meta">${bdi(agentName.get(t.assigneeAgentId) ?? "An agent")}</span>` : ""}${t.internalNote ? html`<br><span class="meta internal-note">${t.internalNote}</span>` : ""}</td>
  <td data-label="Customer sees">${t.portalVisible ? html`<span class="task-status task-${t.portalStatus}">${TASK_PORTAL_STATUS_LABELS[t.portalStatus]}</span>${t.portalAssigneeContactId ? html`<br><span class="meta">${bdi(contactName.get(t.portalAssigneeContactId) ?? "A contact")}</span>` : ""}` : html`<span class="meta">Not on the portal</span>`}</td>
  <td class="order"><form method="post" action="/app/onboarding/tasks/${t.id}/move">${csrfField(req)}<input type="hidden" name="by" value="up"><button type="submit" class="linkish"${ti === 0 ? html` disabled` : ""} aria-label="Move “${t.title}” up">Up</button></form><form method="post" action="/app/onboarding/tasks/${t.id}/move">${csrfField(req)}<input type="hidden" name="by" value="down"><button type="submit" class="linkish"${ti === p.tasks.length - 1 ? html` disabled` : ""} aria-label="Move “${t.title}” down">Down</button></form></td>
</tr>`,
        )}</tbody></table></div>`
      : html`<p class="empty">No tasks.</p>`
  }
  <h3 id="add-${pi}-title">Add a task</h3>
  ${errorSummary(ONBOARDING_LABELS, addErrors, st.form === `add-${p.id}` ? st.message : undefined)}
  <form method="post" action="/app/onboarding/plans/${p.id}/tasks" novalidate data-once aria-labelledby="add-${pi}-title">
    ${csrfField(req)}
    <div class="field-row">
      <div class="field"><label for="add-${pi}-title-input">Title</label><input id="add-${pi}-title-input" name="title" required maxlength="${TITLE_MAX}"${addErrors?.title ? html` aria-invalid="true" aria-describedby="add-${pi}-title-error"` : ""}>
      ${addErrors?.title ? html`<p class="field-error" id="add-${pi}-title-error">Title ${addErrors.title}</p>` : ""}</div>
      <div class="field"><label for="add-${pi}-due">Due</label><input id="add-${pi}-due" name="dueAt" type="date"></div>
      <div class="field"><label for="add-${pi}-actor">Who acts</label><select id="add-${pi}-actor" name="actor">${option("customer", "The customer", "customer")}${option("team", "Our team", "")}</select></div>
    </div>
    <div class="field checkbox"><label><input type="checkbox" name="portalVisible" value="1" checked> Shown on the portal</label></div>
    <button type="submit">Add task</button>
  </form>
</section>`;
}

export function companyOnboardingMain(
  req: FastifyRequest,
  company: Named,
  plans: AgentPlan[],
  templates: Template[],
  ctx: { agents: Named[]; contacts: Named[]; forms: FormOption[] },
  st: OnboardingFormState = {},
): Html {
  const usable = templates.filter((t) => !t.archived);
  const generic = st.form && !st.form.startsWith("add-") && st.form !== "apply";
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app/companies">Companies</a> <span aria-hidden="true">/</span> <a href="/app/companies/${company.id}">${bdi(company.name)}</a> <span aria-hidden="true">/</span> <span aria-current="page">Onboarding</span></nav>
<div class="page-head"><h1>Onboarding: ${bdi(company.name)}</h1></div>
${notice(st.notice)}
${generic ? errorSummary(ONBOARDING_LABELS, st.errors, st.message) : ""}
<section class="card" aria-labelledby="apply-title">
  <h2 id="apply-title">Apply a template</h2>
  ${st.form === "apply" ? errorSummary(ONBOARDING_LABELS, st.errors, st.message) : ""}
  ${
    usable.length
      ? html`<form method="post" action="/app/companies/${company.id}/onboarding/apply" class="inline" data-once>
    ${csrfField(req)}
    <label for="templateId">Template</label>
    <select id="templateId" name="templateId">${usable.map((t) => option(t.id, `${t.name} (${t.tasks.length} tasks)`, ""))}</select>
    <button type="submit" class="primary">Apply</button>
  </form>`
      : html`<p class="meta">No templates yet. <a href="/app/onboarding/templates">Make one</a>.</p>`
  }
</section>
${plans.length ? plans.map((p, i) => planSection(req, p, i, ctx, st)) : html`<p class="empty">No plans yet.</p>`}`;
}

export type TicketTaskLinks = {
  reference: string;
  companyId: string | null;
  linked: { id: string; title: string; status: AgentTask["status"] }[];
  plans: Named[];
  tasks: { id: string; title: string; plan: string }[];
};

/** The ticket page's section: the tasks it is linked to, link it to another, or make one from it. */
export function ticketTasksSection(req: FastifyRequest, l: TicketTaskLinks): Html {
  const base = `/app/tickets/${l.reference}/tasks`;
  const linked = new Set(l.linked.map((t) => t.id));
  const open = l.tasks.filter((t) => !linked.has(t.id));
  return html`<section class="card" aria-labelledby="ticket-tasks-title" id="onboarding">
  <h2 id="ticket-tasks-title">Onboarding</h2>
  ${
    l.linked.length
      ? html`<ul class="plain">${l.linked.map((t) => html`<li>${bdi(t.title)} <span class="meta">${TASK_STATUS_LABELS[t.status]}</span></li>`)}</ul>`
      : html`<p class="meta">Not linked to a task.</p>`
  }
  ${
    l.companyId && l.companyId !== null && (open.length || l.plans.length)
      ? html`${
          open.length
            ? html`<form method="post" action="${base}/link">${csrfField(req)}
    <div class="field"><label for="link-task">Link to a task</label><select id="link-task" name="taskId">${open.map((t) => option(t.id, `${t.plan}: ${t.title}`, ""))}</select></div>
    <button type="submit">Link</button></form>`
            : ""
        }
  ${
    l.plans.length
      ? html`<form method="post" action="${base}/spawn">${csrfField(req)}
    <div class="field"><label for="spawn-plan">Make a task in</label><select id="spawn-plan" name="planId">${l.plans.map((p) => option(p.id, p.name, ""))}</select></div>
    <button type="submit">Make a task</button></form>`
      : ""
  }`
      : html`<p class="meta">${l.companyId ? "The company has no active plan." : "The ticket has no company."}</p>`
  }
</section>`;
}
