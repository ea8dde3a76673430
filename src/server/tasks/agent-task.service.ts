import { formatReference } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { AgentTaskTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { findTicketForAgent, ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { agentTasksVisibleTo, agentTasksWritableBy } from "./agent-task.access.ts";

// The agents' follow-up tasks: written by a low score's follow-up (one per answer) or by an
// agent by hand, listed on each agent's list (open first, overdue first, then by due date; then
// the ones done in the last week), done and undone with one click.

export const taskNotFound = () => notFound("No such task.");
const DONE_RECENT_DAYS = 7;
const DAY = 86_400_000;
export const TASK_TITLE_MAX = 200;
export const TASK_BODY_MAX = 4000;

export interface NewAgentTask {
  workspaceId: string;
  agentId: string | null;
  title: string;
  body?: string;
  dueAt: Date | null;
  ticketId?: string | null;
  contactId?: string | null;
  companyId?: string | null;
  surveyId?: string | null;
  source: AgentTaskTable["source"];
}

/**
 * Writes the task in `tx`; a survey's second task is not written (survey_id is unique). Answers
 * the id of the task written, or null when there was one already.
 */
export async function createAgentTask(ctx: AppContext, tx: Tx, t: NewAgentTask): Promise<string | null> {
  const id = newId();
  const r = await tx
    .insertInto("agent_tasks")
    .values({
      id,
      workspace_id: t.workspaceId,
      agent_id: t.agentId,
      title: t.title,
      body: t.body ?? "",
      due_at: t.dueAt ? t.dueAt.toISOString() : null,
      status: "open",
      done_at: null,
      done_by_agent_id: null,
      ticket_id: t.ticketId ?? null,
      contact_id: t.contactId ?? null,
      company_id: t.companyId ?? null,
      survey_id: t.surveyId ?? null,
      source: t.source,
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.column("survey_id").doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0 ? id : null;
}

export interface AgentTaskView {
  id: string;
  title: string;
  body: string;
  dueAt: string | null;
  overdue: boolean;
  status: "open" | "done";
  doneAt: string | null;
  source: AgentTaskTable["source"];
  agentId: string | null;
  ticket: { id: string; reference: string; subject: string } | null;
  contact: { id: string; name: string } | null;
  company: { id: string; name: string } | null;
  createdAt: string;
}

export interface TaskFilter {
  /** Only the caller's tasks (else every task of the workspace). */
  mine?: boolean;
  status?: "open" | "done" | "all";
  ticketId?: string;
}

/** Open tasks (overdue first, then by due date, undated last), then those done in the last week. */
export async function listAgentTasks(
  ctx: AppContext,
  actor: AgentActor,
  filter: TaskFilter = {},
): Promise<AgentTaskView[]> {
  const db = ctx.database.db;
  const now = ctx.now();
  const status = filter.status ?? "all";
  let q = agentTasksVisibleTo(db, actor).selectAll();
  if (filter.mine) q = q.where("agent_tasks.agent_id", "=", actor.agentId);
  if (filter.ticketId) q = q.where("agent_tasks.ticket_id", "=", filter.ticketId);
  // Dated ones by due date (the overdue are the earliest), then undated ones, newest first.
  const open =
    status === "done"
      ? []
      : await q
          .where("agent_tasks.status", "=", "open")
          .orderBy((eb) => eb.case().when("agent_tasks.due_at", "is", null).then(1).else(0).end())
          .orderBy("agent_tasks.due_at")
          .orderBy("agent_tasks.created_at", "desc")
          .orderBy("agent_tasks.id")
          .limit(500)
          .execute();
  const done =
    status === "open"
      ? []
      : await q
          .where("agent_tasks.status", "=", "done")
          .where("agent_tasks.done_at", ">=", new Date(now.getTime() - DONE_RECENT_DAYS * DAY).toISOString())
          .orderBy("agent_tasks.done_at", "desc")
          .limit(100)
          .execute();
  return views(ctx, actor, [...open, ...done], now);
}

async function views(ctx: AppContext, actor: AgentActor, rows: AgentTaskTable[], now: Date) {
  const db = ctx.database.db;
  const ids = (k: "ticket_id" | "contact_id" | "company_id") => [
    ...new Set(rows.map((r) => r[k]).filter((v): v is string => Boolean(v))),
  ];
  const [tickets, contacts, companies] = await Promise.all([
    ids("ticket_id").length
      ? ticketsVisibleTo(db, actor)
          .select(["tickets.id", "tickets.number", "tickets.subject"])
          .where("tickets.id", "in", ids("ticket_id"))
          .execute()
      : [],
    ids("contact_id").length
      ? contactsVisibleTo(db, actor)
          .select(["contacts.id", "contacts.name", "contacts.email"])
          .where("contacts.id", "in", ids("contact_id"))
          .execute()
      : [],
    ids("company_id").length
      ? companiesVisibleTo(db, actor)
          .select(["companies.id", "companies.name"])
          .where("companies.id", "in", ids("company_id"))
          .execute()
      : [],
  ]);
  const nowIso = now.toISOString();
  return rows.map((r): AgentTaskView => {
    const t = tickets.find((x) => x.id === r.ticket_id);
    const c = contacts.find((x) => x.id === r.contact_id);
    const co = companies.find((x) => x.id === r.company_id);
    return {
      id: r.id,
      title: r.title,
      body: r.body,
      dueAt: r.due_at,
      overdue: r.status === "open" && r.due_at !== null && r.due_at < nowIso,
      status: r.status,
      doneAt: r.done_at,
      source: r.source,
      agentId: r.agent_id,
      ticket: t ? { id: t.id, reference: formatReference(t.number), subject: t.subject } : null,
      contact: c ? { id: c.id, name: c.name || c.email } : null,
      company: co ? { id: co.id, name: co.name } : null,
      createdAt: r.created_at,
    };
  });
}

export async function getAgentTask(ctx: AppContext, actor: AgentActor, id: string): Promise<AgentTaskView> {
  const row = await agentTasksVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("agent_tasks.id", "=", id)
    .executeTakeFirst();
  if (!row) throw taskNotFound();
  const [v] = await views(ctx, actor, [row], ctx.now());
  return v as AgentTaskView;
}

/** Done (or open again). Any agent of the workspace may: a colleague may pick up a task. */
export async function setAgentTaskDone(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  done: boolean,
): Promise<AgentTaskView> {
  const now = ctx.now().toISOString();
  await agentTasksWritableBy(ctx.database.db, actor)
    .set(
      done
        ? { status: "done", done_at: now, done_by_agent_id: actor.agentId }
        : { status: "open", done_at: null, done_by_agent_id: null },
    )
    .where("agent_tasks.id", "=", id)
    // Done twice keeps the first moment.
    .where("agent_tasks.status", "=", done ? "open" : "done")
    .execute();
  // Unchanged (done already, or not of this workspace): the task as it is, or a 404.
  return getAgentTask(ctx, actor, id);
}

export interface ManualTask {
  title: string;
  dueAt?: string | null | undefined;
  /** A ticket reference (TKT-0042). */
  ticket?: string | null | undefined;
  body?: string | undefined;
  /** Whose list: the caller's unless another active agent of the workspace is named. */
  agentId?: string | undefined;
}

/** A task an agent adds by hand, on their own list (or a colleague's). */
export async function createManualTask(
  ctx: AppContext,
  actor: AgentActor,
  input: ManualTask,
): Promise<AgentTaskView> {
  const title = input.title.trim();
  if (!title) throw validationFailed({ title: "must not be empty" });
  let due: Date | null = null;
  if (input.dueAt) {
    due = new Date(input.dueAt);
    if (Number.isNaN(due.getTime())) throw validationFailed({ dueAt: "must be a date and time" });
  }
  const agentId = input.agentId ?? actor.agentId;
  if (agentId !== actor.agentId) {
    const a = await ctx.database.db
      .selectFrom("agents")
      .select("active")
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", agentId)
      .executeTakeFirst();
    if (!a?.active) throw validationFailed({ agentId: "is not an active agent of this workspace" });
  }
  let ticket: { id: string; contact_id: string; company_id: string | null } | null = null;
  if (input.ticket) {
    try {
      ticket = await findTicketForAgent(ctx, actor, input.ticket.trim());
    } catch {
      throw validationFailed({ ticket: "is not a ticket of this workspace" });
    }
  }
  const id = await ctx.database.db.transaction().execute((tx) =>
    createAgentTask(ctx, tx, {
      workspaceId: actor.workspaceId,
      agentId,
      title,
      body: input.body?.trim() ?? "",
      dueAt: due,
      ticketId: ticket?.id ?? null,
      contactId: ticket?.contact_id ?? null,
      companyId: ticket?.company_id ?? null,
      source: "manual",
    }),
  );
  return getAgentTask(ctx, actor, id as string);
}

/** How many open tasks are on the agent's list (the navigation's badge). */
export async function openTaskCount(ctx: AppContext, actor: AgentActor): Promise<number> {
  const r = await agentTasksVisibleTo(ctx.database.db, actor)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("agent_tasks.agent_id", "=", actor.agentId)
    .where("agent_tasks.status", "=", "open")
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
