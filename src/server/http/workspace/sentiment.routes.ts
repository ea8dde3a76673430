import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import {
  getSentimentSettings,
  SentimentSettingsBody,
  SentimentSettingsSchema,
  updateSentimentSettings,
} from "../../sentiment/sentiment-settings.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The workspace's sentiment rule through the API (the page: sentiment.pages.ts).

const security = [{ session: [], csrf: [] }];

export const sentimentRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/sentiment",
      {
        schema: {
          tags: ["settings"],
          summary: "What a strongly negative customer message does to its ticket's priority",
          security,
          response: { 200: SentimentSettingsSchema, ...errors(401) },
        },
      },
      async (req) => getSentimentSettings(ctx, sessionOf(req).actor),
    );
    app.put(
      "/settings/sentiment",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the sentiment rule (admins)",
          description:
            "off: a strongly negative message (score -0.65 or lower) leaves the priority alone; high or urgent: raises it to that (never lowers it), as an event by the system.",
          security,
          body: SentimentSettingsBody,
          response: { 200: SentimentSettingsSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateSentimentSettings(ctx, sessionOf(req).actor, req.body),
    );
  };
