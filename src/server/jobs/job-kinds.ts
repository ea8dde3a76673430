import type { AppContext } from "../context.ts";
import type { ScheduledJobTable } from "../db/schema.surveys.ts";

// Every kind of scheduled job and its handler, in one list. A handler is idempotent: the
// scheduler's lease makes one process run a job, and a run cut short by a crash is run again,
// so a handler's effects are guarded (a survey is sent only while 'scheduled', a report month is
// unique …). Returning "skipped" records that it had nothing to do.

export type DueJob = Pick<
  ScheduledJobTable,
  "id" | "workspace_id" | "kind" | "key" | "run_at" | "attempts"
> & {
  payload: Record<string, unknown>;
};

export interface JobHandler {
  run(ctx: AppContext, job: DueJob): Promise<"done" | "skipped">;
  /** A job first seen this long after its run_at is skipped, not run (stale after downtime). */
  staleAfterMs?: number;
  /** What becomes of the job's subject when it is skipped as stale (e.g. the survey's status). */
  onStale?(ctx: AppContext, job: DueJob): Promise<void>;
}

export type JobKindName =
  | "survey_send"
  | "slack_notify"
  | "nps_sweep"
  | "kb_health"
  | "monthly_report"
  | "task_reminders"
  | "retention"
  | "stored_files_delete"
  | "sla_sweep";
