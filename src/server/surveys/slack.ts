import type { AppContext } from "../context.ts";
import type { DueJob, JobHandler } from "../jobs/job-kinds.ts";
import { slackWebhookUrlProblem } from "./slack-webhook-url.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// A message to the workspace's Slack incoming webhook (a detractor's NPS). The job's payload
// holds only the text: the webhook's URL is a secret of the settings, read when the job runs,
// so a URL changed or removed meanwhile holds for messages not yet sent. A refusal (non-2xx), a
// network error or no answer within 5 seconds throws, and the scheduler tries again later.

export const SLACK_TIMEOUT_MS = 5000;

export class SlackError extends Error {}

/** POSTs `{ text }` as JSON to `url`; throws unless the answer is 2xx within the timeout. */
export async function postSlackMessage(
  url: string,
  text: string,
  timeoutMs = SLACK_TIMEOUT_MS,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SlackError(`Slack webhook unreachable: ${(err as Error).message}`);
  }
  // The body is read (and dropped) so the connection is released.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new SlackError(`Slack webhook answered ${res.status}`);
}

/**
 * The handler, with the rule a URL must pass at run time. The running server takes only Slack
 * incoming webhooks (https://hooks.slack.com/services/…, the same rule as the settings: a URL
 * stored before that rule, or written around it, is refused here too); tests build one that also takes the
 * http://127.0.0.1 address of a real local server they start, since no https listener on a
 * public name can run inside a test. The rest of the run (settings read, POST, retry on
 * failure) is the same code.
 */
export function makeSlackNotifyJob(
  urlProblem: (url: string) => string | null = slackWebhookUrlProblem,
  timeoutMs = SLACK_TIMEOUT_MS,
): JobHandler {
  return {
    // A detractor's notice a day late is still worth having; older is noise.
    staleAfterMs: 24 * 60 * 60_000,
    async run(ctx: AppContext, job: DueJob) {
      const text = typeof job.payload.text === "string" ? job.payload.text : "";
      if (!job.workspace_id || !text) return "skipped";
      const settings = await surveySettingsOf(ctx, job.workspace_id);
      const url = settings.slack_webhook_url;
      // Removed since: nothing to send.
      if (!url) return "skipped";
      // Not a Slack webhook: never posted, and not tried again (the job is recorded skipped).
      const problem = urlProblem(url);
      if (problem) {
        ctx.log.warn(
          { workspaceId: job.workspace_id, jobId: job.id, reason: `slackWebhookUrl ${problem}` },
          "Slack notice not sent: the workspace's webhook is not a Slack incoming webhook",
        );
        return "skipped";
      }
      await postSlackMessage(url, text, timeoutMs);
      return "done";
    },
  };
}

export const slackNotifyJob: JobHandler = makeSlackNotifyJob();
