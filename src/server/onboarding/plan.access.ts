import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { visibleTicketIds } from "../tickets/ticket.access.ts";

// Onboarding plans, their tasks and the templates they are made from are read and changed through
// here only. Agents and the system see their workspace's. A signed-in customer sees the plans of
// their own company that are under way or finished (never an archived one), and of those the tasks
// the team shows on the portal; only through CUSTOMER_TASK_COLUMNS, so the team's side of a task
// (status, assignee, internal note) never reaches a customer path. Templates are the team's only.

/** Plans a customer sees: active or completed. */
const CUSTOMER_PLAN_STATUSES = ["active", "completed"] as const;

export function planScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "plans">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("plans.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("plans.workspace_id", "=", actor.workspaceId);
      case "customer":
        return actor.companyId === null
          ? nothing()
          : eb.and([
              eb("plans.workspace_id", "=", actor.workspaceId),
              eb("plans.company_id", "=", actor.companyId),
              eb("plans.status", "in", CUSTOMER_PLAN_STATUSES),
            ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function plansVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("plans").where(planScope(actor));
}

export function plansWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("plans").where(planScope(actor));
}

export function plansDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("plans").where(planScope(actor));
}

/** The ids of the plans an actor may see, for a task's scope. */
function visiblePlanIds(eb: ExpressionBuilder<DB, "tasks">, actor: Actor) {
  return (eb as unknown as ExpressionBuilder<DB, never>)
    .selectFrom("plans")
    .select("plans.id")
    .where(planScope(actor));
}

export function taskScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "tasks">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("tasks.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("tasks.workspace_id", "=", actor.workspaceId);
      case "customer":
        return actor.companyId === null
          ? nothing()
          : eb.and([
              eb("tasks.workspace_id", "=", actor.workspaceId),
              eb("tasks.company_id", "=", actor.companyId),
              eb("tasks.portal_visible", "=", true),
              eb("tasks.plan_id", "in", visiblePlanIds(eb, actor)),
            ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Every task read starts here. A customer's read selects CUSTOMER_TASK_COLUMNS and nothing else. */
export function tasksVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("tasks").where(taskScope(actor));
}

export function tasksWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("tasks").where(taskScope(actor));
}

export function tasksDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("tasks").where(taskScope(actor));
}

/** What of a task may reach a customer: the portal side, never status, assignee or note. */
export const CUSTOMER_TASK_COLUMNS = [
  "tasks.id",
  "tasks.plan_id",
  "tasks.company_id",
  "tasks.position",
  "tasks.title",
  "tasks.description",
  "tasks.actor",
  "tasks.due_at",
  "tasks.form_id",
  "tasks.portal_status",
  "tasks.portal_start",
  "tasks.portal_complete",
  "tasks.portal_assignee_contact_id",
  "tasks.updated_at",
] as const;

/**
 * Whether customers see this task now: shown on the portal, on a plan under way or finished. What
 * a task's timeline events are marked customer-visible by, read after the change in the same
 * transaction; only the task's id is selected, so it is safe on a customer's path too.
 */
export async function taskShownToCustomers(db: Tx, actor: Actor, taskId: string): Promise<boolean> {
  const row = await tasksVisibleTo(db, actor)
    .select("tasks.id")
    .where("tasks.id", "=", taskId)
    .where("tasks.portal_visible", "=", true)
    .where((eb) =>
      eb(
        "tasks.plan_id",
        "in",
        (eb as unknown as ExpressionBuilder<DB, never>)
          .selectFrom("plans")
          .select("plans.id")
          .where(planScope(actor))
          .where("plans.status", "in", CUSTOMER_PLAN_STATUSES),
      ),
    )
    .executeTakeFirst();
  return row !== undefined;
}

/** The ids of the tasks an actor may see, for other entities' scopes (form answers, links). */
export function visibleTaskIds(eb: ExpressionBuilder<DB, never>, actor: Actor) {
  return eb.selectFrom("tasks").select("tasks.id").where(taskScope(actor));
}

/**
 * Links between tasks and tickets: a link is seen when both ends are (a customer sees the task on
 * a request, and the requests on a task, only within their scope).
 */
export function taskTicketsVisibleTo(db: Tx, actor: Actor) {
  return db
    .selectFrom("task_tickets")
    .where((eb) =>
      eb.and([
        eb(
          "task_tickets.task_id",
          "in",
          visibleTaskIds(eb as unknown as ExpressionBuilder<DB, never>, actor),
        ),
        eb("task_tickets.ticket_id", "in", visibleTicketIds(eb, actor)),
      ]),
    );
}

/** Unlinking: agents of the workspace only. */
export function taskTicketsDeletableBy(db: Tx, actor: Actor) {
  const q = db.deleteFrom("task_tickets");
  return actor.kind === "agent"
    ? q.where("task_tickets.workspace_id", "=", actor.workspaceId)
    : q.where(nothing());
}

function teamOnly<T extends "plan_templates" | "plan_template_tasks" | "task_reminders">(
  table: T,
  actor: Actor,
) {
  return (eb: ExpressionBuilder<DB, T>): Expression<SqlBool> => {
    const column = `${table}.workspace_id` as const;
    // biome-ignore lint/suspicious/noExplicitAny: the same column on the three tables
    const wsEq = (id: string) => (eb as any)(column, "=", id) as Expression<SqlBool>;
    switch (actor.kind) {
      case "agent":
        return wsEq(actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined ? eb.lit(true) : wsEq(actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/** Templates of plans: the team's only. */
export function planTemplatesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("plan_templates").where(teamOnly("plan_templates", actor));
}
export function planTemplatesWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("plan_templates").where(teamOnly("plan_templates", actor));
}
export function planTemplatesDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("plan_templates").where(teamOnly("plan_templates", actor));
}
export function templateTasksVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("plan_template_tasks").where(teamOnly("plan_template_tasks", actor));
}
export function templateTasksWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("plan_template_tasks").where(teamOnly("plan_template_tasks", actor));
}
export function templateTasksDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("plan_template_tasks").where(teamOnly("plan_template_tasks", actor));
}
/** Which reminders went out: the reminder job (system) only, and agents of the workspace. */
export function taskRemindersVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("task_reminders").where(teamOnly("task_reminders", actor));
}
