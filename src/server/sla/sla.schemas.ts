import { type Static, Type } from "typebox";
import { TICKET_PRIORITIES, TICKET_TYPES } from "../../shared/tickets.ts";
import { Key, Line, Nullable, OneOf, StrictObject } from "../lib/schema.ts";

// Settings → SLAs as the JSON API and the page take and give them: the policies, the holidays,
// whether customers see the expected response time; the workspace's clock is read here and
// changed in Settings → Surveys.

const minutes = (description: string) =>
  Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 525_600,
      description: `${description}, in minutes (null: no target)`,
      "x-error": "must be a whole number of minutes from 1 to 525600, or empty",
    }),
  );

export const SlaPolicyInput = StrictObject({
  id: Type.Optional(Key(64, { description: "An existing policy's id: it is changed, not added" })),
  name: Line(80, "What agents call it"),
  priority: OneOf(TICKET_PRIORITIES, "The tickets' priority it applies to"),
  ticketType: Nullable(OneOf(TICKET_TYPES, "Only tickets of this type (null: any)")),
  companyId: Nullable(Key(64, { description: "Only this company's tickets (null: any)" })),
  firstResponseMinutes: minutes("First response"),
  nextResponseMinutes: minutes("Each next response after a customer's message"),
  resolutionMinutes: minutes("Resolution"),
  clock: OneOf(["business", "calendar"] as const, "Counted in business hours or around the clock"),
});
export type SlaPolicyInput = Static<typeof SlaPolicyInput>;

export const HolidayInput = StrictObject({
  day: Type.String({
    pattern: "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$",
    description: "YYYY-MM-DD, in the workspace's time zone",
    "x-error": "must be a date as YYYY-MM-DD",
  }),
  name: Line(80, "The holiday's name"),
});
export type HolidayInput = Static<typeof HolidayInput>;

export const SlaSettingsBody = StrictObject({
  policies: Type.Array(SlaPolicyInput, {
    maxItems: 100,
    description: "Every policy: those left out are removed",
  }),
  holidays: Type.Array(HolidayInput, {
    maxItems: 400,
    description: "Every holiday: those left out are removed",
  }),
  showResponseTime: Type.Boolean({
    description: "Customers see the expected response time of their request",
  }),
});
export type SlaSettingsBody = Static<typeof SlaSettingsBody>;

export const SlaSettingsSchema = Type.Object({
  policies: Type.Array(
    Type.Object({
      ...SlaPolicyInput.properties,
      id: Type.String(),
      ticketType: Nullable(Type.String()),
    }),
  ),
  holidays: Type.Array(Type.Object({ day: Type.String(), name: Type.String() })),
  showResponseTime: Type.Boolean(),
  timeZone: Type.String({ description: "The workspace's zone (Settings → Surveys changes it)" }),
  businessHours: Type.Object({
    days: Type.Array(Type.Integer()),
    open: Type.String(),
    close: Type.String(),
  }),
});
export type SlaSettings = Static<typeof SlaSettingsSchema>;

/** A ticket's SLA as the agents' ticket page and API show it. */
export const TicketSlaSchema = Type.Object({
  policy: Type.Object({ id: Type.String(), name: Type.String() }),
  pausedAt: Nullable(Type.String({ description: "Waiting on the customer since; the clock is stopped" })),
  targets: Type.Array(
    Type.Object({
      kind: OneOf(["first_response", "next_response", "resolution"] as const),
      label: Type.String(),
      dueAt: Nullable(Type.String({ description: "Pending due; null when met or not running" })),
      warnAt: Nullable(Type.String({ description: "When it is shown as due soon" })),
      breachedAt: Nullable(Type.String()),
      minutes: Nullable(Type.Integer({ description: "The policy's target" })),
    }),
  ),
});
export type TicketSla = Static<typeof TicketSlaSchema>;
