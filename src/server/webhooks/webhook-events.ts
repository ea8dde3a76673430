import type { Database } from "../db/connection.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { QUEUE_EVENT, subscribedPattern } from "./webhook.access.ts";

// The events a webhook may subscribe to, and the one way an event is queued: in the transaction
// of the change that caused it, so an event is sent if and only if its change was kept, and a
// restart loses nothing (the rows wait like the outbox's). The request never waits for a
// receiver: the delivery worker (webhook.delivery.ts) sends later.

export const WEBHOOK_EVENTS = [
  "ticket.created",
  "ticket.customer_replied",
  "ticket.agent_replied",
  "ticket.status_changed",
  "ticket.assigned",
  "ticket.resolved",
  "survey.answered",
  "form.submitted",
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What an admin reads beside each event's box. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEvent, string> = {
  "ticket.created": "A request is opened",
  "ticket.customer_replied": "A customer replies",
  "ticket.agent_replied": "An agent replies",
  "ticket.status_changed": "A status changes",
  "ticket.assigned": "A request is assigned",
  "ticket.resolved": "A request is resolved",
  "survey.answered": "A survey is answered",
  "form.submitted": "A form is submitted",
};

/** The test an admin sends from the settings; never subscribed to, queued for one endpoint. */
export const WEBHOOK_PING = "webhook.ping";

/** The ticket's history events that are webhook events; the rest (notes, merges …) are not. */
const FROM_TICKET_EVENT: Record<string, WebhookEvent> = {
  created: "ticket.created",
  customer_replied: "ticket.customer_replied",
  agent_replied: "ticket.agent_replied",
  status_changed: "ticket.status_changed",
  reopened: "ticket.status_changed",
  assignee_changed: "ticket.assigned",
  resolved: "ticket.resolved",
};

/** A ticket history event type (tickets/ticket.events.ts) → its webhook event, if it is one. */
export const webhookEventOf = (type: string): WebhookEvent | undefined => FROM_TICKET_EVENT[type];

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

/**
 * Queues `event` for every active endpoint of the workspace subscribed to it, inside `tx`. `data`
 * is the event's own facts (who did it, the old and new status …); the worker adds the ticket's
 * current summary when it composes the body.
 */
export async function queueWebhookEvent(
  database: Database,
  tx: Tx,
  e: {
    workspaceId: string;
    event: WebhookEvent;
    ticketId?: string | null;
    data?: Record<string, unknown>;
    at: string;
  },
): Promise<void> {
  await QUEUE_EVENT.execute(database, tx, {
    eventId: newId(),
    workspaceId: e.workspaceId,
    event: e.event,
    eventPattern: subscribedPattern(e.event),
    ticketId: e.ticketId ?? null,
    data: JSON.stringify(e.data ?? {}),
    at: e.at,
  });
}
