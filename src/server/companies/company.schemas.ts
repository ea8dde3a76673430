import { type Static, Type } from "typebox";
import { Key, Line, Nullable, OneOf, OptionalText, StrictObject } from "../lib/schema.ts";
import { TicketStatusSchema } from "../tickets/ticket.schemas.ts";
import { CompanyTimelineEntry } from "./company.timeline.ts";

// What the company operations take and answer, declared once: the routes' bodies and answers
// (validation, OpenAPI), the pages' form checks and the services' types.

export const COMPANY_NAME_MAX = 200;
export const COMPANY_NOTES_MAX = 10_000;
export const PROPERTY_VALUE_MAX = 2_000;
export const PROPERTIES_MAX = 50;
const PROPERTY_KEY = "^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$";

/** A domain as stored: lower case, labels of letters, digits and hyphens, a top-level name of letters. */
export const DOMAIN_PATTERN =
  "^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$";

export const CompanyName = Line(COMPANY_NAME_MAX, "The company's name");
export const CompanyNotes = OptionalText(
  COMPANY_NOTES_MAX,
  "Internal notes: agents only, never shown to a customer",
);

/** Custom properties: text values by name (filled by forms). */
export const CompanyProperties = Type.Unsafe<Record<string, string>>({
  type: "object",
  patternProperties: { [PROPERTY_KEY]: OptionalText(PROPERTY_VALUE_MAX) },
  additionalProperties: false,
  maxProperties: PROPERTIES_MAX,
  description: `Custom properties: up to ${PROPERTIES_MAX} names (letters, digits, space, _ . -) with text values`,
});

export const DomainName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: "^[!-~]+$",
  "x-error": "must be a domain like example.com",
  description: "An email domain such as example.com (lower-cased when saved)",
});

export const CreateCompanyBody = StrictObject({
  name: CompanyName,
  notes: Type.Optional(CompanyNotes),
});
export type CreateCompany = Static<typeof CreateCompanyBody>;

export const CompanyPatch = StrictObject({
  name: Type.Optional(CompanyName),
  notes: Type.Optional(CompanyNotes),
  properties: Type.Optional(CompanyProperties),
});
export type CompanyPatch = Static<typeof CompanyPatch>;

export const AddDomainBody = StrictObject({
  domain: DomainName,
  autoJoin: Type.Optional(
    Type.Boolean({
      description: "Whether a new contact whose verified email is on this domain joins the company",
    }),
  ),
});
export type AddDomain = Static<typeof AddDomainBody>;

export const DomainPatch = StrictObject({ autoJoin: Type.Boolean() });

export const SetContactCompanyBody = StrictObject({
  companyId: Nullable(Key(64, { description: "The company's id; null for none" })),
});

export const CompanyListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: "Part of a name or domain" })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  },
  { additionalProperties: false },
);

export const CompanyDomain = Type.Object({
  domain: Type.String(),
  autoJoin: Type.Boolean(),
  createdAt: Type.String(),
});
export type CompanyDomain = Static<typeof CompanyDomain>;

export const CompanySummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domains: Type.Array(CompanyDomain),
  contactCount: Type.Integer(),
  openTicketCount: Type.Integer({ description: "Tickets not yet resolved or closed" }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type CompanySummary = Static<typeof CompanySummary>;

export const CompanyPage = Type.Object({
  items: Type.Array(CompanySummary),
  nextCursor: Nullable(Type.String()),
});
export type CompanyPage = Static<typeof CompanyPage>;

export const PortalAccessSchema = OneOf(
  ["none", "own", "company"] as const,
  "none, own requests, or everything of the company (its manager)",
);

export const CompanyDetail = Type.Object({
  ...CompanySummary.properties,
  notes: Type.String({ description: "Internal notes: agents only" }),
  properties: Type.Record(Type.String(), Type.String()),
  contacts: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      email: Type.String(),
      portalAccess: PortalAccessSchema,
    }),
  ),
  tickets: Type.Array(
    Type.Object({
      reference: Type.String(),
      subject: Type.String(),
      status: TicketStatusSchema,
      contact: Type.Object({ id: Type.String(), name: Type.String() }),
      updatedAt: Type.String(),
    }),
  ),
  activity: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      ticket: Type.Object({ reference: Type.String(), subject: Type.String() }),
      actor: Type.Object({ type: Type.String(), name: Nullable(Type.String()) }),
      data: Type.Record(Type.String(), Type.Unknown()),
      createdAt: Type.String(),
    }),
    { description: "Recent customer-visible events of the company's tickets, newest first" },
  ),
  work: Type.Array(CompanyTimelineEntry, {
    description: "Recent events of the company's onboarding, forms and documents, newest first",
  }),
  contactsWithoutCompany: Type.Integer({
    description: "Contacts on this company's domains who belong to no company",
  }),
});
export type CompanyDetail = Static<typeof CompanyDetail>;

export const CompanyOption = Type.Object({ id: Type.String(), name: Type.String() });
export type CompanyOption = Static<typeof CompanyOption>;
