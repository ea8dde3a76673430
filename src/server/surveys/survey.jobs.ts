import type { JobHandler } from "../jobs/job-kinds.ts";

/** The survey_send job. */
export const surveySendJob: JobHandler = {
  run: async () => "skipped",
};
