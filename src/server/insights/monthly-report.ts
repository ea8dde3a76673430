import type { JobHandler } from "../jobs/job-kinds.ts";

/** The monthly_report job. */
export const monthlyReportJob: JobHandler = {
  run: async () => "skipped",
};
