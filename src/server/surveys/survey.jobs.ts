import { systemActor } from "../actors.ts";
import type { JobHandler } from "../jobs/job-kinds.ts";
import { surveysVisibleTo } from "./survey.access.ts";
import { sendSurvey, skipSurvey } from "./survey.service.ts";

// survey_send: a scheduled survey's moment came (payload { surveyId }). Sending is guarded by the
// survey's status, so a run repeated after a crash sends nothing twice. A job first seen more than
// a day late (the server was down) is not sent at all: the survey is skipped as 'stale' instead of
// reaching the customer long after the request it asks about.

export const SURVEY_STALE_AFTER_MS = 24 * 3600_000;

const surveyIdOf = (payload: Record<string, unknown>) =>
  typeof payload.surveyId === "string" ? payload.surveyId : null;

export const surveySendJob: JobHandler = {
  async run(ctx, job) {
    const id = surveyIdOf(job.payload);
    if (!id) return "skipped";
    return (await sendSurvey(ctx, id)) === "sent" ? "done" : "skipped";
  },
  staleAfterMs: SURVEY_STALE_AFTER_MS,
  async onStale(ctx, job) {
    const id = surveyIdOf(job.payload);
    if (!id) return;
    const s = await surveysVisibleTo(ctx.database.db, systemActor("survey send"))
      .select(["surveys.id", "surveys.workspace_id"])
      .where("surveys.id", "=", id)
      .executeTakeFirst();
    if (s) await ctx.database.db.transaction().execute((tx) => skipSurvey(tx, s, "stale"));
  },
};
