import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import type { SurveyTable } from "../../db/schema.surveys.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { followUpReference, surveyForCustomer, surveyReference } from "../../surveys/survey.read.ts";
import { answerSurvey, surveyState } from "../../surveys/survey.service.ts";
import { answerOfForm, limitSurveyAnswers } from "../public/survey.pages.ts";
import {
  surveyAlreadyAnsweredMain,
  surveyExpiredMain,
  surveyFormMain,
  surveyNotFoundMain,
  surveyThanksMain,
} from "../public/survey.views.ts";
import { sendCustomerPage } from "./customer-page.ts";
import { customerOf } from "./gate.ts";

// /portal/{slug}/account/surveys/{id}: the banner's page, the signed-in customer's own survey
// (another contact's is a 404), with the same question as the email's link. Answered here it
// counts once, as answered in the portal; the email's link then shows the answer given.

type Params = { slug: string; id: string };

export const portalSurveyPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      survey: SurveyTable | undefined,
      st: { errors?: FieldErrors; chosen?: string; comment?: string; status?: number; thanks?: boolean } = {},
    ) => {
      const page = (title: string, main: Parameters<typeof sendCustomerPage>[3]["main"], status = 200) =>
        sendCustomerPage(ctx, req, reply, { title: (t) => t.t(title), main, status, noSurveyBanner: true });
      if (!survey) {
        return page("survey:title.notFound", (ws, t) => surveyNotFoundMain(ws, t), 404);
      }
      const reference = await surveyReference(ctx, survey, customerOf(req).actor);
      const state = surveyState(survey, ctx.now());
      if (state === "already_answered") {
        const followUp = st.thanks ? await followUpReference(ctx, survey) : null;
        return st.thanks
          ? page("survey:title.thanks", (ws, t) => surveyThanksMain(ws, t, survey, reference, followUp))
          : page("survey:title.already", (ws, t) => surveyAlreadyAnsweredMain(ws, t, survey));
      }
      if (state === "expired") return page("survey:title.expired", (ws, t) => surveyExpiredMain(ws, t), 410);
      if (state === "unavailable")
        return page("survey:title.notFound", (ws, t) => surveyNotFoundMain(ws, t), 404);
      const action = `/portal/${req.params.slug}/account/surveys/${survey.id}`;
      return page(
        survey.kind === "csat" ? "survey:heading.csat" : "survey:heading.other",
        (ws, t) =>
          surveyFormMain(
            ws,
            t,
            { kind: survey.kind, reference, action, expiresAt: survey.expires_at },
            { ...st, csrfToken: customerCsrfTokenFor(req.customerToken as string) },
          ),
        st.status,
      );
    };

    app.get<{ Params: Params; Querystring: { score?: string; thanks?: string } }>(
      "/:slug/account/surveys/:id",
      async (req, reply) => {
        const survey = await surveyForCustomer(ctx, customerOf(req).actor, req.params.id);
        return show(req, reply, survey, {
          ...(typeof req.query.score === "string" ? { chosen: req.query.score.slice(0, 3) } : {}),
          thanks: req.query.thanks === "1",
        });
      },
    );

    app.post<{ Params: Params }>("/:slug/account/surveys/:id", async (req, reply) => {
      const survey = await surveyForCustomer(ctx, customerOf(req).actor, req.params.id);
      if (!survey) return show(req, reply, undefined);
      await limitSurveyAnswers(ctx, req.ip);
      const input = answerOfForm(req.body);
      try {
        const outcome = await answerSurvey(ctx, survey, { ...input, via: "portal" });
        if (outcome.kind === "recorded") {
          return reply.redirect(`/portal/${req.params.slug}/account/surveys/${survey.id}?thanks=1`, 303);
        }
        return show(req, reply, outcome.survey);
      } catch (err) {
        if (err instanceof AppError && err.status === 400 && err.fields) {
          return show(req, reply, survey, {
            errors: err.fields,
            ...((input.score ?? input.answer) ? { chosen: (input.score ?? input.answer) as string } : {}),
            comment: input.comment,
            status: 400,
          });
        }
        throw err;
      }
    });
  };
