import { type Static, Type } from "typebox";
import { NAME_MAX, SUBJECT_MAX, TICKET_PRIORITIES, TICKET_TYPES } from "../../shared/tickets.ts";
import { LOCALES } from "../i18n/locales.ts";
import { Email, Key, Line, Nullable, OneOf, StrictObject, Text } from "../lib/schema.ts";
import { TREND_VALUES } from "../sentiment/sentiment.schemas.ts";

// What a bot handover takes and answers (handover.ts), and the customer health summary
// (customer-health.ts) it carries, also served on its own for a contact.

export const TRANSCRIPT_MAX_MESSAGES = 200;
export const TRANSCRIPT_TEXT_MAX = 10_000;
export const STEPS_MAX = 50;
export const SUMMARY_MAX = 5_000;

const TranscriptMessage = StrictObject({
  from: OneOf(["customer", "bot"] as const, "Who wrote it: the customer, or the assistant"),
  text: Text(TRANSCRIPT_TEXT_MAX, "The message, up to 10,000 characters"),
  at: Type.Optional(Type.String({ format: "date-time", description: "When it was written (ISO 8601)" })),
});

export const HandoverBody = StrictObject({
  customer: StrictObject({
    email: Email(),
    name: Type.Optional(Line(NAME_MAX, "The customer's name; the part of the email before @ when not given")),
  }),
  subject: Type.Optional(
    Line(SUBJECT_MAX, "The ticket's subject; the first customer message cut to a line when not given"),
  ),
  transcript: Type.Array(TranscriptMessage, {
    minItems: 1,
    maxItems: TRANSCRIPT_MAX_MESSAGES,
    description: "The conversation in order, 1–200 messages; at least one from the customer",
  }),
  attemptedSteps: Type.Optional(
    Type.Array(Line(500), { maxItems: STEPS_MAX, description: "What the assistant tried, up to 50 lines" }),
  ),
  summary: Type.Optional(Text(SUMMARY_MAX, "The assistant's own summary, for the agents")),
  source: Type.Optional(Line(80, 'The assistant\'s name, shown to agents (default "Assistant")')),
  language: Type.Optional(OneOf(LOCALES, "The customer's language: their confirmation email speaks it")),
  priority: Type.Optional(OneOf(TICKET_PRIORITIES)),
  type: Type.Optional(OneOf(TICKET_TYPES)),
  conversationId: Type.Optional(
    Key(200, {
      minLength: 1,
      description:
        "The assistant's own id of the conversation: handing it over again answers the first ticket (200)",
    }),
  ),
});
export type HandoverBody = Static<typeof HandoverBody>;

const Dated = Type.Object({
  score: Type.Integer(),
  at: Type.String({ format: "date-time", description: "When the customer answered" }),
});

export const CustomerHealth = Type.Object(
  {
    openTickets: Type.Object({
      count: Type.Integer({ description: "Tickets not Resolved or Closed" }),
      newest: Type.Array(Type.String({ examples: ["TKT-0042"] }), {
        description: "The newest few, by reference",
      }),
    }),
    totalTickets: Type.Integer(),
    lastCsat: Nullable({ ...Dated, description: "The latest CSAT answer (1–5)" }),
    lastNps: Nullable({ ...Dated, description: "The latest NPS answer (0–10)" }),
    sentiment: Type.Object({
      latest: Nullable(
        Type.Number({
          minimum: -1,
          maximum: 1,
          description: "The newest ticket's latest customer message score",
        }),
      ),
      average: Nullable(
        Type.Number({
          minimum: -1,
          maximum: 1,
          description: "The mean score of the customer's last five tickets",
        }),
      ),
      trend: Nullable(
        OneOf(
          TREND_VALUES,
          "Within the newest ticket when the customer wrote there twice, else the newest ticket against the two before",
        ),
      ),
    }),
  },
  { description: "How things stand with a customer, computed by Portico" },
);
export type CustomerHealth = Static<typeof CustomerHealth>;

export const HandoverResult = Type.Object({
  ticket: Type.Object({
    id: Type.String(),
    reference: Type.String({ examples: ["TKT-0042"] }),
    url: Type.String({ description: "The ticket in the agents' app" }),
  }),
  contact: Type.Object({
    id: Type.String(),
    created: Type.Boolean({ description: "false: an existing contact with that email" }),
  }),
  trackingUrl: Type.String({ description: "The customer's private tracking link (also sent by email)" }),
  health: CustomerHealth,
});
export type HandoverResult = Static<typeof HandoverResult>;
