import { type Static, Type } from "typebox";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { SentimentPriorityRule } from "../db/schema.sentiment.ts";
import { forbidden, notFound } from "../errors.ts";
import { OneOf, StrictObject } from "../lib/schema.ts";

// The workspace's sentiment rule (Settings → Sentiment, and the API): whether a strongly negative
// customer message raises its ticket's priority, and to what. Every agent reads it; admins change
// it, audited.

export const PRIORITY_RULES = ["off", "high", "urgent"] as const satisfies readonly SentimentPriorityRule[];

export const PRIORITY_RULE_LABELS: Record<SentimentPriorityRule, string> = {
  off: "Leave the priority as it is",
  high: "Raise it to High",
  urgent: "Raise it to Urgent",
};

export const SentimentSettingsSchema = Type.Object({
  priorityRule: OneOf(
    PRIORITY_RULES,
    "What a strongly negative customer message does to its ticket's priority: off, or raise it (never lower it) to high or urgent",
  ),
});
export type SentimentSettings = Static<typeof SentimentSettingsSchema>;
export const SentimentSettingsBody = StrictObject({
  priorityRule: SentimentSettingsSchema.properties.priorityRule,
});

export async function getSentimentSettings(ctx: AppContext, actor: AgentActor): Promise<SentimentSettings> {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select("sentiment_priority_rule")
    .where("id", "=", actor.workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return { priorityRule: row.sentiment_priority_rule };
}

/** Admins only; recorded in the audit log when it changes. */
export async function updateSentimentSettings(
  ctx: AppContext,
  actor: AgentActor,
  next: SentimentSettings,
): Promise<SentimentSettings> {
  if (actor.role !== "admin") throw forbidden("Only admins change the sentiment rule.");
  const before = await getSentimentSettings(ctx, actor);
  if (before.priorityRule === next.priorityRule) return before;
  await ctx.database.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("workspaces")
      .set({ sentiment_priority_rule: next.priorityRule, updated_at: nowIso(ctx) })
      .where("id", "=", actor.workspaceId)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "settings.sentiment",
      summary: `Strongly negative messages: ${PRIORITY_RULE_LABELS[next.priorityRule].toLowerCase()}`,
      details: { priorityRule: { from: before.priorityRule, to: next.priorityRule } },
    });
  });
  return next;
}
