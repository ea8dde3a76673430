import { type Static, Type } from "typebox";
import { Nullable } from "../lib/schema.ts";
import { TicketStatusSchema } from "../tickets/ticket.schemas.ts";

// What the contact operations answer, declared once: the route's response schema (validation of
// the answer's shape, OpenAPI) and the service's type (Static).

export const ContactView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  company: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  createdAt: Type.String(),
});
export type ContactView = Static<typeof ContactView>;

export const ContactPage = Type.Object({
  items: Type.Array(ContactView),
  nextCursor: Nullable(Type.String()),
});
export type ContactPage = Static<typeof ContactPage>;

export const ContactDetail = Type.Object({
  ...ContactView.properties,
  erasedAt: Nullable(Type.String({ description: "When the contact was erased on request; null if not" })),
  tickets: Type.Array(
    Type.Object({
      reference: Type.String(),
      subject: Type.String(),
      status: TicketStatusSchema,
      createdAt: Type.String(),
      updatedAt: Type.String(),
    }),
  ),
});
export type ContactDetail = Static<typeof ContactDetail>;
