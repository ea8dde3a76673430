import type { AppContext } from "../context.ts";
import type { JobHandler } from "./job-kinds.ts";

// Shared by the scheduler's tests: a clock a test sets, and a handler that counts its runs.

/** A context on `base`'s database whose clock stands at `at` until moved. */
export function clocked(base: AppContext, at: string) {
  let now = Date.parse(at);
  const ctx: AppContext = { ...base, now: () => new Date(now) };
  return {
    ctx,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A handler that counts its runs by job key. */
export function counting(opts: Partial<JobHandler> = {}) {
  const runs = new Map<string, number>();
  const handler: JobHandler = {
    run: async (_ctx, job) => {
      // Let the other run of a race get on with its claim in between.
      await new Promise((resolve) => setImmediate(resolve));
      runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
      return "done";
    },
    ...opts,
  };
  return { handler, runs };
}
