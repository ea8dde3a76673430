import { type Static, Type } from "typebox";
import { PortalDocumentsSummary } from "../documents/document.schemas.ts";
import { Attachment } from "../files/file.schemas.ts";
import { FormDue } from "../forms/form.schemas.ts";
import { Key, Nullable, OneOf } from "../lib/schema.ts";
import { PortalOnboardingSummary } from "../onboarding/onboarding.schemas.ts";
import { ConversationPageFields, PublicMessage, TicketStatusSchema } from "./ticket.schemas.ts";

// What the signed-in portal's customers read and send (customer-portal.ts): the home, the list
// of requests, one request, the colleagues to copy in. Never an internal field: no internal note,
// no internal event, no priority, the status as the customer sees it (the portal override).

export const PORTAL_STATUS_FILTERS = ["open", "resolved", "all"] as const;
export const PORTAL_WHOSE_FILTERS = ["mine", "company"] as const;
export type PortalStatusFilter = (typeof PORTAL_STATUS_FILTERS)[number];
export type PortalWhoseFilter = (typeof PORTAL_WHOSE_FILTERS)[number];

export const PortalListQuery = Type.Object({
  status: Type.Optional(
    OneOf(PORTAL_STATUS_FILTERS, "open (the default): not yet resolved; resolved: resolved or closed; all"),
  ),
  whose: Type.Optional(
    OneOf(
      PORTAL_WHOSE_FILTERS,
      "mine: the requests they opened; company: their company's they may see. Left out: both",
    ),
  ),
  cursor: Type.Optional(Key(400, { description: "nextCursor of the previous page" })),
});
export type PortalListQuery = Static<typeof PortalListQuery>;

export const PortalTicketSummary = Type.Object({
  reference: Type.String({ examples: ["TKT-0042"] }),
  subject: Type.String(),
  status: TicketStatusSchema,
  statusLabel: Type.String(),
  mine: Type.Boolean({ description: "Opened by the signed-in customer" }),
  contact: Type.Object({ name: Type.String() }, { description: "Who opened it" }),
  createdAt: Type.String({ format: "date-time" }),
  lastActivityAt: Type.String({ format: "date-time" }),
});
export type PortalTicketSummary = Static<typeof PortalTicketSummary>;

export const PortalTicketList = Type.Object({
  items: Type.Array(PortalTicketSummary),
  nextCursor: Nullable(Type.String()),
});
export type PortalTicketList = Static<typeof PortalTicketList>;

export const PORTAL_ACTIVITY_KINDS = [
  "submitted",
  "replied",
  "status_changed",
  "resolved",
  "plan_applied",
  "task_started",
  "task_completed",
  "form_submitted",
  "document_uploaded",
  "document_published",
] as const;
export type PortalActivityKind = (typeof PORTAL_ACTIVITY_KINDS)[number];

export const PortalActivity = Type.Object({
  id: Type.String(),
  kind: OneOf(PORTAL_ACTIVITY_KINDS),
  reference: Nullable(Type.String({ description: "The request's reference, for a request's events" })),
  subject: Type.String({ description: "The request's subject, the task's, plan's or document's title" }),
  target: OneOf(["request", "plan", "task", "document"] as const, "What the event is about"),
  targetId: Nullable(Type.String({ description: "The task's or document's id (requests go by reference)" })),
  who: Type.String({ description: "“You”, a colleague's or the agent's name, or “Support team”" }),
  at: Type.String({ format: "date-time" }),
});
export type PortalActivity = Static<typeof PortalActivity>;

export const PortalHome = Type.Object({
  open: Type.Array(PortalTicketSummary, { description: "Requests not yet resolved, recently active first" }),
  activity: Type.Array(PortalActivity, { description: "The latest customer-visible events, newest first" }),
  onboarding: PortalOnboardingSummary,
  formsDue: Type.Array(FormDue, { description: "Forms asked of the customer, soonest due first" }),
  documents: PortalDocumentsSummary,
});
export type PortalHome = Static<typeof PortalHome>;

const Named = Type.Object({ id: Type.String(), name: Type.String() });

export const PortalTicket = Type.Object({
  reference: Type.String(),
  subject: Type.String(),
  description: Type.String(),
  type: Type.String(),
  status: TicketStatusSchema,
  statusLabel: Type.String(),
  mine: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
  lastActivityAt: Type.String({ format: "date-time" }),
  contact: Type.Object({ name: Type.String() }),
  assignee: Nullable(
    Type.Object(
      { name: Type.String() },
      { description: "Shown only where the workspace chooses to show assignees" },
    ),
  ),
  attachments: Type.Array(Attachment, { description: "Files sent with the request itself" }),
  conversation: Type.Array(PublicMessage, {
    description:
      "The newest public messages (at most `limit`, 50 unless asked), oldest first; with `before`, those just older than that message",
  }),
  ...ConversationPageFields,
  resolution: Nullable(
    Type.Object({ details: Nullable(Type.String()), resolvedAt: Type.String({ format: "date-time" }) }),
  ),
  ccs: Type.Array(Named, { description: "Colleagues copied in" }),
  canCopyIn: Type.Boolean({ description: "Whether this customer may copy colleagues in on it" }),
  canClose: Type.Boolean({ description: "Whether “This is solved” is offered" }),
});
export type PortalTicket = Static<typeof PortalTicket>;

export const PortalReplyResult = Type.Union([
  Type.Object({ kind: Type.Literal("comment"), message: PublicMessage, status: TicketStatusSchema }),
  Type.Object({
    kind: Type.Literal("follow_up"),
    reference: Type.String({ description: "The new request the message opened (the old one was closed)" }),
  }),
]);
export type PortalReplyResult = Static<typeof PortalReplyResult>;

export const Colleague = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() });
export type Colleague = Static<typeof Colleague>;
