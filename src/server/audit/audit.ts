import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { auditEventsVisibleTo } from "./audit.access.ts";
import type { AuditEventView, AuditPage } from "./audit.schemas.ts";

// The audit log of admins' actions: recordAudit writes one row in the transaction of the change
// it records, so the row exists exactly when the change does. Details name what changed and its
// new value, never a secret (a webhook's address, a password, a token): callers pass only safe
// values, and keys that look secret are masked here as a second guard.

/** Every action the log records, with its label for the filter. */
export const AUDIT_ACTIONS = {
  "settings.branding": "Branding changed",
  "settings.brand_image": "Brand image changed",
  "settings.embedding": "Embedding sites changed",
  "settings.portal_access": "Portal access changed",
  "settings.portal": "Portal settings changed",
  "settings.documents": "Document limits changed",
  "settings.kb": "Knowledge-base settings changed",
  "settings.surveys": "Survey settings changed",
  "settings.email_templates": "Customer emails' wording changed",
  "settings.retention": "Retention changed",
  "settings.sentiment": "Sentiment rule changed",
  "settings.domain": "Custom domain changed",
  "settings.domain_verified": "Custom domain verified",
  "settings.slug": "Portal address changed",
  "settings.sla": "SLA settings changed",
  "settings.widget": "Floating widget changed",
  "agent.added": "Agent added",
  "agent.invited": "Agent invited",
  "agent.activated": "Agent activated",
  "agent.deactivated": "Agent deactivated",
  "contact.portal_access": "Contact's portal access changed",
  "contact.invited": "Contact invited to the portal",
  "contact.exported": "Contact's data exported",
  "contact.erased": "Contact erased",
  "incident.declared": "Incident declared",
  "incident.updated": "Incident updated",
  "incident.resolved": "Incident resolved",
  "incident.ticket_linked": "Ticket linked to an incident",
  "settings.assignment": "Assignment settings changed",
  "team.created": "Team created",
  "team.changed": "Team changed",
  "team.deleted": "Team deleted",
  "agent.capacity": "Agent's capacity changed",
  "webhook.created": "Webhook added",
  "webhook.updated": "Webhook changed",
  "webhook.paused": "Webhook paused",
  "webhook.resumed": "Webhook turned on",
  "webhook.secret_rolled": "Webhook's signing secret replaced",
  "webhook.deleted": "Webhook deleted",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "webhook.auto_disabled": "Webhook switched off after failing",
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const isAuditAction = (s: string): s is AuditAction => Object.hasOwn(AUDIT_ACTIONS, s);

export interface AuditEntry {
  action: AuditAction;
  /** What the action changed; the actor's workspace when left out (a settings change). */
  target?: { type: string; id: string } | undefined;
  summary: string;
  details?: Record<string, unknown> | undefined;
}

const SECRET_KEY = /password|secret|token|webhook|hash|key$/i;

/** The details with secret-looking keys masked, as JSON. */
function safeDetails(details: Record<string, unknown>): string {
  return JSON.stringify(details, (k, v) => (k && SECRET_KEY.test(k) && v !== null ? "(changed)" : v));
}

/**
 * Writes one audit row in `tx`: the change's own transaction, or the database itself for an
 * action that changes nothing else (an export).
 */
export async function recordAudit(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  entry: AuditEntry,
): Promise<void> {
  await tx
    .insertInto("audit_events")
    .values({
      id: newId(),
      workspace_id: actor.workspaceId,
      actor_agent_id: actor.agentId,
      action: entry.action,
      target_type: entry.target?.type ?? "workspace",
      target_id: entry.target?.id ?? actor.workspaceId,
      summary: entry.summary.slice(0, 500),
      // A change made through an API key names the key beside the admin it acts for.
      details: safeDetails(
        actor.apiKey ? { ...entry.details, apiKeyName: actor.apiKey.name } : (entry.details ?? {}),
      ),
      ip: actor.ip ?? null,
      created_at: ctx.now().toISOString(),
    })
    .execute();
}

/** One audit row for what the system did on its own in a workspace (no agent): shown as the system's. */
export async function recordSystemAudit(
  ctx: AppContext,
  tx: Tx,
  workspaceId: string,
  entry: AuditEntry,
): Promise<void> {
  await tx
    .insertInto("audit_events")
    .values({
      id: newId(),
      workspace_id: workspaceId,
      actor_agent_id: null,
      action: entry.action,
      target_type: entry.target?.type ?? "workspace",
      target_id: entry.target?.id ?? workspaceId,
      summary: entry.summary.slice(0, 500),
      details: safeDetails(entry.details ?? {}),
      ip: null,
      created_at: ctx.now().toISOString(),
    })
    .execute();
}

/** The names of the fields whose values differ between two objects (what a settings change changed). */
export function changedKeys<T extends object>(before: T, after: T, keys: readonly (keyof T)[]): (keyof T)[] {
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

const cursorOf = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString("base64url");
function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!at || !id || Number.isNaN(Date.parse(at))) throw validationFailed({ cursor: "is not valid" });
  return { at, id };
}

/** The newest entries first, optionally of one action; admins only (others: 404). */
export async function listAudit(
  ctx: AppContext,
  actor: AgentActor,
  q: { action?: string | undefined; cursor?: string | undefined; limit?: number | undefined },
): Promise<AuditPage> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  let qb = auditEventsVisibleTo(ctx.database.db, actor)
    .leftJoin("agents", (j) =>
      j
        .onRef("agents.id", "=", "audit_events.actor_agent_id")
        .onRef("agents.workspace_id", "=", "audit_events.workspace_id"),
    )
    .select([
      "audit_events.id",
      "audit_events.created_at",
      "audit_events.action",
      "audit_events.actor_agent_id",
      "agents.name as actor_name",
      "audit_events.target_type",
      "audit_events.target_id",
      "audit_events.summary",
      "audit_events.details",
      "audit_events.ip",
    ]);
  if (q.action) {
    if (!isAuditAction(q.action)) throw validationFailed({ action: "is not a known action" });
    qb = qb.where("audit_events.action", "=", q.action);
  }
  if (q.cursor) {
    const c = parseCursor(q.cursor);
    qb = qb.where((eb) =>
      eb.or([
        eb("audit_events.created_at", "<", c.at),
        eb.and([eb("audit_events.created_at", "=", c.at), eb("audit_events.id", "<", c.id)]),
      ]),
    );
  }
  const rows = await qb
    .orderBy("audit_events.created_at", "desc")
    .orderBy("audit_events.id", "desc")
    .limit(limit + 1)
    .execute();
  const items: AuditEventView[] = rows.slice(0, limit).map((r) => ({
    id: r.id,
    at: new Date(r.created_at).toISOString(),
    action: r.action,
    actor: r.actor_agent_id ? { id: r.actor_agent_id, name: r.actor_name ?? "(unknown)" } : null,
    targetType: r.target_type,
    targetId: r.target_id,
    summary: r.summary,
    details: JSON.parse(r.details) as Record<string, unknown>,
    ip: r.ip,
  }));
  const last = rows.length > limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: last ? cursorOf(last.at, last.id) : null };
}
