import { type Static, Type } from "typebox";
import { TICKET_TYPES } from "../../shared/tickets.ts";
import { Key, Line, Nullable, OneOf, StrictObject } from "../lib/schema.ts";
import { ASSIGNMENT_MODES } from "./assignment-settings.ts";
import { AVAILABILITIES, CAPACITY_MAX } from "./availability.ts";
import { TEAM_NAME_MAX } from "./teams.ts";

// Routing's bodies and answers: the assignment settings, teams, availability and capacity.

const Mode = OneOf(
  ASSIGNMENT_MODES,
  "manual: by hand; round_robin: each available agent in turn; least_open: the available agent with the fewest open tickets",
);
const TeamsByType = Type.Record(Type.String(), Type.String(), {
  description: `Ticket type (${TICKET_TYPES.join(", ")}) → team id: a new ticket of that type belongs to that team and is assigned among its members`,
});

export const AssignmentSettings = Type.Object({ mode: Mode, teamsByType: TeamsByType });
export const AssignmentPatchBody = StrictObject({
  mode: Type.Optional(Mode),
  teamsByType: Type.Optional(
    Type.Record(Type.String({ maxLength: 40 }), Nullable(Key(64)), {
      description: "Ticket type → team id; null takes the type out of its team",
    }),
  ),
});
export type AssignmentPatchBody = Static<typeof AssignmentPatchBody>;

export const Team = Type.Object({
  id: Type.String(),
  name: Type.String(),
  memberIds: Type.Array(Type.String()),
});
export const TeamList = Type.Object({ items: Type.Array(Team) });
const MemberIds = Type.Array(Key(64), {
  maxItems: 500,
  description: "The team's agents (replaces the list)",
});
export const NewTeamBody = StrictObject({ name: Line(TEAM_NAME_MAX), memberIds: Type.Optional(MemberIds) });
export const TeamPatchBody = StrictObject({
  name: Type.Optional(Line(TEAM_NAME_MAX)),
  memberIds: Type.Optional(MemberIds),
});

export const Availability = Type.Object({
  availability: OneOf(AVAILABILITIES),
  capacity: Nullable(Type.Integer()),
  handedBack: Type.Array(Type.String(), { description: "The tickets handed back (and assigned again)" }),
});
export const AvailabilityBody = StrictObject({
  availability: OneOf(AVAILABILITIES, "online: takes new tickets; away: gets none"),
  handBack: Type.Optional(
    Type.Boolean({
      description: "Going away: unassign my open tickets and run them through auto-assignment again",
    }),
  ),
});
export const CapacityBody = StrictObject({
  capacity: Nullable(
    Type.Integer({
      minimum: 0,
      maximum: CAPACITY_MAX,
      description: "Most open tickets assigned at once; null: no limit",
      "x-error": `must be a whole number from 0 to ${CAPACITY_MAX}, or null`,
    }),
  ),
});
export const Capacity = Type.Object({ id: Type.String(), capacity: Nullable(Type.Integer()) });
