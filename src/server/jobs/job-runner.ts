import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { SystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Database } from "../db/connection.ts";
import { isPostgres } from "../db/dialect.ts";
import type { ScheduledJobTable } from "../db/schema.surveys.ts";
import type { DB, Tx } from "../db/schema.ts";
import { JOB_HANDLERS } from "./job-handlers.ts";
import type { DueJob, JobHandler } from "./job-kinds.ts";
import { planRecurringJobs } from "./recurring.ts";

// Runs the scheduled jobs that are due (scheduler.ts writes them). A few due rows at a time are
// claimed in one statement, each held for LEASE_MS under this process's name and its try counted
// (FOR UPDATE SKIP LOCKED on PostgreSQL, so two processes never claim the same row; on SQLite
// the one UPDATE is atomic). A job is marked done only while the claim is still ours: one that
// outlived its lease and was taken by another process is theirs to record. A crash mid-run
// leaves the lease to expire and the job runs again, which idempotent handlers allow. A throwing
// handler is tried again later (1 min, 5, 30, 2 h …) and given up after MAX_ATTEMPTS tries; one
// job's failure never stops the others. Time is ctx.now().

/** How long a claim holds a job: longer than any handler should take. */
export const LEASE_MS = 10 * 60_000;
/** Tries before a job is given up as failed. */
export const MAX_ATTEMPTS = 8;
/** Rows per claim. */
const CLAIM_BATCH = 10;
/** Jobs per runDueJobs call unless told otherwise. */
const ROUND_LIMIT = 100;
const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000, 12 * 3600_000];

/** The wait after the n-th failed try: 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h. */
export const retryDelayMs = (attempts: number) =>
  BACKOFF_MS[Math.min(Math.max(attempts, 1), BACKOFF_MS.length) - 1] as number;

/**
 * The queue, for metrics: due (what claimDue would take, of any kind), running (claimed, the
 * lease not yet over) and failed (given up after the last try, kept for operators).
 */
export async function jobQueueCounts(
  db: Tx,
  _actor: SystemActor,
  now: string,
): Promise<{ due: number; running: number; failed: number }> {
  const row = await db
    .selectFrom("scheduled_jobs")
    .where("status", "in", ["pending", "failed"])
    .select((eb) => {
      const pending = eb("status", "=", "pending");
      const count = (when: Expression<SqlBool>) => eb.fn.count<number>(eb.case().when(when).then(1).end());
      return [
        count(eb.and([pending, eb("run_at", "<=", now), unleased(eb, now)])).as("due"),
        count(eb.and([pending, eb.not(unleased(eb, now))])).as("running"),
        count(eb("status", "=", "failed")).as("failed"),
      ];
    })
    .executeTakeFirstOrThrow();
  return { due: Number(row.due), running: Number(row.running), failed: Number(row.failed) };
}

/** This process, as written in locked_by: host, pid and a random part (pids repeat in containers). */
export const PROCESS_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

type ClaimedJob = Pick<
  ScheduledJobTable,
  "id" | "workspace_id" | "kind" | "key" | "payload" | "run_at" | "attempts" | "locked_until"
> & { locked_until: string };

export interface RunOptions {
  /** The handler of each kind; JOB_HANDLERS unless a test brings its own. */
  handlers?: Readonly<Record<string, JobHandler>>;
  /** The name claims are made under; this process's unless a test plays another process. */
  workerId?: string;
  /** At most this many jobs this call. */
  limit?: number;
  /** Stops between jobs; the rest of a claim is given back. */
  signal?: AbortSignal;
}

export interface RunOutcome {
  done: number;
  skipped: number;
  /** Threw, and will be tried again later. */
  retrying: number;
  /** Threw for the last time (MAX_ATTEMPTS). */
  failed: number;
  /** Claimed in all, including any given back or lost to another process. */
  claimed: number;
}

/** No runner holds the job now: never claimed, or its lease is over. */
const unleased = (eb: ExpressionBuilder<DB, "scheduled_jobs">, nowIso: string) =>
  eb.or([eb("locked_until", "is", null), eb("locked_until", "<", nowIso)]);

/** Claims up to `limit` due jobs of the known kinds for `workerId`. */
async function claimDue(
  ctx: AppContext,
  kinds: string[],
  limit: number,
  workerId: string,
): Promise<ClaimedJob[]> {
  const db = ctx.database.db;
  const now = ctx.now();
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) => {
        const due = qb
          .selectFrom("scheduled_jobs")
          .select("id")
          .where("status", "=", "pending")
          .where("run_at", "<=", nowIso)
          .where((eb) => unleased(eb, nowIso))
          .where("kind", "in", kinds)
          .orderBy("run_at")
          .limit(limit);
        return isPostgres(db) ? due.forUpdate().skipLocked() : due;
      },
    )
    .updateTable("scheduled_jobs")
    .set((eb) => ({ locked_until: until, locked_by: workerId, attempts: eb("attempts", "+", 1) }))
    .where("id", "in", (eb) => eb.selectFrom("due").select("id"))
    // On SQLite the unary + keeps the planner on the primary key rather than the status index.
    .where(isPostgres(db) ? sql`status` : sql`+status`, "=", "pending")
    .where((eb) => unleased(eb, nowIso))
    .returning(["id", "workspace_id", "kind", "key", "payload", "run_at", "attempts", "locked_until"])
    .execute();
  return (rows as ClaimedJob[]).sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : 0));
}

/** An update of one job, only while `job`'s claim by `workerId` still holds it. */
function ours(ctx: AppContext, job: ClaimedJob, workerId: string) {
  return ctx.database.db
    .updateTable("scheduled_jobs")
    .where("id", "=", job.id)
    .where("status", "=", "pending")
    .where("locked_by", "=", workerId)
    .where("locked_until", "=", job.locked_until);
}

/** Gives back claimed jobs not run: due again at once, the try not counted. */
async function release(ctx: AppContext, jobs: ClaimedJob[], workerId: string) {
  for (const job of jobs) {
    await ours(ctx, job, workerId)
      .set((eb) => ({ locked_until: null, attempts: eb("attempts", "-", 1) }))
      .execute();
  }
}

type Result = "done" | "skipped" | "retrying" | "failed" | "lost";

async function runOne(
  ctx: AppContext,
  actor: SystemActor,
  handler: JobHandler,
  job: ClaimedJob,
  workerId: string,
): Promise<Result> {
  const finish = async (status: "done" | "skipped", lastError: string | null): Promise<Result> => {
    const r = await ours(ctx, job, workerId)
      .set({ status, locked_until: null, last_error: lastError, finished_at: ctx.now().toISOString() })
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return status;
    ctx.log.warn(
      { jobId: job.id, kind: job.kind, key: job.key, by: actor.reason },
      "a scheduled job outlived its lease; another process has it",
    );
    return "lost";
  };
  try {
    const due: DueJob = {
      id: job.id,
      workspace_id: job.workspace_id,
      kind: job.kind,
      key: job.key,
      run_at: job.run_at,
      attempts: job.attempts,
      payload: JSON.parse(job.payload) as Record<string, unknown>,
    };
    const late = ctx.now().getTime() - Date.parse(job.run_at);
    if (handler.staleAfterMs !== undefined && late > handler.staleAfterMs) {
      await handler.onStale?.(ctx, due);
      ctx.log.info(
        { jobId: job.id, kind: job.kind, key: job.key, lateMs: late },
        "scheduled job skipped: stale",
      );
      return await finish("skipped", "stale");
    }
    const outcome = await handler.run(ctx, due);
    return await finish(outcome === "skipped" ? "skipped" : "done", null);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000) || "failed";
    const now = ctx.now();
    const giveUp = job.attempts >= MAX_ATTEMPTS;
    const retryAt = new Date(now.getTime() + retryDelayMs(job.attempts)).toISOString();
    const r = await ours(ctx, job, workerId)
      .set(
        giveUp
          ? { status: "failed", locked_until: null, last_error: message, finished_at: now.toISOString() }
          : { run_at: retryAt, locked_until: null, last_error: message },
      )
      .executeTakeFirst();
    const log = {
      err,
      jobId: job.id,
      kind: job.kind,
      key: job.key,
      attempts: job.attempts,
      by: actor.reason,
    };
    if (Number(r.numUpdatedRows) === 0) {
      ctx.log.warn(log, "a scheduled job failed after outliving its lease; another process has it");
      return "lost";
    }
    if (giveUp) {
      ctx.log.error(log, "scheduled job failed; no more tries");
      return "failed";
    }
    ctx.log.warn({ ...log, retryAt }, "scheduled job failed; it will be tried again");
    return "retrying";
  }
}

/** Kinds already reported as unknown, and when due rows were last looked at for them. */
const unknownSeen = new WeakMap<Database, { kinds: Set<string>; checkedAt: number }>();

/** Logs, once a kind, due rows no handler here knows (written by a newer version): they wait. */
async function noteUnknownKinds(ctx: AppContext, kinds: string[]) {
  let seen = unknownSeen.get(ctx.database);
  if (!seen) {
    seen = { kinds: new Set(), checkedAt: Number.NEGATIVE_INFINITY };
    unknownSeen.set(ctx.database, seen);
  }
  const now = ctx.now();
  if (Math.abs(now.getTime() - seen.checkedAt) < 60_000) return;
  seen.checkedAt = now.getTime();
  const rows = await ctx.database.db
    .selectFrom("scheduled_jobs")
    .select("kind")
    .distinct()
    .where("status", "=", "pending")
    .where("run_at", "<=", now.toISOString())
    .where("kind", "not in", kinds)
    .execute();
  for (const { kind } of rows) {
    if (seen.kinds.has(kind)) continue;
    seen.kinds.add(kind);
    ctx.log.warn(
      { kind },
      "scheduled jobs of an unknown kind are due; they wait for a version that knows it",
    );
  }
}

/** Runs the jobs due now, each claimed first; answers what happened to them. */
export async function runDueJobs(
  ctx: AppContext,
  actor: SystemActor,
  { handlers = JOB_HANDLERS, workerId = PROCESS_ID, limit = ROUND_LIMIT, signal }: RunOptions = {},
): Promise<RunOutcome> {
  const out: RunOutcome = { done: 0, skipped: 0, retrying: 0, failed: 0, claimed: 0 };
  const kinds = Object.keys(handlers);
  if (!kinds.length) return out;
  await noteUnknownKinds(ctx, kinds);
  let budget = limit;
  while (budget > 0 && !signal?.aborted) {
    const batch = await claimDue(ctx, kinds, Math.min(CLAIM_BATCH, budget), workerId);
    budget -= batch.length;
    out.claimed += batch.length;
    for (const [i, job] of batch.entries()) {
      // Stopping, or the claim has run half its lease (slow jobs before): give the rest back.
      if (signal?.aborted || Date.parse(job.locked_until) - ctx.now().getTime() < LEASE_MS / 2) {
        await release(ctx, batch.slice(i), workerId);
        return out;
      }
      const result = await runOne(ctx, actor, handlers[job.kind] as JobHandler, job, workerId);
      if (result !== "lost") out[result]++;
    }
    if (batch.length < CLAIM_BATCH) break;
  }
  return out;
}

/** Requests came in within this long: the server is busy answering them. */
const BUSY_WINDOW_MS = 100;
/** The pause between batches while the server is busy. */
const BUSY_PAUSE_MS = 250;
/** Recurring jobs are planned at most this often. */
const PLAN_EVERY_MS = 60_000;

export interface SchedulerOptions {
  /** How often it looks for due jobs. */
  everyMs?: number;
  handlers?: Readonly<Record<string, JobHandler>>;
}

/**
 * Plans recurring jobs (at most once a minute) and runs due ones every `everyMs`, one round at a
 * time; errors are logged and the next tick tries again. Answers its stop, which waits for the
 * job in progress and gives back the rest of its claim.
 */
export function startScheduler(
  ctx: AppContext,
  actor: SystemActor,
  { everyMs = 5000, handlers = JOB_HANDLERS }: SchedulerOptions = {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const stopping = new AbortController();
  let plannedAt = Number.NEGATIVE_INFINITY;
  const tick = () => {
    if (running || stopping.signal.aborted) return;
    running = (async () => {
      try {
        const now = ctx.now().getTime();
        // A clock set back plans again too.
        if (now - plannedAt >= PLAN_EVERY_MS || now < plannedAt) {
          await planRecurringJobs(ctx, actor);
          plannedAt = now;
        }
      } catch (err) {
        ctx.log.warn({ err }, "planning recurring jobs failed; it will be tried again");
      }
      try {
        // Whole batches back: a backlog drains without waiting a tick each, stepping back while
        // the HTTP server is busy so requests are answered first.
        for (let i = 0; i < 50 && !stopping.signal.aborted; i++) {
          const r = await runDueJobs(ctx, actor, { handlers, limit: CLAIM_BATCH, signal: stopping.signal });
          if (r.claimed < CLAIM_BATCH) break;
          if (performance.now() - ctx.activity.lastRequestAt < BUSY_WINDOW_MS) {
            await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
          }
        }
      } catch (err) {
        ctx.log.warn({ err }, "the scheduler's round failed; it will run again");
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return async () => {
    stopping.abort();
    clearInterval(timer);
    await running;
  };
}
