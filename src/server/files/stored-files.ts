import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import type { DueJob, JobHandler } from "../jobs/job-kinds.ts";
import { scheduleJob } from "../jobs/scheduler.ts";

// Stored objects (sealed attachments, thumbnails, raw incoming mail) whose rows a transaction
// dropped or marked deleted. The store is outside the database, so a delete can fail after the
// commit (the disk, the bucket); a failure then must neither undo nor interrupt the change, nor
// leave the object for ever. Hence both: the deletion is a durable job written in the change's
// own transaction (`stored_files_delete`, retried by the scheduler until it succeeds), and the
// caller tries it at once after the commit, best-effort, so the bytes are usually gone before it
// answers. Deleting an object already gone is harmless, so the job running after is too.

/** Writes, in `tx`, the job that deletes these objects; `key` makes it one (e.g. the erasure's). */
export async function deleteStoredLater(
  ctx: AppContext,
  tx: Tx,
  p: { workspaceId: string; key: string; storageKeys: string[] },
): Promise<void> {
  if (!p.storageKeys.length) return;
  await scheduleJob(ctx, tx, {
    kind: "stored_files_delete",
    key: `stored_files_delete:${p.key}`,
    runAt: ctx.now(),
    workspaceId: p.workspaceId,
    payload: { storageKeys: p.storageKeys },
  });
}

/** Deletes these objects now, each on its own: a failure is logged and left to the job. */
export async function deleteStoredNow(ctx: AppContext, storageKeys: string[]): Promise<void> {
  await Promise.all(
    storageKeys.map((key) =>
      ctx.files.store.delete(key).catch((err: unknown) => {
        ctx.log.warn({ err, storageKey: key }, "a stored file could not be deleted yet; a job will retry");
      }),
    ),
  );
}

/** The `stored_files_delete` job: every object again; a failure throws, so the job is retried. */
export const storedFilesDeleteJob: JobHandler = {
  async run(ctx: AppContext, job: DueJob) {
    const keys = Array.isArray(job.payload.storageKeys) ? (job.payload.storageKeys as string[]) : [];
    for (const key of keys) await ctx.files.store.delete(key);
    return keys.length ? "done" : "skipped";
  },
};
