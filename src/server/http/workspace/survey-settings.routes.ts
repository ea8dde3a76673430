import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TICKET_TYPES } from "../../../shared/tickets.ts";
import type { AppContext } from "../../context.ts";
import { Key, Line, Nullable, OneOf, StrictObject } from "../../lib/schema.ts";
import { getSurveySettings, updateSurveySettings } from "../../surveys/survey-settings.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Settings → Surveys: what is asked and when, what low scores lead to and who hears of them, and
// the workspace's clock. Everyone of the team reads them; admins change them.

const security = [{ session: [], csrf: [] }];
const int = (minimum: number, maximum: number, description: string) =>
  Type.Integer({
    minimum,
    maximum,
    description,
    "x-error": `must be a whole number from ${minimum} to ${maximum}`,
  });
const HHMM = Type.String({
  pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$",
  description: "HH:MM, 24-hour clock",
  "x-error": "must be a time as HH:MM",
});

export const BusinessHoursSchema = StrictObject({
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
    minItems: 1,
    maxItems: 7,
    uniqueItems: true,
    description: "ISO weekdays: 1 = Monday … 7 = Sunday",
    "x-error": "must be one or more weekdays from 1 (Monday) to 7 (Sunday)",
  }),
  open: HHMM,
  close: HHMM,
});

const fields = {
  csatEnabled: Type.Boolean({ description: "Ask CSAT when a ticket is resolved" }),
  csatDelivery: OneOf(
    ["resolution_email", "separate_email"] as const,
    "In the resolution email, or as its own email later",
  ),
  csatDelayMinutes: int(0, 60, "With separate_email: minutes after the resolution"),
  npsEnabled: Type.Boolean(),
  npsFirstDays: int(1, 365, "Days after a contact's first resolved ticket to ask NPS"),
  npsEveryDays: int(7, 730, "Days between NPS surveys of a contact"),
  cesEnabled: Type.Boolean(),
  cesAfterPlan: Type.Boolean({ description: "Ask CES when an onboarding plan is completed" }),
  cesTicketTypes: Type.Array(OneOf(TICKET_TYPES), {
    uniqueItems: true,
    description: "Closing a ticket of these types asks CES",
  }),
  stillFixedDays: int(0, 30, 'Days after a resolution to ask "Still fixed?"; 0 is off'),
  quietDays: int(0, 365, "A contact is asked at most one survey within this many days"),
  csatFollowUpMax: int(1, 5, "CSAT at or below this makes a follow-up task"),
  npsDetractorMax: int(0, 10, "NPS at or below this is a detractor"),
  csLeadAgentId: Nullable(Key(64, { description: "The customer-success lead: an active agent" })),
  slackWebhookUrl: Nullable(
    Line(
      2000,
      "A Slack incoming webhook (https://hooks.slack.com/services/…) for detractors. A secret: read back masked (admins) or null (agents); in a change, null or empty clears it, the masked value or leaving it out keeps it",
    ),
  ),
  kbNoRatePct: int(1, 100, "An article's not-helpful rate (%) above which it is flagged"),
  kbNoDays: int(1, 90, "Days in a row over the rate before its owner hears"),
  kbMinVotes: int(1, 10000, "Votes an article needs before it is judged"),
  reportAgentIds: Type.Array(Key(64), {
    maxItems: 100,
    uniqueItems: true,
    description: "Who gets the monthly report (active agents); empty: the admins",
  }),
  timeZone: Line(64, "The workspace's IANA time zone, e.g. Europe/Berlin"),
  businessHours: BusinessHoursSchema,
};

export const SurveySettingsSchema = Type.Object({
  ...fields,
  cesTicketTypes: Type.Array(Type.String()),
  slackWebhookSet: Type.Boolean({ description: "Whether a Slack webhook is set" }),
});
export const SurveySettingsBody = StrictObject(
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof typeof fields]: ReturnType<typeof Type.Optional<(typeof fields)[K]>>;
  },
);

export const workspaceSurveySettingsRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/settings/surveys",
      {
        schema: {
          tags: ["settings"],
          summary: "The survey settings, follow-up thresholds and recipients, and the workspace's clock",
          security,
          response: { 200: SurveySettingsSchema, ...errors(401) },
        },
      },
      async (req) => getSurveySettings(ctx, sessionOf(req).actor),
    );
    app.put(
      "/settings/surveys",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the survey settings (admins)",
          description: "Fields left out stay as they are.",
          security,
          body: SurveySettingsBody,
          response: { 200: SurveySettingsSchema, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateSurveySettings(ctx, sessionOf(req).actor, req.body),
    );
  };
