import type { JobHandler } from "../jobs/job-kinds.ts";

/** The nps_sweep job. */
export const npsSweepJob: JobHandler = {
  run: async () => "skipped",
};
