import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type InsertQueryBuilder,
  type InsertResult,
  type Kysely,
  type QueryCreator,
  type Selectable,
  type SqlBool,
  sql,
} from "kysely";
import { type Actor, type SystemActor, unknownActor } from "../actors.ts";
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

/** The `events` column holds a JSON array of names: the quoted name matches it and nothing longer. */
export const subscribedPattern = (event: string) => `%"${event}"%`;

/** Whether an active endpoint of the actor's workspace listens to `event` (one indexed read). */
export async function anyEndpointListening(db: Tx, actor: Actor, event: string): Promise<boolean> {
  const row = await endpointsVisibleTo(db, actor)
    .select("id")
    .where("state", "=", "active")
    .where("events", "like", subscribedPattern(event))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One event, a delivery row for each active endpoint of the workspace subscribed to it, in one
 * statement inside the caller's transaction: nothing is read first, so a workspace without
 * webhooks pays one indexed INSERT … SELECT that inserts nothing. Each row's id is the event's id
 * and the endpoint's, so one event is never queued twice for one endpoint. Runs for the system
 * (the change's own transaction decides the workspace), hence no actor.
 */
type QueueParams = Record<
  "eventId" | "workspaceId" | "event" | "eventPattern" | "ticketId" | "data" | "at",
  never
>;

/** The INSERT … SELECT of QUEUE_EVENT, on `db` (the database, or a WITH clause before it). */
function queueEventInto(db: Kysely<DB> | QueryCreator<DB>, p: QueueParams, postgres: boolean) {
  // A bound value selected as a column has no type of its own on PostgreSQL: the time is cast.
  const at = postgres ? sql<string>`cast(${p.at} as timestamptz)` : sql<string>`${p.at}`;
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
}

export const QUEUE_EVENT = new PreparedWrite(
  ["eventId", "workspaceId", "event", "eventPattern", "ticketId", "data", "at"],
  (db, p) => queueEventInto(db, p, isPostgres(db)),
  { batched: true },
);

/**
 * PostgreSQL: the change's own insert (a ticket event, say) and QUEUE_EVENT's INSERT … SELECT as
 * one statement, the first in a WITH clause: one round trip instead of two. Both see the same
 * snapshot and neither reads the other's row, so the result is that of the two in turn.
 */
export function withQueuedEvent<P extends QueueParams, T extends keyof DB>(
  db: Kysely<DB>,
  p: P,
  first: (db: QueryCreator<DB>) => InsertQueryBuilder<DB, T, InsertResult>,
) {
  return queueEventInto(
    db.with("change", (q) => first(q)),
    p,
    true,
  );
}

// Delivery (webhook.delivery.ts): the whole server's system actor claims due rows of every
// workspace and marks only the rows it holds (its claim is the row's `claimed_until`).

/** A delivery claimed for one send, with the hold it was claimed under. */
export type ClaimedDelivery = Selectable<DB["webhook_deliveries"]> & { claim: string };

function wholeServer(actor: SystemActor): void {
  // The type says it; an actor cast past it is still refused.
  if (actor.kind !== "system" || actor.workspaceId !== undefined) {
    throw new Error("only the server's delivery claims webhook deliveries");
  }
}

/**
 * Claims up to `limit` due rows of active endpoints in one statement (held until `until`),
 * skipping rows another process holds, oldest due first. As in the outbox, the due ids are a
 * MATERIALIZED common table expression locked with SKIP LOCKED on PostgreSQL, and the outer
 * update repeats the conditions, so two processes never hold one row. A paused endpoint's rows
 * wait; a disabled one's are failed by `failDeliveriesOfDisabledEndpoints`.
 */
export async function claimDueDeliveries(
  db: Tx,
  actor: SystemActor,
  p: { now: string; until: string; limit: number },
): Promise<ClaimedDelivery[]> {
  wholeServer(actor);
  const unclaimed = (eb: ExpressionBuilder<DB, "webhook_deliveries">) =>
    eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", p.now)]);
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) => {
        const due = qb
          .selectFrom("webhook_deliveries")
          .select("id")
          .where("state", "=", "pending")
          .where("next_attempt_at", "<=", p.now)
          .where(unclaimed)
          .where("endpoint_id", "in", (eb) =>
            eb.selectFrom("webhook_endpoints").select("id").where("state", "=", "active"),
          )
          .orderBy("next_attempt_at")
          .limit(p.limit);
        return isPostgres(db) ? due.forUpdate().skipLocked() : due;
      },
    )
    .updateTable("webhook_deliveries")
    .set({ claimed_until: p.until })
    .where("id", "in", (eb) => eb.selectFrom("due").select("id"))
    // On SQLite the unary + keeps the planner on the primary key (as the outbox's claim does)
    // instead of walking every pending row of the due index.
    .where(isPostgres(db) ? sql`state` : sql`+state`, "=", "pending")
    .where(unclaimed)
    .returningAll()
    .execute();
  return rows
    .sort((a, b) =>
      a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : 0,
    )
    .map((r) => ({ ...r, claim: p.until }));
}

/** The endpoints of claimed rows (address, format, sealed secret, state), by id. */
export function endpointsForDelivery(db: Tx, actor: SystemActor, ids: string[]) {
  wholeServer(actor);
  return endpointsVisibleTo(db, actor)
    .select(["id", "workspace_id", "name", "url", "format", "secret_sealed", "state", "failing_since"])
    .where("id", "in", ids)
    .execute();
}

/** Fixes the body of a claimed row at its first attempt; later attempts send the stored one. */
export async function fixDeliveryBody(db: Tx, actor: SystemActor, row: ClaimedDelivery, body: string) {
  await deliveriesWritableBy(db, actor)
    .set({ body })
    .where("id", "=", row.id)
    .where("claimed_until", "=", row.claim)
    .where("body", "is", null)
    .execute();
}

/** Gives back a claimed row that was not tried (a stop): due again, nothing counted. */
export async function releaseDeliveryClaim(db: Tx, actor: SystemActor, row: ClaimedDelivery): Promise<void> {
  await deliveriesWritableBy(db, actor)
    .set({ claimed_until: null })
    .where("id", "=", row.id)
    .where("claimed_until", "=", row.claim)
    .execute();
}

/** What one attempt found, and what becomes of the row. */
export interface AttemptRecord {
  attemptId: string;
  at: string;
  status: number | null;
  durationMs: number;
  excerpt: string | null;
  error: string | null;
  /** The row's new state: succeeded, failed for good, or pending again at `nextAttemptAt`. */
  state: "succeeded" | "failed" | "pending";
  nextAttemptAt: string;
}

/**
 * Records an attempt of a claimed row (in the caller's transaction): the attempt's own row, the
 * delivery's last answer and state, and the endpoint's health (a success clears failing_since, a
 * failure sets it once). False, and nothing written, when the claim was no longer ours.
 */
export async function recordDeliveryAttempt(
  tx: Tx,
  actor: SystemActor,
  row: ClaimedDelivery,
  a: AttemptRecord,
): Promise<boolean> {
  const marked = await deliveriesWritableBy(tx, actor)
    .set((eb) => ({
      state: a.state,
      attempts: eb("attempts", "+", 1),
      next_attempt_at: a.nextAttemptAt,
      claimed_until: null,
      last_status: a.status,
      last_duration_ms: a.durationMs,
      last_error: a.error,
      finished_at: a.state === "pending" ? null : a.at,
    }))
    .where("id", "=", row.id)
    .where("claimed_until", "=", row.claim)
    .where("state", "=", "pending")
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) return false;
  await insertAttempt(tx, {
    id: a.attemptId,
    workspace_id: row.workspace_id,
    delivery_id: row.id,
    at: a.at,
    status: a.status,
    duration_ms: a.durationMs,
    response_excerpt: a.excerpt,
    error: a.error,
  }).execute();
  const endpoint = endpointsWritableBy(tx, actor).where("id", "=", row.endpoint_id);
  if (a.state === "succeeded") {
    await endpoint.set({ last_success_at: a.at, failing_since: null }).execute();
  } else {
    await endpoint
      .set((eb) => ({
        last_failure_at: a.at,
        failing_since: eb.fn.coalesce("failing_since", eb.val(a.at)),
      }))
      .execute();
  }
  return true;
}

/**
 * Switches an active endpoint off when it has failed since before `failingBefore`, with the
 * reason; answers it (name, workspace) when this call switched it off, undefined otherwise (not
 * failing that long, already off, or another process was first).
 */
export function disableFailingEndpoint(
  tx: Tx,
  actor: SystemActor,
  p: { endpointId: string; failingBefore: string; reason: string; now: string },
) {
  return endpointsWritableBy(tx, actor)
    .set({ state: "disabled", disabled_reason: p.reason, updated_at: p.now })
    .where("id", "=", p.endpointId)
    .where("state", "=", "active")
    .where("failing_since", "<=", p.failingBefore)
    .returning(["id", "workspace_id", "name"])
    .executeTakeFirst();
}

/** Pending rows of disabled endpoints: failed, never sent (a paused endpoint's wait). */
export async function failDeliveriesOfDisabledEndpoints(
  db: Tx,
  actor: SystemActor,
  p: { now: string; endpointId?: string },
): Promise<number> {
  let q = deliveriesWritableBy(db, actor)
    .set({
      state: "failed",
      claimed_until: null,
      finished_at: p.now,
      last_error: "not sent: the endpoint is switched off",
    })
    .where("state", "=", "pending")
    .where("endpoint_id", "in", (eb) =>
      eb.selectFrom("webhook_endpoints").select("id").where("state", "=", "disabled"),
    );
  if (p.endpointId) q = q.where("endpoint_id", "=", p.endpointId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The backlog, for metrics: rows waiting to be sent and how many are due now. */
export async function webhookBacklog(
  db: Tx,
  actor: SystemActor,
  now: string,
): Promise<{ pending: number; due: number }> {
  const row = await deliveriesVisibleTo(db, actor)
    .where("state", "=", "pending")
    .select((eb) => [
      eb.fn.countAll<number>().as("pending"),
      eb.fn.count<number>(eb.case().when("next_attempt_at", "<=", now).then(1).end()).as("due"),
    ])
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), due: Number(row.due) };
}

/**
 * An erased contact's trace in the webhook log: every delivery of their requests, and every
 * other one whose facts or body name them (a survey's answer, a form, a reply on a request they
 * were copied on). Their attempts go with them (on delete cascade); none is sent any more.
 */
export async function eraseContactDeliveries(
  db: Tx,
  actor: Actor,
  c: { contactId: string; ticketIds: readonly string[] },
): Promise<number> {
  const named = `%${c.contactId}%`;
  const result = await deliveriesDeletableBy(db, actor)
    .where((eb) =>
      eb.or([
        ...(c.ticketIds.length ? [eb("webhook_deliveries.ticket_id", "in", [...c.ticketIds])] : []),
        eb("webhook_deliveries.data", "like", named),
        eb("webhook_deliveries.body", "like", named),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
