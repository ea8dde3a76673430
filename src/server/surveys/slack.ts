import type { JobHandler } from "../jobs/job-kinds.ts";

/** The slack_notify job. */
export const slackNotifyJob: JobHandler = {
  run: async () => "skipped",
};
