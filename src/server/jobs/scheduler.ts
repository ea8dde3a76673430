import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import type { JobKindName } from "./job-kinds.ts";

// The durable scheduler: time-based work is a row of scheduled_jobs, unique by key, written in
// the transaction of the change that asks for it. Due rows are claimed with a lease, so one
// process runs each even with several on PostgreSQL; a job seen far past its time is skipped as
// stale rather than run late (no burst of old surveys after downtime). Time is ctx.now().
// Running them is job-runner.ts (runDueJobs, startScheduler); recurring work is planned by
// recurring.ts. This file imports neither, so any module may schedule a job.

export interface JobSpec {
  kind: JobKindName;
  /** What makes a run one: scheduling the same key again changes nothing. */
  key: string;
  runAt: Date;
  workspaceId: string | null;
  payload?: Record<string, unknown>;
}

/** Writes the job in `tx` unless one with its key exists; answers whether it was new. */
export async function scheduleJob(ctx: AppContext, tx: Tx, spec: JobSpec): Promise<boolean> {
  const r = await tx
    .insertInto("scheduled_jobs")
    .values({
      id: newId(),
      workspace_id: spec.workspaceId,
      kind: spec.kind,
      key: spec.key,
      payload: JSON.stringify(spec.payload ?? {}),
      run_at: spec.runAt.toISOString(),
      status: "pending",
      attempts: 0,
      locked_until: null,
      locked_by: null,
      last_error: null,
      finished_at: null,
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
