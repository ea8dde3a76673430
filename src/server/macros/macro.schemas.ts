import { type Static, Type } from "typebox";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../shared/tickets.ts";
import { Key, Line, Nullable, OneOf, StrictObject, Text } from "../lib/schema.ts";

// Macros' request and response shapes: one set of rules for the JSON API and the page's form.

export const MACRO_NAME_MAX = 120;
export const MACRO_BODY_MAX = 10_000;

/** The placeholders a macro's text may hold, each filled on the server when the macro is used. */
export const PLACEHOLDERS = [
  "customer.name",
  "customer.first_name",
  "ticket.reference",
  "ticket.subject",
  "agent.name",
] as const;

export const MacroInput = StrictObject({
  name: Line(MACRO_NAME_MAX),
  body: Text(MACRO_BODY_MAX, `Plain text; ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")} are filled in`),
  shared: Type.Optional(
    Type.Boolean({ description: "Shared with every agent of the workspace; else yours alone" }),
  ),
  setStatus: Type.Optional(Nullable(OneOf(TICKET_STATUSES, "The ticket's status once the reply is sent"))),
  setPriority: Type.Optional(
    Nullable(OneOf(TICKET_PRIORITIES, "The ticket's priority once the reply is sent")),
  ),
});
export type MacroInputT = Static<typeof MacroInput>;

export const MacroPatch = StrictObject({
  name: Type.Optional(Line(MACRO_NAME_MAX)),
  body: Type.Optional(Text(MACRO_BODY_MAX)),
  shared: Type.Optional(Type.Boolean()),
  setStatus: Type.Optional(Nullable(OneOf(TICKET_STATUSES))),
  setPriority: Type.Optional(Nullable(OneOf(TICKET_PRIORITIES))),
});
export type MacroPatchT = Static<typeof MacroPatch>;

export const Macro = Type.Object({
  id: Type.String(),
  name: Type.String(),
  body: Type.String(),
  shared: Type.Boolean(),
  mine: Type.Boolean({ description: "Written by the caller" }),
  editable: Type.Boolean({ description: "The caller may change or delete it" }),
  setStatus: Nullable(OneOf(TICKET_STATUSES)),
  setPriority: Nullable(OneOf(TICKET_PRIORITIES)),
  updatedAt: Type.String({ format: "date-time" }),
});
export type MacroView = Static<typeof Macro>;

export const MacroRenderInput = StrictObject({
  reference: Key(20, { description: "The ticket, e.g. TKT-0042" }),
});

export const RenderedMacro = Type.Object({
  text: Type.String({ description: "The macro's text with its placeholders filled for this ticket" }),
  setStatus: Nullable(OneOf(TICKET_STATUSES)),
  setPriority: Nullable(OneOf(TICKET_PRIORITIES)),
});
export type RenderedMacroT = Static<typeof RenderedMacro>;
