import type { Actor } from "../actors.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";

// A company's timeline: what happened on its onboarding, forms and documents, written in the same
// transaction as the change. The agents' company page shows all of it; the portal's activity the
// events marked customer_visible, whose data carries only what the customer may read (a task's
// title as the customer sees it, a document's title), never an internal field.

export type CompanyEventType =
  | "plan_applied"
  | "task_started"
  | "task_completed"
  | "task_linked"
  | "form_submitted"
  | "property_changed"
  | "document_uploaded"
  | "document_published"
  | "document_downloaded"
  | "document_deleted";

/** What a customer-visible event may carry; nothing internal goes in here. */
export type CompanyEventData = {
  plan?: string;
  task?: string;
  taskId?: string;
  form?: string;
  document?: string;
  documentId?: string;
  version?: number;
  /** property_changed only (agents' timeline). */
  property?: string;
  reference?: string;
};

/** Who did it, as stored on the event. */
export function eventActorOf(actor: Actor): {
  actor_type: "agent" | "contact" | "system";
  actor_id: string | null;
} {
  switch (actor.kind) {
    case "agent":
      return { actor_type: "agent", actor_id: actor.agentId };
    case "customer":
      return { actor_type: "contact", actor_id: actor.contactId };
    case "token_holder":
      return { actor_type: "contact", actor_id: actor.contactId };
    default:
      return { actor_type: "system", actor_id: null };
  }
}

export async function recordCompanyEvent(
  tx: Tx,
  actor: Actor,
  event: {
    workspaceId: string;
    companyId: string;
    type: CompanyEventType;
    data: CompanyEventData;
    customerVisible: boolean;
    at: string;
  },
): Promise<void> {
  await tx
    .insertInto("company_events")
    .values({
      id: newId(),
      workspace_id: event.workspaceId,
      company_id: event.companyId,
      ...eventActorOf(actor),
      type: event.type,
      data: JSON.stringify(event.data),
      customer_visible: event.customerVisible,
      created_at: event.at,
    })
    .execute();
}
