import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";
import { visibleTaskIds } from "../onboarding/plan.access.ts";
import { visibleTicketIds } from "../tickets/ticket.access.ts";

// Forms, their versions, the answers given and a request's extra fields are read and changed
// through here only. Agents and the system see their workspace's. Anyone on the portal may read
// a live form that extends a request type (it is part of the public submit form); a signed-in
// customer also the forms of the tasks they see. Answers are seen with what they belong to: a
// task's by whoever sees the task, a request's by whoever sees the request.

const fresh = <T extends keyof DB>(eb: ExpressionBuilder<DB, T>) =>
  eb as unknown as ExpressionBuilder<DB, never>;

export function formScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "forms">): Expression<SqlBool> => {
    const requestForm = (workspaceId: string) =>
      eb.and([
        eb("forms.workspace_id", "=", workspaceId),
        eb("forms.request_type", "is not", null),
        eb("forms.archived_at", "is", null),
      ]);
    switch (actor.kind) {
      case "agent":
        return eb("forms.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("forms.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb.or([
          requestForm(actor.workspaceId),
          eb.and([
            eb("forms.workspace_id", "=", actor.workspaceId),
            eb(
              "forms.id",
              "in",
              visibleTaskIds(fresh(eb), actor)
                .clearSelect()
                .select("tasks.form_id")
                .where("tasks.form_id", "is not", null),
            ),
          ]),
        ]);
      case "token_holder":
      case "visitor":
        return requestForm(actor.workspaceId);
      default:
        return unknownActor(actor);
    }
  };
}

export function formsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("forms").where(formScope(actor));
}

/** Changing forms: agents of the workspace (the service checks the admin role). */
export function formsWritableBy(db: Tx, actor: Actor) {
  const q = db.updateTable("forms");
  return actor.kind === "agent" ? q.where("forms.workspace_id", "=", actor.workspaceId) : q.where(nothing());
}

/** The names of the forms an actor may see, by id: one read for a list of tasks. */
export async function formNamesOf(db: Tx, actor: Actor, ids: readonly (string | null)[]) {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (!wanted.length) return new Map<string, string>();
  const rows = await formsVisibleTo(db, actor)
    .select(["forms.id", "forms.name"])
    .where("forms.id", "in", wanted)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export function formVersionsVisibleTo(db: Tx, actor: Actor) {
  return db
    .selectFrom("form_versions")
    .where((eb) =>
      eb(
        "form_versions.form_id",
        "in",
        fresh(eb).selectFrom("forms").select("forms.id").where(formScope(actor)),
      ),
    );
}

export function formResponseScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "form_responses">): Expression<SqlBool> => {
    const onTickets = () => eb("form_responses.ticket_id", "in", visibleTicketIds(eb, actor));
    switch (actor.kind) {
      case "agent":
        return eb("form_responses.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("form_responses.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb.and([
          eb("form_responses.workspace_id", "=", actor.workspaceId),
          eb.or([eb("form_responses.task_id", "in", visibleTaskIds(fresh(eb), actor)), onTickets()]),
        ]);
      case "token_holder":
        return eb.and([
          eb("form_responses.workspace_id", "=", actor.workspaceId),
          eb("form_responses.ticket_id", "=", actor.ticketId),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function formResponsesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("form_responses").where(formResponseScope(actor));
}

/** Saving a draft or submitting: the same scope as the reads (the service checks who may act). */
export function formResponsesWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("form_responses").where(formResponseScope(actor));
}

export function formResponsesDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("form_responses").where(formResponseScope(actor));
}

/** A request's extra fields: seen by whoever sees the request. */
export function ticketFieldScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "ticket_fields">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("ticket_fields.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("ticket_fields.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
        return eb("ticket_fields.ticket_id", "in", visibleTicketIds(eb, actor));
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function ticketFieldsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("ticket_fields").where(ticketFieldScope(actor));
}

/** The queue's filter by a field: the ticket ids of one workspace with that value. */
export function ticketIdsWithField(
  eb: ExpressionBuilder<DB, never>,
  actor: Actor,
  key: string,
  value: string,
) {
  return eb
    .selectFrom("ticket_fields")
    .select("ticket_fields.ticket_id")
    .where(ticketFieldScope(actor))
    .where("ticket_fields.key", "=", key)
    .where("ticket_fields.value", "=", value);
}
