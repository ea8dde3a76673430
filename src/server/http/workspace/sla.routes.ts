import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AppContext } from "../../context.ts";
import { SlaSettingsBody, SlaSettingsSchema } from "../../sla/sla.schemas.ts";
import { getSlaSettings, updateSlaSettings } from "../../sla/sla.settings.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → SLAs as JSON: everyone of the team reads them; admins replace them at once.

const security = [{ session: [], csrf: [] }];

export const workspaceSlaRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/sla",
      {
        schema: {
          tags: ["settings"],
          summary: "The SLA policies, the holidays, and whether customers see the expected response time",
          security,
          response: { 200: SlaSettingsSchema, ...errors(401) },
        },
      },
      async (req) => getSlaSettings(ctx, sessionOf(req).actor),
    );
    app.put(
      "/settings/sla",
      {
        schema: {
          tags: ["settings"],
          summary: "Replace the SLA policies and holidays (admins)",
          description:
            "Policies and holidays left out are removed; a policy with an id is changed. The most specific policy of a ticket's priority wins: company and type, company, type, priority alone.",
          security,
          body: SlaSettingsBody,
          response: { 200: SlaSettingsSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateSlaSettings(ctx, sessionOf(req).actor, req.body),
    );
  };
