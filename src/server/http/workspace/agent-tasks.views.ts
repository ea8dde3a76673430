import type { FastifyRequest } from "fastify";
import type { FieldErrors } from "../../errors.ts";
import type { AgentTaskView } from "../../tasks/agent-task.service.ts";
import { TASK_TITLE_MAX } from "../../tasks/agent-task.service.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html, multiline } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// /app/tasks: an agent's follow-up tasks, open ones first (overdue first, marked in words and
// not by colour alone), then the ones done this week; each with its ticket, contact or company,
// and a Done button that is a plain form.

const SOURCE_LABELS: Record<AgentTaskView["source"], string> = {
  csat: "Low CSAT",
  nps: "NPS detractor",
  manual: "Added by hand",
};

const LABELS: Labels = { title: "Task", dueAt: "Due", ticket: "Ticket" };

export interface TaskPageState {
  all?: boolean;
  notice?: string;
  values?: { title: string; dueAt: string; ticket: string };
  errors?: FieldErrors;
  timeZone: string;
}

function taskItem(req: FastifyRequest, t: AgentTaskView, all: boolean): Html {
  const links = [
    t.ticket
      ? html`<a href="/app/tickets/${t.ticket.reference}">${t.ticket.reference}</a> ${bdi(t.ticket.subject)}`
      : null,
    t.contact ? html`<a href="/app/contacts/${t.contact.id}">${bdi(t.contact.name)}</a>` : null,
    t.company ? html`<a href="/app/companies/${t.company.id}">${bdi(t.company.name)}</a>` : null,
  ].filter((x): x is Html => x !== null);
  const open = t.status === "open";
  return html`<li class="task-item${t.overdue ? " overdue" : ""}${open ? "" : " done"}">
  <div class="task-head">
    <h2 class="task-title">${open ? "" : html`<span class="tag">Done</span> `}${t.overdue ? html`<span class="tag overdue-tag">Overdue</span> ` : ""}${bdi(t.title)}</h2>
    <form method="post" action="/app/tasks/${t.id}/done">
      ${csrfField(req)}
      <input type="hidden" name="done" value="${open ? "true" : "false"}">
      ${all ? html`<input type="hidden" name="all" value="1">` : ""}
      <button type="submit"${open ? html` class="primary"` : ""}>${open ? "Done" : "Reopen"}<span class="visually-hidden">: ${t.title}</span></button>
    </form>
  </div>
  <p class="task-meta">${
    open
      ? t.dueAt
        ? html`${t.overdue ? "Was due" : "Due"} ${when(t.dueAt)}`
        : "No due date"
      : html`Done ${when(t.doneAt as string)}`
  } · ${SOURCE_LABELS[t.source]}</p>
  ${links.length ? html`<p class="task-links">${links.map((l, i) => html`${i ? " · " : ""}${l}`)}</p>` : ""}
  ${t.body ? html`<p class="task-body">${multiline(t.body)}</p>` : ""}
</li>`;
}

export function tasksMain(req: FastifyRequest, tasks: AgentTaskView[], st: TaskPageState): Html {
  const open = tasks.filter((t) => t.status === "open");
  const done = tasks.filter((t) => t.status === "done");
  const overdue = open.filter((t) => t.overdue).length;
  const all = Boolean(st.all);
  const v = st.values ?? { title: "", dueAt: "", ticket: "" };
  return html`<h1>Tasks</h1>
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
<nav class="toc" aria-label="Whose tasks">
  <a href="/app/tasks"${all ? "" : html` aria-current="page"`}>My tasks</a>
  <a href="/app/tasks?all=1"${all ? html` aria-current="page"` : ""}>Everyone's</a>
</nav>
<section aria-labelledby="open-title">
  <h2 id="open-title" class="section-title">Open (${open.length})${overdue ? html`, ${overdue} overdue` : ""}</h2>
  ${open.length ? html`<ul class="task-list">${open.map((t) => taskItem(req, t, all))}</ul>` : html`<p class="hint">Nothing to do. Low survey scores put their follow-ups here.</p>`}
</section>
${
  done.length
    ? html`<section aria-labelledby="done-title">
  <h2 id="done-title" class="section-title">Done this week</h2>
  <ul class="task-list">${done.map((t) => taskItem(req, t, all))}</ul>
</section>`
    : ""
}
<section class="card" aria-labelledby="new-task-title">
  <h2 id="new-task-title">Add a task</h2>
  ${errorSummary(LABELS, st.errors)}
  <form method="post" action="/app/tasks" novalidate>
    ${csrfField(req)}
    <div class="field">
      <label for="title">Task</label>
      <input id="title" name="title" required maxlength="${TASK_TITLE_MAX}" value="${v.title}"${describedBy(st.errors, "title")}>
      ${fieldError(LABELS, st.errors, "title")}
    </div>
    <div class="field">
      <label for="dueAt">Due (optional)</label>
      <p class="hint" id="dueAt-hint">In the workspace's time zone, ${st.timeZone}.</p>
      <input id="dueAt" name="dueAt" type="datetime-local" value="${v.dueAt}"${describedBy(st.errors, "dueAt", "dueAt-hint")}>
      ${fieldError(LABELS, st.errors, "dueAt")}
    </div>
    <div class="field">
      <label for="ticket">Ticket (optional)</label>
      <input id="ticket" name="ticket" placeholder="TKT-0042" maxlength="20" value="${v.ticket}"${describedBy(st.errors, "ticket")}>
      ${fieldError(LABELS, st.errors, "ticket")}
    </div>
    <button type="submit">Add task</button>
  </form>
</section>`;
}

/** A ticket's open follow-up tasks, in its sidebar. */
export function followUpsCard(tasks: AgentTaskView[]): Html {
  if (!tasks.length) return html``;
  return html`<section class="card" aria-labelledby="follow-ups-title">
  <h2 id="follow-ups-title">Follow-up tasks</h2>
  <ul class="plain">${tasks.map(
    (t) =>
      html`<li>${t.overdue ? html`<span class="tag overdue-tag">Overdue</span> ` : ""}${bdi(t.title)}${t.dueAt ? html`<br><span class="meta">${t.overdue ? "Was due" : "Due"} ${when(t.dueAt)}</span>` : ""}</li>`,
  )}</ul>
  <p><a href="/app/tasks?all=1">All tasks</a></p>
</section>`;
}
