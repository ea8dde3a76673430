import { type Expression, type ExpressionBuilder, type Insertable, type SqlBool, sql } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import { isPostgres } from "../db/dialect.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { DB, Tx } from "../db/schema.ts";

// Who sees and changes a workspace's webhooks, decided here only: its admins (an endpoint's
// address and its log may carry secrets of the receiving service), and the system (the delivery
// worker, every workspace's; a job inside one, that one's). Agents who are not admins,
// customers, token holders and visitors see none: the same 404 as what does not exist.

type WebhookTable = "webhook_endpoints" | "webhook_deliveries" | "webhook_attempts";

export function webhookScope<T extends WebhookTable>(actor: Actor, table: T) {
  return (eb: ExpressionBuilder<DB, T>): Expression<SqlBool> => {
    const inWorkspace = (id: string) => sql<SqlBool>`${sql.ref(`${table}.workspace_id`)} = ${id}`;
    switch (actor.kind) {
      case "agent":
        return actor.role === "admin" ? inWorkspace(actor.workspaceId) : nothing();
      case "system":
        return actor.workspaceId === undefined ? eb.lit(true) : inWorkspace(actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export const endpointsVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("webhook_endpoints").where(webhookScope(actor, "webhook_endpoints"));
export const endpointsWritableBy = (db: Tx, actor: Actor) =>
  db.updateTable("webhook_endpoints").where(webhookScope(actor, "webhook_endpoints"));
export const endpointsDeletableBy = (db: Tx, actor: Actor) =>
  db.deleteFrom("webhook_endpoints").where(webhookScope(actor, "webhook_endpoints"));
export const insertEndpoint = (db: Tx, row: Insertable<DB["webhook_endpoints"]>) =>
  db.insertInto("webhook_endpoints").values(row);

export const deliveriesVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("webhook_deliveries").where(webhookScope(actor, "webhook_deliveries"));
export const deliveriesWritableBy = (db: Tx, actor: Actor) =>
  db.updateTable("webhook_deliveries").where(webhookScope(actor, "webhook_deliveries"));
export const deliveriesDeletableBy = (db: Tx, actor: Actor) =>
  db.deleteFrom("webhook_deliveries").where(webhookScope(actor, "webhook_deliveries"));
export const insertDelivery = (db: Tx, row: Insertable<DB["webhook_deliveries"]>) =>
  db.insertInto("webhook_deliveries").values(row);

export const attemptsVisibleTo = (db: Tx, actor: Actor) =>
  db.selectFrom("webhook_attempts").where(webhookScope(actor, "webhook_attempts"));
export const attemptsDeletableBy = (db: Tx, actor: Actor) =>
  db.deleteFrom("webhook_attempts").where(webhookScope(actor, "webhook_attempts"));
export const insertAttempt = (db: Tx, row: Insertable<DB["webhook_attempts"]>) =>
  db.insertInto("webhook_attempts").values(row);

/**
 * One event, a delivery row for each active endpoint of the workspace subscribed to it, in one
 * statement inside the caller's transaction: nothing is read first, so a workspace without
 * webhooks pays one indexed INSERT … SELECT that inserts nothing. Each row's id is the event's id
 * and the endpoint's, so one event is never queued twice for one endpoint. Runs for the system
 * (the change's own transaction decides the workspace), hence no actor.
 */
export const QUEUE_EVENT = new PreparedWrite(
  ["eventId", "workspaceId", "event", "eventPattern", "ticketId", "data", "at"],
  (db, p) => {
    // A bound value selected as a column has no type of its own on PostgreSQL: the time is cast.
    const at = isPostgres(db) ? sql<string>`cast(${p.at} as timestamptz)` : sql<string>`${p.at}`;
    return db
      .insertInto("webhook_deliveries")
      .columns([
        "id",
        "workspace_id",
        "endpoint_id",
        "event",
        "ticket_id",
        "data",
        "state",
        "attempts",
        "next_attempt_at",
        "occurred_at",
        "created_at",
      ])
      .expression((eb) =>
        eb
          .selectFrom("webhook_endpoints as e")
          .select([
            sql<string>`${p.eventId} || '.' || e.id`.as("id"),
            "e.workspace_id",
            "e.id",
            sql<string>`${p.event}`.as("event"),
            sql<string | null>`${p.ticketId}`.as("ticket_id"),
            sql<string>`${p.data}`.as("data"),
            sql<string>`'pending'`.as("state"),
            sql<number>`0`.as("attempts"),
            at.as("next_attempt_at"),
            at.as("occurred_at"),
            at.as("created_at"),
          ])
          .where("e.workspace_id", "=", p.workspaceId)
          .where("e.state", "=", "active")
          .where("e.events", "like", p.eventPattern),
      );
  },
);
