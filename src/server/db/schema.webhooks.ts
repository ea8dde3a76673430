// Webhooks (migration 0035). Apart from schema.ts only to keep each file readable; DB there lists
// it too.

export type WebhookFormat = "json" | "slack";
export type WebhookEndpointState = "active" | "paused" | "disabled";
export type WebhookDeliveryState = "pending" | "succeeded" | "failed";

/** An address an admin subscribed to some of the workspace's events. */
export interface WebhookEndpointTable {
  id: string;
  workspace_id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  /** A JSON array of event names (webhooks/webhook-events.ts). */
  events: string;
  /** The signing secret, sealed under the file key (lib/sealed-secret.ts). */
  secret_sealed: string;
  state: WebhookEndpointState;
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  created_by_agent_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One event for one endpoint: sent until a 2xx, retried with backoff for a day. */
export interface WebhookDeliveryTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event: string;
  ticket_id: string | null;
  /** The event's own facts (JSON). */
  data: string;
  /** The exact body sent, fixed at the first attempt. */
  body: string | null;
  state: WebhookDeliveryState;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_status: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  resent_from_id: string | null;
  occurred_at: string;
  created_at: string;
  finished_at: string | null;
}

/** One try of a delivery, with what the receiver answered. */
export interface WebhookAttemptTable {
  id: string;
  workspace_id: string;
  delivery_id: string;
  at: string;
  status: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

export interface WebhooksDB {
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
}
