import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import type { SurveyTable } from "../../db/schema.surveys.ts";
import { AppError, notFound } from "../../errors.ts";
import { Nullable, OneOf, OptionalText, StrictObject } from "../../lib/schema.ts";
import { findSurveyByToken, surveyReference } from "../../surveys/survey.read.ts";
import { answerSurvey, SCORE_RANGE, SURVEY_COMMENT_MAX, surveyState } from "../../surveys/survey.service.ts";
import { getWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { errors } from "../shared/schema.ts";
import { limitSurveyAnswers } from "./survey.pages.ts";
import { surveyQuestion } from "./survey.views.ts";

// The survey link for the portal's own front ends: the same one-time token as the email's page
// (/portal/{slug}/surveys/{token}), read and answered as JSON. No session: the token is the key.

const Params = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  token: Type.String({ maxLength: 128, description: "The token from the survey link" }),
});

export const SurveyView = Type.Object({
  kind: OneOf(["csat", "nps", "ces", "still_fixed"] as const),
  question: Type.String(),
  reference: Nullable(Type.String({ description: "The request it is about, e.g. TKT-0042" })),
  state: OneOf(["open", "answered", "expired"] as const, "open: may be answered once"),
  scale: Nullable(
    Type.Object(
      { min: Type.Integer(), max: Type.Integer() },
      { description: "null for still_fixed (yes/no)" },
    ),
  ),
  expiresAt: Nullable(Type.String()),
  answer: Nullable(
    Type.Object({
      score: Nullable(Type.Integer()),
      answer: Nullable(OneOf(["yes", "no"] as const)),
      comment: Nullable(Type.String()),
      answeredAt: Type.String(),
    }),
  ),
});

const AnswerBody = StrictObject({
  score: Type.Optional(Type.Integer({ description: "CSAT 1–5, NPS 0–10, CES 1–7" })),
  answer: Type.Optional(OneOf(["yes", "no"] as const, "still_fixed only")),
  comment: Type.Optional(OptionalText(SURVEY_COMMENT_MAX)),
});

async function viewOf(ctx: AppContext, s: SurveyTable) {
  const reference = await surveyReference(ctx, s);
  const state = surveyState(s, ctx.now());
  return {
    kind: s.kind,
    question: surveyQuestion(s.kind, reference),
    reference,
    state:
      state === "already_answered"
        ? ("answered" as const)
        : state === "open"
          ? ("open" as const)
          : ("expired" as const),
    scale: s.kind === "still_fixed" ? null : SCORE_RANGE[s.kind],
    expiresAt: s.expires_at,
    answer:
      s.status === "answered" && s.answered_at
        ? { score: s.score, answer: s.answer, comment: s.comment, answeredAt: s.answered_at }
        : null,
  };
}

export const surveyRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const find = async (slug: string, token: string) => {
      const ws = await getWorkspaceBySlug(ctx, slug);
      const s = await findSurveyByToken(ctx, ws, token);
      if (!s || surveyState(s, ctx.now()) === "unavailable") throw notFound("No such survey.");
      return s;
    };

    app.get(
      "/portals/:slug/surveys/:token",
      {
        schema: {
          tags: ["portal"],
          summary: "A survey by its link",
          description:
            "The question a survey link asks, and whether it is open, answered (with the answer) or expired (7 days after it was sent). Reading records nothing.",
          params: Params,
          response: { 200: SurveyView, ...errors(404) },
        },
      },
      async (req, reply) => {
        const s = await find(req.params.slug, req.params.token);
        reply.header("cache-control", "no-store");
        return viewOf(ctx, s);
      },
    );

    app.post(
      "/portals/:slug/surveys/:token",
      {
        schema: {
          tags: ["portal"],
          summary: "Answer a survey",
          description:
            'Records the answer once: `score` (CSAT 1–5, NPS 0–10, CES 1–7) or `answer` yes/no ("Still fixed?": yes closes the request, no reopens it with the comment, or opens a linked follow-up when the request was closed meanwhile), and an optional comment of up to 2,000 characters. A second answer records nothing (409 survey_answered); an expired link 410 survey_expired. Limited to 30 answers in 10 minutes per client address.',
          params: Params,
          body: AnswerBody,
          response: { 201: SurveyView, ...errors(400, 404, 409, 410, 429) },
        },
      },
      async (req, reply) => {
        const s = await find(req.params.slug, req.params.token);
        await limitSurveyAnswers(ctx, req.ip);
        const outcome = await answerSurvey(ctx, s, { ...req.body, via: "email" });
        if (outcome.kind === "already_answered") {
          throw new AppError(
            409,
            "survey_answered",
            "This survey was answered already; nothing was recorded.",
          );
        }
        if (outcome.kind === "expired")
          throw new AppError(410, "survey_expired", "This survey link has expired.");
        if (outcome.kind === "unavailable") throw notFound("No such survey.");
        return reply.status(201).send(await viewOf(ctx, outcome.survey));
      },
    );
  };
