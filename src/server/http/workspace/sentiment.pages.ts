import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import {
  getSentimentSettings,
  type SentimentSettings,
  SentimentSettingsBody,
  updateSentimentSettings,
} from "../../sentiment/sentiment-settings.ts";
import { formString } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { type SentimentSettingsState, sentimentSettingsMain } from "./sentiment.views.ts";

// /app/settings/sentiment: the form passes the JSON API's own body schema before the service sees it.

const check = formValidator(SentimentSettingsBody, { priorityRule: "must be chosen" });

export const sentimentPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (req: FastifyRequest, reply: FastifyReply, st: SentimentSettingsState = {}) => {
      const s = req.session as SessionInfo;
      const current = await getSentimentSettings(ctx, s.actor);
      return sendAppPage(req, reply, {
        title: "Sentiment settings",
        section: "settings",
        status: st.status ?? 200,
        main: sentimentSettingsMain(req, current, s.agent.role === "admin", st),
      });
    };

    app.get<{ Querystring: { saved?: string } }>("/", async (req, reply) =>
      show(
        req,
        reply,
        req.query.saved === "1" ? { notice: "Sentiment rule saved. It applies to new messages." } : {},
      ),
    );

    app.post("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const body = { priorityRule: formString(req.body, "priorityRule") ?? "" };
      try {
        const errors = check(body);
        if (errors) throw validationFailed(errors);
        await updateSentimentSettings(ctx, actor, body as SentimentSettings);
        return reply.redirect("/app/settings/sentiment?saved=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, { errors: err.fields ?? {}, status: 400 });
        }
        throw err;
      }
    });
  };
