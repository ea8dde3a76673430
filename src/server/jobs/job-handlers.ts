import { storedFilesDeleteJob } from "../files/stored-files.ts";
import { monthlyReportJob } from "../insights/monthly-report.ts";
import { kbHealthJob } from "../kb/kb.health.ts";
import { retentionJob } from "../lifecycle/retention.ts";
import { taskRemindersJob } from "../onboarding/task-reminders.ts";
import { slaSweepJob } from "../sla/sla.sweep.ts";
import { npsSweepJob } from "../surveys/nps.ts";
import { slackNotifyJob } from "../surveys/slack.ts";
import { surveySendJob } from "../surveys/survey.jobs.ts";
import type { JobHandler, JobKindName } from "./job-kinds.ts";

// Each kind of scheduled job and the handler that runs it, each from the module that owns the
// work. The runner (job-runner.ts) claims only kinds named here: a row of a kind this version
// does not know (written by a newer one) waits, pending, for a process that does.

export const JOB_HANDLERS: Record<JobKindName, JobHandler> = {
  survey_send: surveySendJob,
  slack_notify: slackNotifyJob,
  nps_sweep: npsSweepJob,
  kb_health: kbHealthJob,
  monthly_report: monthlyReportJob,
  task_reminders: taskRemindersJob,
  retention: retentionJob,
  stored_files_delete: storedFilesDeleteJob,
  sla_sweep: slaSweepJob,
};
