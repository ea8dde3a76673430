import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";

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
} as const satisfies Record<string, boolean>;

export type TicketEventType = keyof typeof EVENT_TYPES;

export const isCustomerVisible = (type: TicketEventType): boolean => EVENT_TYPES[type];

export interface EventActor {
  type: "agent" | "contact" | "system";
  id: string | null;
}

export async function recordEvent(
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
  await tx
    .insertInto("ticket_events")
    .values({
      id: newId(),
      workspace_id: e.workspaceId,
      ticket_id: e.ticketId,
      actor_type: e.actor.type,
      actor_id: e.actor.id,
      type: e.type,
      data: JSON.stringify(e.data ?? {}),
      customer_visible: isCustomerVisible(e.type),
      created_at: e.at,
    })
    .execute();
}
