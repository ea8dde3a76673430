import type { Selectable } from "kysely";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { newToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import type { DB } from "../db/schema.ts";
import { conflict, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { sealSecret } from "../lib/sealed-secret.ts";
import {
  endpointsDeletableBy,
  endpointsVisibleTo,
  endpointsWritableBy,
  insertEndpoint,
} from "./webhook.access.ts";
import {
  WEBHOOK_ENDPOINTS_MAX,
  type WebhookInputT,
  type WebhookPatchT,
  type WebhookView,
  type WebhookWithSecretT,
} from "./webhook.schemas.ts";
import { isWebhookEvent, WEBHOOK_EVENTS } from "./webhook-events.ts";
import { webhookUrlProblem } from "./webhook-url.ts";

// A workspace's webhook endpoints, for its admins: added, listed, changed, paused and resumed,
// their signing secret rolled, deleted. The secret is made here, sealed under the file key, and
// answered once (at creation and at each roll); nothing reads it back for people afterwards.
// Another agent gets the same 404 as an endpoint that does not exist. Sending is the delivery
// worker's; the log and its resends are webhook-log.ts.

type Row = Selectable<DB["webhook_endpoints"]>;

const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);

function viewOf(r: Row): WebhookView {
  const events = (JSON.parse(r.events) as unknown[]).filter((e): e is string => typeof e === "string");
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    format: r.format,
    events,
    state: r.state,
    disabledReason: r.disabled_reason,
    failingSince: iso(r.failing_since),
    lastSuccessAt: iso(r.last_success_at),
    lastFailureAt: iso(r.last_failure_at),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** Admins only: anyone else sees no webhook at all (404, like a missing one). */
export function requireWebhookAdmin(actor: AgentActor): void {
  if (actor.role !== "admin") throw notFound();
}

const newSecret = () => `whsec_${newToken()}`;

/** The address checked as typed (the worker checks the resolved addresses again at each send). */
function checkUrl(ctx: AppContext, url: string): string {
  const value = url.trim();
  const problem = webhookUrlProblem(value, ctx.config.webhookAllowPrivateTargets);
  if (problem) throw validationFailed({ url: problem });
  return value;
}

/** The events in their canonical order, each known, at least one. */
function checkEvents(events: readonly string[]): string[] {
  const unknown = events.find((e) => !isWebhookEvent(e));
  if (unknown !== undefined)
    throw validationFailed({ events: `has an unknown event: ${unknown.slice(0, 64)}` });
  const chosen = WEBHOOK_EVENTS.filter((e) => events.includes(e));
  if (chosen.length === 0) throw validationFailed({ events: "must name at least one event" });
  return chosen;
}

export async function listWebhooks(ctx: AppContext, actor: AgentActor): Promise<WebhookView[]> {
  requireWebhookAdmin(actor);
  const rows = await endpointsVisibleTo(ctx.database.db, actor)
    .selectAll()
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(viewOf);
}

export async function getWebhook(ctx: AppContext, actor: AgentActor, id: string): Promise<WebhookView> {
  requireWebhookAdmin(actor);
  const row = await endpointsVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound();
  return viewOf(row);
}

export async function createWebhook(
  ctx: AppContext,
  actor: AgentActor,
  input: WebhookInputT,
): Promise<WebhookWithSecretT> {
  requireWebhookAdmin(actor);
  const url = checkUrl(ctx, input.url);
  const events = checkEvents(input.events);
  const format = input.format ?? "json";
  const secret = newSecret();
  const id = newId();
  await ctx.database.db.transaction().execute(async (tx) => {
    const count = await endpointsVisibleTo(tx, actor)
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= WEBHOOK_ENDPOINTS_MAX) {
      throw conflict(
        "too_many_webhooks",
        `A workspace keeps at most ${WEBHOOK_ENDPOINTS_MAX} webhooks: delete one first.`,
      );
    }
    const at = ctx.now().toISOString();
    await insertEndpoint(tx, {
      id,
      workspace_id: actor.workspaceId,
      name: input.name.trim(),
      url,
      format,
      events: JSON.stringify(events),
      secret_sealed: sealSecret(ctx.files.key.key, secret),
      state: "active",
      created_by_agent_id: actor.agentId,
      created_at: at,
      updated_at: at,
    }).execute();
    await recordAudit(ctx, tx, actor, {
      action: "webhook.created",
      target: { type: "webhook", id },
      summary: `Webhook “${input.name.trim()}” added`,
      details: { name: input.name.trim(), format, events },
    });
  });
  return { webhook: await getWebhook(ctx, actor, id), secret: format === "json" ? secret : null };
}

/**
 * Changes an endpoint: its name, address, format, events, or its state (paused, or active again:
 * a disabled endpoint made active starts afresh, its reason and failing streak cleared).
 */
export async function updateWebhook(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: WebhookPatchT,
): Promise<WebhookView> {
  const before = await getWebhook(ctx, actor, id);
  const url = patch.url !== undefined ? checkUrl(ctx, patch.url) : undefined;
  const events = patch.events !== undefined ? checkEvents(patch.events) : undefined;
  const name = patch.name?.trim();
  const stateChange = patch.state !== undefined && patch.state !== before.state ? patch.state : undefined;
  await ctx.database.db.transaction().execute(async (tx) => {
    const at = ctx.now().toISOString();
    const r = await endpointsWritableBy(tx, actor)
      .set({
        ...(name !== undefined ? { name } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(patch.format !== undefined ? { format: patch.format } : {}),
        ...(events !== undefined ? { events: JSON.stringify(events) } : {}),
        ...(stateChange ? { state: stateChange } : {}),
        ...(stateChange === "active" ? { disabled_reason: null, failing_since: null } : {}),
        updated_at: at,
      })
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound();
    const changed = [
      ...(name !== undefined && name !== before.name ? ["name"] : []),
      ...(url !== undefined && url !== before.url ? ["url"] : []),
      ...(patch.format !== undefined && patch.format !== before.format ? ["format"] : []),
      ...(events !== undefined && JSON.stringify(events) !== JSON.stringify(before.events) ? ["events"] : []),
    ];
    if (changed.length) {
      await recordAudit(ctx, tx, actor, {
        action: "webhook.updated",
        target: { type: "webhook", id },
        summary: `Webhook “${name ?? before.name}” changed: ${changed.join(", ")}`,
        // The address is never written to the log (it may carry the receiver's own secret).
        details: {
          changed,
          ...(name !== undefined ? { name } : {}),
          ...(patch.format !== undefined ? { format: patch.format } : {}),
          ...(events !== undefined ? { events } : {}),
        },
      });
    }
    if (stateChange) {
      await recordAudit(ctx, tx, actor, {
        action: stateChange === "paused" ? "webhook.paused" : "webhook.resumed",
        target: { type: "webhook", id },
        summary: `Webhook “${name ?? before.name}” ${stateChange === "paused" ? "paused" : "turned on"}`,
        details: { from: before.state, to: stateChange },
      });
    }
  });
  return getWebhook(ctx, actor, id);
}

/** A new signing secret, answered this once; the old one stops signing at once. */
export async function rollWebhookSecret(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<WebhookWithSecretT> {
  const before = await getWebhook(ctx, actor, id);
  const secret = newSecret();
  await ctx.database.db.transaction().execute(async (tx) => {
    const r = await endpointsWritableBy(tx, actor)
      .set({ secret_sealed: sealSecret(ctx.files.key.key, secret), updated_at: ctx.now().toISOString() })
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound();
    await recordAudit(ctx, tx, actor, {
      action: "webhook.secret_rolled",
      target: { type: "webhook", id },
      summary: `Webhook “${before.name}”: new signing secret`,
    });
  });
  const webhook = await getWebhook(ctx, actor, id);
  return { webhook, secret: webhook.format === "json" ? secret : null };
}

/** Deletes an endpoint and its log (deliveries and attempts go with it). */
export async function deleteWebhook(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  const before = await getWebhook(ctx, actor, id);
  await ctx.database.db.transaction().execute(async (tx) => {
    const r = await endpointsDeletableBy(tx, actor).where("id", "=", id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound();
    await recordAudit(ctx, tx, actor, {
      action: "webhook.deleted",
      target: { type: "webhook", id },
      summary: `Webhook “${before.name}” deleted`,
      details: { name: before.name },
    });
  });
}
