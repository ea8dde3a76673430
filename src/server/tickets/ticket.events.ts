import type { QueryCreator } from "kysely";
import type { Database } from "../db/connection.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { DB, Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { subscribedPattern, withQueuedEvent } from "../webhooks/webhook.access.ts";
import { queueWebhookEvent, webhookEventOf } from "../webhooks/webhook-events.ts";

// Every change to a ticket is an event: who, what, when. Whether a customer may see it in their
// own timeline is decided here, once per type, never by the caller.

export const EVENT_TYPES = {
  created: true,
  agent_replied: true,
  customer_replied: true,
  status_changed: true,
  resolved: true,
  reopened: true,
  follow_up_created: true,
  note_added: false,
  priority_changed: false,
  assignee_changed: false,
  email_failed: false,
  incident_linked: false,
  incident_resolved: false,
  team_changed: false,
  merged_into: false,
  merged_from: false,
} as const satisfies Record<string, boolean>;

export type TicketEventType = keyof typeof EVENT_TYPES;

export const isCustomerVisible = (type: TicketEventType): boolean => EVENT_TYPES[type];

export interface EventActor {
  type: "agent" | "contact" | "system";
  id: string | null;
}

const EVENT_PARAMS = [
  "id",
  "workspaceId",
  "ticketId",
  "actorType",
  "actorId",
  "type",
  "data",
  "customerVisible",
  "at",
] as const;
type EventParams = Record<(typeof EVENT_PARAMS)[number], never>;

const eventInsert = (db: QueryCreator<DB>, p: EventParams) =>
  db.insertInto("ticket_events").values({
    id: p.id,
    workspace_id: p.workspaceId,
    ticket_id: p.ticketId,
    actor_type: p.actorType,
    actor_id: p.actorId,
    type: p.type,
    data: p.data,
    customer_visible: p.customerVisible,
    created_at: p.at,
  });

/** PostgreSQL: the event and its webhook deliveries in one statement (withQueuedEvent). */
const EVENT_INSERT_QUEUED = new PreparedWrite(
  [...EVENT_PARAMS, "eventId", "event", "eventPattern", "webhookData"],
  (db, p) => withQueuedEvent(db, { ...p, data: p.webhookData }, (q) => eventInsert(q, p)),
  { batched: true },
);

const EVENT_INSERT = new PreparedWrite(EVENT_PARAMS, (db, p) => eventInsert(db, p), { batched: true });

export async function recordEvent(
  database: Database,
  tx: Tx,
  e: {
    workspaceId: string;
    ticketId: string;
    actor: EventActor;
    type: TicketEventType;
    data?: Record<string, unknown>;
    at: string;
  },
): Promise<void> {
  const event = webhookEventOf(e.type);
  const row = {
    id: newId(),
    workspaceId: e.workspaceId,
    ticketId: e.ticketId,
    actorType: e.actor.type,
    actorId: e.actor.id,
    type: e.type,
    data: JSON.stringify(e.data ?? {}),
    customerVisible: isCustomerVisible(e.type),
    at: e.at,
  };
  // The same transaction queues the change for the workspace's webhooks, if any listen: on
  // PostgreSQL in the same statement (one round trip), on SQLite (in-process) in the next.
  if (event && database.dialect === "postgres") {
    await EVENT_INSERT_QUEUED.execute(database, tx, {
      ...row,
      eventId: newId(),
      event,
      eventPattern: subscribedPattern(event),
      webhookData: JSON.stringify({ ...e.data, type: e.type, actor: e.actor }),
    });
    return;
  }
  await EVENT_INSERT.execute(database, tx, row);
  if (event) {
    await queueWebhookEvent(database, tx, {
      workspaceId: e.workspaceId,
      event,
      ticketId: e.ticketId,
      data: { ...e.data, type: e.type, actor: e.actor },
      at: e.at,
    });
  }
}
