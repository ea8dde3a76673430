import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import type { SurveyTable } from "../../db/schema.surveys.ts";
import { AppError, tooManyRequests } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import {
  findSurveyByToken,
  findSurveyByUnsubscribeToken,
  followUpReference,
  surveyReference,
} from "../../surveys/survey.read.ts";
import { answerSurvey, surveyState, unsubscribeContact } from "../../surveys/survey.service.ts";
import { formString } from "../../web/forms.ts";
import type { Html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import {
  type SurveyFormState,
  surveyAlreadyAnsweredMain,
  surveyExpiredMain,
  surveyFormMain,
  surveyNotFoundMain,
  surveyThanksMain,
  unsubscribeMain,
} from "./survey.views.ts";

// /portal/{slug}/surveys/{token}: a survey email's one-time link. The token is in the path (the
// request line logs the route pattern, never the address) and alone opens the one survey it names,
// without a session: it is a link's holder answering, so no CSRF token either. GET shows the
// question (?score=N chooses a score, records nothing); POST records the answer once, then the
// thank-you. A second use shows the answer already given; an expired link says so (410).
// /portal/{slug}/surveys/unsubscribe/{token}: confirm, then no surveys again; the POST is also
// RFC 8058's one-click unsubscribe (body List-Unsubscribe=One-Click) a mail client sends.

type Params = { slug: string; token: string };

/** Answers per client address: generous for a person, a wall for a script. */
const ANSWERS_PER_10_MIN = 30;
const TEN_MINUTES = 10 * 60_000;

export async function limitSurveyAnswers(ctx: AppContext, ip: string): Promise<void> {
  const d = await ctx.limiter.consume(`survey-answer:${ip}`, ANSWERS_PER_10_MIN, TEN_MINUTES);
  if (!d.allowed) {
    throw tooManyRequests(
      "You have sent several answers in a short time. Please wait a little.",
      d.retryAfterSeconds,
    );
  }
}

/** The survey's answer from a form body: its score or yes/no, and the comment. */
export const answerOfForm = (body: unknown) => ({
  score: formString(body, "score"),
  answer: formString(body, "answer"),
  comment: formString(body, "comment") ?? "",
});

export const surveyPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // A comment of 2,000 characters in CJK or emoji is up to 24 KB once form-encoded.
    await pageTree(app, { formBodyLimit: 32 * 1024 });
    // RFC 8058 lets a mail client send its one-click POST as multipart/form-data too: the
    // unsubscribe does not depend on the body, so its parts are read and dropped (16 KB at most).
    app.addContentTypeParser(
      "multipart/form-data",
      { parseAs: "string", bodyLimit: 16 * 1024 },
      (_req, _body, done) => done(null, {}),
    );

    /** A page in the reader's language: the title's key and the main part given the translator. */
    const send = (
      reply: FastifyReply,
      ws: Workspace,
      title: string,
      main: (t: Translator) => Html,
      status = 200,
    ) => {
      const nonce = newNonce();
      reply.header("cache-control", "no-store");
      const t = customerTranslator(ctx.config, reply, ws);
      const path = reply.request.method === "GET" ? reply.request.url : undefined;
      return sendHtml(reply, portalLayout({ ws, t, nonce, title: t.t(title), main: main(t), path }), {
        kind: "page",
        nonce,
        status,
      });
    };

    /** The portal and the survey its token names; a page answered already when either is unknown. */
    const open = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) {
        await plainNotFound(reply, newNonce());
        return null;
      }
      const survey = await findSurveyByToken(ctx, ws, req.params.token);
      if (!survey) {
        await send(reply, ws, "survey:title.notFound", (t) => surveyNotFoundMain(ws, t), 404);
        return null;
      }
      return { ws, survey };
    };

    const show = async (
      reply: FastifyReply,
      ws: Workspace,
      survey: SurveyTable,
      action: string,
      st: SurveyFormState & { status?: number; thanks?: boolean } = {},
    ) => {
      const reference = await surveyReference(ctx, survey);
      const state = surveyState(survey, ctx.now());
      if (state === "already_answered") {
        const followUp = st.thanks ? await followUpReference(ctx, survey) : null;
        return st.thanks
          ? send(reply, ws, "survey:title.thanks", (t) =>
              surveyThanksMain(ws, t, survey, reference, followUp),
            )
          : send(reply, ws, "survey:title.already", (t) => surveyAlreadyAnsweredMain(ws, t, survey));
      }
      if (state === "expired")
        return send(reply, ws, "survey:title.expired", (t) => surveyExpiredMain(ws, t), 410);
      if (state === "unavailable")
        return send(reply, ws, "survey:title.notFound", (t) => surveyNotFoundMain(ws, t), 404);
      return send(
        reply,
        ws,
        survey.kind === "csat" ? "survey:heading.csat" : "survey:heading.other",
        (t) =>
          surveyFormMain(ws, t, { kind: survey.kind, reference, action, expiresAt: survey.expires_at }, st),
        st.status,
      );
    };

    const pathOf = (p: Params) => `/portal/${p.slug}/surveys/${p.token}`;

    app.get<{ Params: Params; Querystring: { score?: string; answer?: string; thanks?: string } }>(
      "/:slug/surveys/:token",
      async (req, reply) => {
        const found = await open(req, reply);
        if (!found) return reply;
        const chosen = req.query.score ?? req.query.answer;
        return show(reply, found.ws, found.survey, pathOf(req.params), {
          ...(typeof chosen === "string" ? { chosen: chosen.slice(0, 3) } : {}),
          thanks: req.query.thanks === "1",
        });
      },
    );

    app.post<{ Params: Params }>("/:slug/surveys/:token", async (req, reply) => {
      const found = await open(req, reply);
      if (!found) return reply;
      await limitSurveyAnswers(ctx, req.ip);
      const input = answerOfForm(req.body);
      try {
        const outcome = await answerSurvey(ctx, found.survey, { ...input, via: "email" });
        if (outcome.kind === "recorded") return reply.redirect(`${pathOf(req.params)}?thanks=1`, 303);
        return show(reply, found.ws, outcome.survey, pathOf(req.params));
      } catch (err) {
        if (err instanceof AppError && err.status === 400 && err.fields) {
          return show(reply, found.ws, found.survey, pathOf(req.params), {
            errors: err.fields,
            chosen: input.score ?? input.answer,
            comment: input.comment,
            status: 400,
          });
        }
        throw err;
      }
    });

    const unsubscribe = async (
      req: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      post: boolean,
    ) => {
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, newNonce());
      const survey = await findSurveyByUnsubscribeToken(ctx, ws, req.params.token);
      if (!survey) return send(reply, ws, "survey:title.linkNotFound", (t) => surveyNotFoundMain(ws, t), 404);
      // A one-click POST (List-Unsubscribe=One-Click) and the page's button do the same.
      if (post) await unsubscribeContact(ctx, survey);
      const action = `/portal/${req.params.slug}/surveys/unsubscribe/${req.params.token}`;
      return send(reply, ws, "survey:title.unsubscribe", (t) =>
        unsubscribeMain(ws, t, { action, done: post }),
      );
    };
    app.get<{ Params: Params }>("/:slug/surveys/unsubscribe/:token", (req, reply) =>
      unsubscribe(req, reply, false),
    );
    app.post<{ Params: Params }>("/:slug/surveys/unsubscribe/:token", (req, reply) =>
      unsubscribe(req, reply, true),
    );
  };
