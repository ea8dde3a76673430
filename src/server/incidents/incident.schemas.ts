import { type Static, Type } from "typebox";
import { Key, Line, Nullable, OneOf, StrictObject, Text } from "../lib/schema.ts";

// Incidents' bodies and answers (the workspace API and the app's forms check the same).

export const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const OPEN_INCIDENT_STATUSES = ["investigating", "identified", "monitoring"] as const;

export const INCIDENT_TITLE_MAX = 200;
export const INCIDENT_MESSAGE_MAX = 2000;
export const PRODUCT_MAX = 60;
export const PRODUCTS_MAX = 10;
export const COMPANIES_MAX = 50;

const Products = Type.Array(Line(PRODUCT_MAX, "A product's name"), {
  maxItems: PRODUCTS_MAX,
  description: "Affected products, shown to customers",
});
const CompanyIds = Type.Array(Key(64), {
  maxItems: COMPANIES_MAX,
  description: "The companies it concerns; none: every customer",
});

export const NewIncidentBody = StrictObject({
  title: Line(INCIDENT_TITLE_MAX, "For the team"),
  message: Text(INCIDENT_MESSAGE_MAX, "What customers read in the portal's banner"),
  status: Type.Optional(OneOf(OPEN_INCIDENT_STATUSES, "investigating unless given")),
  products: Type.Optional(Products),
  companyIds: Type.Optional(CompanyIds),
});
export type NewIncident = Static<typeof NewIncidentBody>;

export const IncidentPatchBody = StrictObject({
  title: Type.Optional(Line(INCIDENT_TITLE_MAX)),
  message: Type.Optional(Text(INCIDENT_MESSAGE_MAX)),
  status: Type.Optional(OneOf(OPEN_INCIDENT_STATUSES, "An update; resolving is its own call")),
  products: Type.Optional(Products),
  companyIds: Type.Optional(CompanyIds),
});
export type IncidentPatch = Static<typeof IncidentPatchBody>;

export const ResolveIncidentBody = StrictObject({
  message: Type.Optional(Text(INCIDENT_MESSAGE_MAX, "The last word to customers, in the email too")),
  resolveTickets: Type.Optional(
    Type.Boolean({ description: "Also resolve the linked tickets still open (no email of their own)" }),
  ),
});
export type ResolveIncident = Static<typeof ResolveIncidentBody>;

export const LinkTicketBody = StrictObject({
  reference: Key(20, { minLength: 1, description: "A ticket reference, e.g. TKT-0042" }),
});

export const IncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  message: Type.String(),
  status: OneOf(INCIDENT_STATUSES),
  products: Type.Array(Type.String()),
  companies: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      source: OneOf(["declared", "reported"] as const, "Chosen by an agent, or said by its contacts"),
    }),
  ),
  everyone: Type.Boolean({ description: "Declared for no company: every customer sees it" }),
  tickets: Type.Array(
    Type.Object({ reference: Type.String(), subject: Type.String(), status: Type.String() }),
  ),
  affectedContacts: Type.Integer({ description: "Contacts who said it affects them too" }),
  toTell: Type.Integer({ description: "Contacts not yet told of its resolution" }),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  resolvedAt: Nullable(Type.String({ format: "date-time" })),
});
export type IncidentView = Static<typeof IncidentSchema>;

export const IncidentSummarySchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: OneOf(INCIDENT_STATUSES),
  products: Type.Array(Type.String()),
  everyone: Type.Boolean(),
  tickets: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  resolvedAt: Nullable(Type.String({ format: "date-time" })),
});
export type IncidentSummary = Static<typeof IncidentSummarySchema>;

/** What the portal's banner shows one customer. */
export interface BannerIncident {
  id: string;
  title: string;
  message: string;
  status: IncidentStatus;
  products: string[];
  updatedAt: string;
  /** The reader said it affects them, or a ticket of theirs is linked: "we'll tell you". */
  joined: boolean;
}
