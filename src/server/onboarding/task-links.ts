import { formatReference, parseReference } from "../../shared/tickets.ts";
import type { AgentActor, CustomerActor } from "../actors.ts";
import { recordCompanyEvent } from "../companies/company.events.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { AppError, notFound, validationFailed } from "../errors.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { TASK_PORTAL_STATUS_LABELS } from "./onboarding.schemas.ts";
import {
  type CUSTOMER_TASK_COLUMNS,
  plansVisibleTo,
  taskShownToCustomers,
  tasksVisibleTo,
  taskTicketsDeletableBy,
  taskTicketsVisibleTo,
} from "./plan.access.ts";
import { taskNotFound } from "./plan.service.ts";
import { addTask } from "./plan-tasks.ts";

// Tickets and tasks: the team links a ticket to a task or makes a task from it; the customer
// sees the task on the request and the requests on the task, each only when both ends are theirs.

const ticketNotFound = () => notFound("No such ticket.");

async function agentTicket(db: Tx, actor: AgentActor, reference: string) {
  const number = parseReference(reference);
  if (number === null) throw ticketNotFound();
  const t = await ticketsVisibleTo(db, actor)
    .select(["tickets.id", "tickets.number", "tickets.subject", "tickets.company_id"])
    .where("tickets.number", "=", number)
    .executeTakeFirst();
  if (!t) throw ticketNotFound();
  return t;
}

export async function linkTicket(ctx: AppContext, actor: AgentActor, taskId: string, reference: string) {
  const now = ctx.now().toISOString();
  await ctx.database.db.transaction().execute(async (tx) => {
    const task = await tasksVisibleTo(tx, actor)
      .select(["tasks.id", "tasks.title", "tasks.company_id"])
      .where("tasks.id", "=", taskId)
      .executeTakeFirst();
    if (!task) throw taskNotFound();
    const ticket = await agentTicket(tx, actor, reference);
    if (ticket.company_id !== task.company_id) {
      throw validationFailed({ reference: "is a request of another company than the task's" });
    }
    const res = await tx
      .insertInto("task_tickets")
      .values({ task_id: task.id, ticket_id: ticket.id, workspace_id: actor.workspaceId, created_at: now })
      .onConflict((oc) => oc.columns(["task_id", "ticket_id"]).doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return;
    const visible = await taskShownToCustomers(tx, actor, task.id);
    await recordCompanyEvent(tx, actor, {
      workspaceId: actor.workspaceId,
      companyId: task.company_id,
      type: "task_linked",
      data: visible
        ? { task: task.title, taskId: task.id }
        : { taskId: task.id, reference: formatReference(ticket.number) },
      customerVisible: visible,
      at: now,
    });
  });
}

export async function unlinkTicket(ctx: AppContext, actor: AgentActor, taskId: string, reference: string) {
  const ticket = await agentTicket(ctx.database.db, actor, reference);
  const res = await taskTicketsDeletableBy(ctx.database.db, actor)
    .where("task_tickets.task_id", "=", taskId)
    .where("task_tickets.ticket_id", "=", ticket.id)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw notFound("No such link.");
}

/** A new task in one of the company's plans, from a ticket (its subject as the title), linked to it. */
export async function spawnTask(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  body: { planId: string; title?: string | undefined },
) {
  const ticket = await agentTicket(ctx.database.db, actor, reference);
  const plan = await plansVisibleTo(ctx.database.db, actor)
    .select(["plans.id", "plans.company_id"])
    .where("plans.id", "=", body.planId)
    .executeTakeFirst();
  if (!plan || plan.company_id !== ticket.company_id) {
    throw validationFailed({ planId: "is not a plan of the ticket's company" });
  }
  const task = await addTask(ctx, actor, plan.id, {
    title: body.title?.trim() || ticket.subject.slice(0, 200),
    actor: "team",
  });
  await linkTicket(ctx, actor, task.id, reference);
  return task;
}

/** The ticket page's section: its linked tasks, and the plans and tasks it could join. */
export async function ticketTaskLinks(ctx: AppContext, actor: AgentActor, reference: string) {
  const db = ctx.database.db;
  const ticket = await agentTicket(db, actor, reference);
  const [linked, plans, tasks] = await Promise.all([
    taskTicketsVisibleTo(db, actor)
      .innerJoin("tasks", "tasks.id", "task_tickets.task_id")
      .select(["tasks.id", "tasks.title", "tasks.status", "tasks.company_id"])
      .where("task_tickets.ticket_id", "=", ticket.id)
      .orderBy("tasks.title")
      .execute(),
    ticket.company_id
      ? plansVisibleTo(db, actor)
          .select(["plans.id", "plans.name"])
          .where("plans.company_id", "=", ticket.company_id)
          .where("plans.status", "=", "active")
          .orderBy("plans.created_at", "desc")
          .execute()
      : [],
    ticket.company_id
      ? tasksVisibleTo(db, actor)
          .innerJoin("plans", "plans.id", "tasks.plan_id")
          .select(["tasks.id", "tasks.title", "plans.name as plan"])
          .where("tasks.company_id", "=", ticket.company_id)
          .where("plans.status", "=", "active")
          .orderBy("plans.name")
          .orderBy("tasks.position")
          .limit(300)
          .execute()
      : [],
  ]);
  return { reference: formatReference(ticket.number), companyId: ticket.company_id, linked, plans, tasks };
}

/** The tasks on a request the customer sees (both ends within their scope). */
export async function tasksOfRequest(ctx: AppContext, actor: CustomerActor, ticketId: string) {
  const rows = await taskTicketsVisibleTo(ctx.database.db, actor)
    .innerJoin("tasks", "tasks.id", "task_tickets.task_id")
    .select([
      "tasks.id",
      "tasks.title",
      "tasks.portal_status",
    ] satisfies (typeof CUSTOMER_TASK_COLUMNS)[number][])
    .where("task_tickets.ticket_id", "=", ticketId)
    .orderBy("tasks.title")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    statusLabel: TASK_PORTAL_STATUS_LABELS[r.portal_status],
    portalStatus: r.portal_status,
  }));
}

/** The requests on a task the customer sees (both ends within their scope). */
export async function requestsOfTask(ctx: AppContext, actor: CustomerActor, taskId: string) {
  const rows = await taskTicketsVisibleTo(ctx.database.db, actor)
    .innerJoin("tickets", "tickets.id", "task_tickets.ticket_id")
    .select(["tickets.number", "tickets.subject"])
    .where("task_tickets.task_id", "=", taskId)
    .orderBy("tickets.number")
    .execute();
  return rows.map((r) => ({ reference: formatReference(r.number), subject: r.subject }));
}

/** The same, by the request's reference: the portal's 404 when the customer may not see it. */
export async function tasksOfRequestRef(ctx: AppContext, actor: CustomerActor, reference: string) {
  const number = parseReference(reference);
  const ticket =
    number === null
      ? undefined
      : await ticketsVisibleTo(ctx.database.db, actor)
          .select("tickets.id")
          .where("tickets.number", "=", number)
          .executeTakeFirst();
  if (!ticket) throw new AppError(404, "ticket_not_found", "We could not find that request.");
  return tasksOfRequest(ctx, actor, ticket.id);
}
