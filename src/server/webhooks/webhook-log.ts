import type { Selectable } from "kysely";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { DB } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { attemptsVisibleTo, deliveriesVisibleTo, insertDelivery } from "./webhook.access.ts";
import type { DeliveryDetailT, DeliveryPageT, DeliveryView } from "./webhook.schemas.ts";
import { getWebhook } from "./webhook.service.ts";
import { WEBHOOK_PING } from "./webhook-events.ts";

// An endpoint's delivery log for its admins: the deliveries newest first (keyset-paged, by
// state), one delivery with every attempt, a test event, and a resend. Both of the last two only
// insert a pending row: the delivery worker sends it like any other, so the page never waits for
// a receiver.

type Row = Selectable<DB["webhook_deliveries"]>;

const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);

function viewOf(r: Row): DeliveryView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    event: r.event,
    ticketId: r.ticket_id,
    state: r.state,
    attempts: Number(r.attempts),
    nextAttemptAt: r.state === "pending" ? iso(r.next_attempt_at) : null,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastDurationMs: r.last_duration_ms === null ? null : Number(r.last_duration_ms),
    lastError: r.last_error,
    resentFromId: r.resent_from_id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: iso(r.finished_at),
  };
}

const cursorOf = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString("base64url");
function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!at || !id || Number.isNaN(Date.parse(at))) throw validationFailed({ cursor: "is not valid" });
  // Written back as an ISO instant: the database compares a time, never the text given.
  return { at: new Date(at).toISOString(), id };
}

/** An endpoint's deliveries, newest first, optionally of one state. */
export async function listDeliveries(
  ctx: AppContext,
  actor: AgentActor,
  endpointId: string,
  q: { state?: Row["state"] | undefined; cursor?: string | undefined; limit?: number | undefined } = {},
): Promise<DeliveryPageT> {
  await getWebhook(ctx, actor, endpointId);
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  let qb = deliveriesVisibleTo(ctx.database.db, actor).selectAll().where("endpoint_id", "=", endpointId);
  if (q.state) qb = qb.where("state", "=", q.state);
  if (q.cursor) {
    const c = parseCursor(q.cursor);
    qb = qb.where((eb) =>
      eb.or([eb("created_at", "<", c.at), eb.and([eb("created_at", "=", c.at), eb("id", "<", c.id)])]),
    );
  }
  const rows = await qb
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(viewOf);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? cursorOf(new Date(last.created_at).toISOString(), last.id) : null };
}

async function deliveryRow(ctx: AppContext, actor: AgentActor, endpointId: string, id: string) {
  await getWebhook(ctx, actor, endpointId);
  const row = await deliveriesVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("id", "=", id)
    .where("endpoint_id", "=", endpointId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/** One delivery with its facts, the body sent and every attempt (oldest first). */
export async function getDelivery(
  ctx: AppContext,
  actor: AgentActor,
  endpointId: string,
  id: string,
): Promise<DeliveryDetailT> {
  const row = await deliveryRow(ctx, actor, endpointId, id);
  const attempts = await attemptsVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("delivery_id", "=", id)
    .orderBy("at")
    .orderBy("id")
    .execute();
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(row.data) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      data = parsed as Record<string, unknown>;
  } catch {
    // A row's facts are written by the server as JSON; anything else shows as none.
  }
  return {
    delivery: viewOf(row),
    data,
    body: row.body,
    attemptLog: attempts.map((a) => ({
      id: a.id,
      at: new Date(a.at).toISOString(),
      status: a.status === null ? null : Number(a.status),
      durationMs: Number(a.duration_ms),
      responseExcerpt: a.response_excerpt,
      error: a.error,
    })),
  };
}

async function insertPending(
  ctx: AppContext,
  actor: AgentActor,
  row: Pick<Row, "endpoint_id" | "event" | "ticket_id" | "data" | "body" | "resent_from_id">,
): Promise<DeliveryView> {
  const at = ctx.now().toISOString();
  const id = newId();
  await insertDelivery(ctx.database.db, {
    id,
    workspace_id: actor.workspaceId,
    ...row,
    state: "pending",
    attempts: 0,
    next_attempt_at: at,
    // A resend is a new try of a day's length from now; its body keeps the event's own moment.
    occurred_at: at,
    created_at: at,
  }).execute();
  const created = await deliveriesVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return viewOf(created);
}

/** A test event (webhook.ping) queued for this endpoint alone. */
export async function sendTestEvent(
  ctx: AppContext,
  actor: AgentActor,
  endpointId: string,
): Promise<DeliveryView> {
  await getWebhook(ctx, actor, endpointId);
  return insertPending(ctx, actor, {
    endpoint_id: endpointId,
    event: WEBHOOK_PING,
    ticket_id: null,
    data: JSON.stringify({ message: "Test event from Portico" }),
    body: null,
    resent_from_id: null,
  });
}

/** The same event sent again: a new pending row with the same body, pointing at the first. */
export async function resendDelivery(
  ctx: AppContext,
  actor: AgentActor,
  endpointId: string,
  id: string,
): Promise<DeliveryView> {
  const row = await deliveryRow(ctx, actor, endpointId, id);
  return insertPending(ctx, actor, {
    endpoint_id: row.endpoint_id,
    event: row.event,
    ticket_id: row.ticket_id,
    data: row.data,
    body: row.body,
    resent_from_id: row.id,
  });
}
