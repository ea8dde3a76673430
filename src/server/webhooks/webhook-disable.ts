import type { SystemActor } from "../actors.ts";
import { recordSystemAudit } from "../audit/audit.ts";
import type { AppContext } from "../context.ts";
import { notifyAgents, publishNotified } from "../notifications/notify.ts";
import { disableFailingEndpoint, failDeliveriesOfDisabledEndpoints } from "./webhook.access.ts";

// An endpoint whose every attempt has failed for three days is switched off (state disabled, with
// the reason), its waiting deliveries failed, and the workspace's admins told: a notice in the
// app and an email (notification kind webhook_disabled, their own choice of channels), and a
// line in the audit log. All in one transaction, by whichever process saw the failure first.

export const DISABLE_AFTER_MS = 3 * 24 * 3600_000;

/** Switches the endpoint off when it has failed since DISABLE_AFTER_MS ago; true when this call did. */
export async function disableIfFailingTooLong(
  ctx: AppContext,
  actor: SystemActor,
  endpointId: string,
  lastError: string | null,
): Promise<boolean> {
  const now = ctx.now();
  const at = now.toISOString();
  const reason = `Every delivery failed for 3 days${lastError ? ` (last: ${lastError.slice(0, 200)})` : ""}; switched off on ${at.slice(0, 10)}.`;
  const result = await ctx.database.db.transaction().execute(async (tx) => {
    const endpoint = await disableFailingEndpoint(tx, actor, {
      endpointId,
      failingBefore: new Date(now.getTime() - DISABLE_AFTER_MS).toISOString(),
      reason,
      now: at,
    });
    if (!endpoint) return null;
    await failDeliveriesOfDisabledEndpoints(tx, actor, { now: at, endpointId });
    // Agents are not a guarded table; the admins are the audience.
    const admins = await tx
      .selectFrom("agents")
      .select("id")
      .where("workspace_id", "=", endpoint.workspace_id)
      .where("role", "=", "admin")
      .execute();
    const told = await notifyAgents(ctx, tx, {
      workspaceId: endpoint.workspace_id,
      kind: "webhook_disabled",
      ticketId: null,
      audience: { agentIds: admins.map((a) => a.id) },
      data: { subject: endpoint.name, excerpt: reason },
    });
    await recordSystemAudit(ctx, tx, endpoint.workspace_id, {
      action: "webhook.auto_disabled",
      target: { type: "webhook_endpoint", id: endpoint.id },
      summary: `Webhook “${endpoint.name}” switched off after failing for 3 days`,
      details: { state: "disabled" },
    });
    return { workspaceId: endpoint.workspace_id, told, name: endpoint.name };
  });
  if (!result) return false;
  publishNotified(ctx, result.workspaceId, result.told);
  ctx.log.warn(
    { endpointId, workspaceId: result.workspaceId, reason },
    "webhook endpoint switched off after failing for days",
  );
  return true;
}
