// A Slack incoming webhook, and nothing else: the server itself POSTs to this address, so it may
// only be Slack's own webhook host over https on the default port, without a user name or
// password. Any other address could make the server reach inside its own network.

export const SLACK_WEBHOOK_PREFIX = "https://hooks.slack.com/services/";

/** Why `value` is not a Slack incoming webhook, as a field error; null when it is one. */
export function slackWebhookUrlProblem(value: string): string | null {
  const problem = `must be a Slack incoming webhook address, starting with ${SLACK_WEBHOOK_PREFIX}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem;
  }
  if (url.username || url.password) return "must not contain a user name or password";
  if (
    url.protocol !== "https:" ||
    url.hostname !== "hooks.slack.com" ||
    url.port !== "" ||
    !url.pathname.startsWith("/services/") ||
    url.pathname.length <= "/services/".length
  ) {
    return problem;
  }
  return null;
}

/** What an admin reads of a stored webhook: its start, never its secret path. */
export const SLACK_WEBHOOK_MASK = `${SLACK_WEBHOOK_PREFIX}T…/…/••••`;
