import type { JobHandler } from "../jobs/job-kinds.ts";

/** The kb_health job. */
export const kbHealthJob: JobHandler = {
  run: async () => "skipped",
};
