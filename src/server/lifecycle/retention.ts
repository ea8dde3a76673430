import { type Static, Type } from "typebox";
import { type AgentActor, systemActorIn } from "../actors.ts";
import { changedKeys } from "../audit/audit.ts";
import type { AppContext } from "../context.ts";
import { pruneInboundRaw } from "../email/inbound.store.ts";
import { pruneOutboxBefore } from "../email/outbox.access.ts";
import { forbidden } from "../errors.ts";
import type { DueJob, JobHandler } from "../jobs/job-kinds.ts";
import { pruneDeflectionEvents, pruneSearchMisses } from "../kb/kb.insights.ts";
import { cutoffOf, RETENTION_MAX_DAYS, type RetentionDays } from "../lib/retention.ts";
import { Nullable } from "../lib/schema.ts";
import { pruneReadNotifications, READ_NOTIFICATION_KEEP_DAYS } from "../notifications/notification.access.ts";
import { getWorkspace, updateWorkspaceAudited } from "../workspaces/workspace.service.ts";

// Data retention (README "Data retention, exports and erasure"): each workspace says how many
// days it keeps four kinds of operational records, null for ever. A daily job (`retention`,
// planned by jobs/recurring.ts at 03:00 in the workspace's zone) removes what is older, in
// batches, each through the module that owns the table:
// - sent, failed and suppressed emails: a ticket's keep their row (Message-ID, ticket, recipient,
//   subject) for threading late replies and lose their content; the others are deleted;
// - incoming mail: the sealed raw message of processed and ignored messages (the row stays, so a
//   redelivery is still a duplicate; failed ones keep theirs for the operator);
// - searches that found nothing, by when last searched;
// - the submit form's deflection events;
// - and, whatever the settings, agents' notifications read and older than 90 days.
// Ticket events, comments, company timelines, surveys and the audit log are the record of what
// happened and are never pruned by age.

const keep = (description: string) =>
  Nullable(
    Type.Integer({
      minimum: 1,
      maximum: RETENTION_MAX_DAYS,
      description: `${description}; null keeps them`,
      "x-error": `must be a whole number of days from 1 to ${RETENTION_MAX_DAYS}`,
    }),
  );

export const RetentionSchema = Type.Object({
  outboxDays: keep("Days the content of sent emails is kept"),
  inboundDays: keep("Days the raw incoming messages are kept after processing"),
  searchMissesDays: keep("Days a knowledge-base search that found nothing is kept"),
  eventsDays: keep("Days the submit form's deflection events are kept"),
});
export type Retention = Static<typeof RetentionSchema>;
export const RetentionBody = Type.Partial(RetentionSchema, { additionalProperties: false });

const COLUMNS = {
  outboxDays: "retention_outbox_days",
  inboundDays: "retention_inbound_days",
  searchMissesDays: "retention_search_misses_days",
  eventsDays: "retention_events_days",
} as const satisfies Record<keyof Retention, keyof RetentionDays>;

/** The four kinds of records, as the settings form and the audit log name them. */
export const RETENTION_LABELS: Record<keyof Retention, string> = {
  outboxDays: "Sent emails' content",
  inboundDays: "Raw incoming mail",
  searchMissesDays: "Searches that found nothing",
  eventsDays: "Deflection events",
};

export const retentionOf = (row: RetentionDays): Retention => ({
  outboxDays: row.retention_outbox_days,
  inboundDays: row.retention_inbound_days,
  searchMissesDays: row.retention_search_misses_days,
  eventsDays: row.retention_events_days,
});

/** The workspace's retention; every agent may read it. */
export async function getRetention(ctx: AppContext, actor: AgentActor): Promise<Retention> {
  return retentionOf(await getWorkspace(ctx, actor));
}

/** Admins only. Fields left out stay; null keeps for ever. Recorded in the audit log. */
export async function updateRetention(
  ctx: AppContext,
  actor: AgentActor,
  patch: Partial<Retention>,
): Promise<Retention> {
  if (actor.role !== "admin") throw forbidden("Only admins change the data retention.");
  const before = await getRetention(ctx, actor);
  const next: Retention = { ...before, ...patch };
  const changed = changedKeys(before, next, Object.keys(COLUMNS) as (keyof Retention)[]);
  if (!changed.length) return before;
  await updateWorkspaceAudited(
    ctx,
    actor,
    Object.fromEntries(changed.map((k) => [COLUMNS[k], next[k]])),
    () => ({
      action: "settings.retention",
      summary: `Retention: ${changed.map((k) => `${RETENTION_LABELS[k].toLowerCase()} ${next[k] === null ? "kept for ever" : `${next[k]} days`}`).join(", ")}`,
      details: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: next[k] }])),
    }),
  );
  return next;
}

/** Rows each statement touches; a run does at most MAX_BATCHES of each kind, the rest the next day. */
const RETENTION_BATCH = 500;
const MAX_BATCHES = 200;

export interface RetentionResult {
  outbox: number;
  inbound: number;
  searchMisses: number;
  events: number;
  notifications: number;
}

/** Applies one workspace's retention at `now`; answers what it removed. Idempotent. */
export async function applyRetention(ctx: AppContext, workspaceId: string): Promise<RetentionResult> {
  const result: RetentionResult = { outbox: 0, inbound: 0, searchMisses: 0, events: 0, notifications: 0 };
  // The job acts for no agent: its own read of the workspace it was planned for.
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select(Object.values(COLUMNS))
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) return result;
  const actor = systemActorIn("data retention", workspaceId);
  const now = ctx.now();
  const drain = async (days: number | null, batch: (before: string) => Promise<number>) => {
    const before = cutoffOf(now, days);
    if (!before) return 0;
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await batch(before);
      total += n;
      if (n < RETENTION_BATCH) break;
    }
    return total;
  };
  const db = ctx.database.db;
  result.outbox = await drain(row.retention_outbox_days, (before) =>
    db
      .transaction()
      .execute((tx) =>
        pruneOutboxBefore(tx, actor, { before, now: now.toISOString(), limit: RETENTION_BATCH }),
      ),
  );
  result.inbound = await drain(row.retention_inbound_days, (before) =>
    pruneInboundRaw(ctx, actor, { before, limit: RETENTION_BATCH }),
  );
  result.searchMisses = await drain(row.retention_search_misses_days, (before) =>
    pruneSearchMisses(db, actor, { before, limit: RETENTION_BATCH }),
  );
  result.events = await drain(row.retention_events_days, (before) =>
    pruneDeflectionEvents(db, actor, { before, limit: RETENTION_BATCH }),
  );
  result.notifications = await drain(READ_NOTIFICATION_KEEP_DAYS, (before) =>
    pruneReadNotifications(db, actor, { before, limit: RETENTION_BATCH }),
  );
  return result;
}

/** The daily `retention` job of one workspace. */
export const retentionJob: JobHandler = {
  async run(ctx: AppContext, job: DueJob) {
    if (!job.workspace_id) return "skipped";
    const r = await applyRetention(ctx, job.workspace_id);
    const total = r.outbox + r.inbound + r.searchMisses + r.events + r.notifications;
    if (total) ctx.log.info({ workspaceId: job.workspace_id, removed: r }, "data retention applied");
    return total ? "done" : "skipped";
  },
};
