import { type Static, Type } from "typebox";
import { MAX_FILES_AGENT, MAX_FILES_CUSTOMER_REPLY, MAX_FILES_SUBMIT } from "../../shared/files.ts";
import {
  DESCRIPTION_MAX,
  MESSAGE_MAX,
  NAME_MAX,
  SUBJECT_MAX,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
} from "../../shared/tickets.ts";
import { Attachment, UploadKeys } from "../files/file.schemas.ts";
import { AnswersBody } from "../forms/form.schemas.ts";
import { VisitId } from "../kb/kb.schemas.ts";
import { Email, Key, Line, Nullable, OneOf, OptionalText, StrictObject, Text } from "../lib/schema.ts";
import { TicketSentiment } from "../sentiment/sentiment.schemas.ts";
import { TicketSlaSchema } from "../sla/sla.schemas.ts";

// What the ticket operations take and answer, declared once: each schema validates the route (and
// the portal's HTML forms), documents it in OpenAPI, and gives the services their type (Static).

export const TicketStatusSchema = OneOf(TICKET_STATUSES);
export const TicketPrioritySchema = OneOf(TICKET_PRIORITIES);
const Person = Type.Object({ id: Type.String(), name: Type.String() });

// --- the public portal (no account; the tracking token is the key) ------------------------------

const submitFields = {
  subject: Line(SUBJECT_MAX),
  description: Type.Optional(OptionalText(DESCRIPTION_MAX, "Up to 5,000 characters (code points)")),
  type: Type.Optional(OneOf(TICKET_TYPES)),
  attachments: UploadKeys(MAX_FILES_SUBMIT),
  kbVisitId: Type.Optional({
    ...VisitId,
    description: "The submit page's visit id, for the deflection rate",
  }),
  fields: Type.Optional({
    ...AnswersBody.properties.answers,
    description: "Answers to the extra fields of the request type's form, by field key",
  }),
};

/** A submission: a visitor's has name and email, a signed-in customer's needs neither. */
export const SubmitBody = StrictObject({
  name: Type.Optional(Line(NAME_MAX, "The customer's full name; required unless a customer is signed in")),
  email: Type.Optional(Email()),
  ...submitFields,
});
export type PortalSubmission = Static<typeof SubmitBody>;

/** A visitor's submission, checked before the route's own schema: every field at fault at once. */
export const VisitorSubmitBody = StrictObject({
  name: Line(NAME_MAX, "The customer's full name"),
  email: Email(),
  ...submitFields,
});

export const SubmitResult = Type.Object({
  reference: Type.String({ examples: ["TKT-0042"] }),
  trackingUrl: Nullable(
    Type.String({
      description:
        "The private tracking link. null when answering a repeated submission (same Idempotency-Key and body): a link is handed out once, and the one sent by email opens the request",
    }),
  ),
  status: TicketStatusSchema,
  createdAt: Type.String({ format: "date-time" }),
  trackingLinkSentByEmail: Type.Optional(
    Type.Literal(true, {
      description: "Present on a repeated submission: the tracking link went to the request's email address",
    }),
  ),
});
export type SubmitResult = Static<typeof SubmitResult>;

export const PublicMessage = Type.Object({
  id: Type.String(),
  author: Type.Object({
    type: Type.Union([Type.Literal("agent"), Type.Literal("contact")]),
    name: Type.String(),
  }),
  body: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  attachments: Type.Array(Attachment),
});
export type PublicMessage = Static<typeof PublicMessage>;

/** Where a page of a conversation stands: whether older messages are left, and how to ask for them. */
export const ConversationPageFields = {
  hasOlder: Type.Boolean({ description: "Older messages than these exist: ask with before=nextBefore" }),
  nextBefore: Nullable(
    Type.String({
      description: "With hasOlder, the oldest message's id here: the `before` of the next page",
    }),
  ),
};

export const TrackingView = Type.Object({
  reference: Type.String(),
  subject: Type.String(),
  description: Type.String(),
  type: Type.String(),
  status: TicketStatusSchema,
  statusLabel: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  contact: Type.Object({ name: Type.String() }),
  attachments: Type.Array(Attachment, { description: "Files sent with the request itself" }),
  conversation: Type.Array(PublicMessage, {
    description:
      "The newest public messages (at most `limit`, 50 unless asked), oldest first; with `before`, those just older than that message",
  }),
  ...ConversationPageFields,
  resolution: Nullable(
    Type.Object({
      details: Nullable(Type.String()),
      resolvedAt: Type.String({ format: "date-time" }),
    }),
  ),
});
export type TrackingView = Static<typeof TrackingView>;

/** A conversation's page size when none is asked for, and the most one page holds. */
export const CONVERSATION_PAGE = 50;
const CONVERSATION_PAGE_MAX = 100;

/** Which page of a conversation: the newest messages, or those older than a message. */
export const ConversationQuery = {
  before: Type.Optional(
    Type.String({
      maxLength: 64,
      description: "A message id (an earlier answer's nextBefore): the messages just older than it",
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: CONVERSATION_PAGE_MAX,
      default: CONVERSATION_PAGE,
      description: "How many messages at most",
    }),
  ),
};

/** How many messages an agent's ticket shows when none is asked for, and the most one page holds. */
export const AGENT_CONVERSATION_PAGE = 100;
const AGENT_CONVERSATION_PAGE_MAX = 200;

/** Which page of a ticket's conversation an agent reads (notes included). */
export const AgentConversationQuery = Type.Object({
  before: ConversationQuery.before,
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: AGENT_CONVERSATION_PAGE_MAX,
      default: AGENT_CONVERSATION_PAGE,
      description: "How many messages at most",
    }),
  ),
});

export const CustomerReplyBody = StrictObject({
  body: Text(MESSAGE_MAX),
  attachments: UploadKeys(MAX_FILES_CUSTOMER_REPLY),
});

/** A reply on an open ticket is a message on it; on a Closed one it starts a follow-up ticket. */
export const CustomerReplyResult = Type.Union([
  Type.Object({ kind: Type.Literal("comment"), message: PublicMessage, status: TicketStatusSchema }),
  Type.Object({
    kind: Type.Literal("follow_up"),
    reference: Type.String(),
    trackingUrl: Type.String(),
  }),
]);
export type CustomerReplyResult = Static<typeof CustomerReplyResult>;

// --- the agents' workspace ------------------------------------------------------------------------

export const TicketSummary = Type.Object({
  reference: Type.String(),
  subject: Type.String(),
  type: Type.String(),
  status: TicketStatusSchema,
  priority: TicketPrioritySchema,
  channel: Type.String(),
  contact: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() }),
  assignee: Nullable(Person),
  company: Nullable(Person),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  sentiment: Type.Optional(TicketSentiment),
  unread: Type.Optional(
    Type.Boolean({ description: "The customer wrote since the signed-in agent last opened it (faster.ts)" }),
  ),
  waitingForUs: Type.Optional(Type.Boolean({ description: "The customer wrote the last public message" })),
  nextDueAt: Type.Optional(
    Nullable(
      Type.String({ description: "The earliest pending SLA deadline; null: none, or paused while Waiting" }),
    ),
  ),
});
export type TicketSummary = Static<typeof TicketSummary>;

export const QueuePage = Type.Object({
  items: Type.Array(TicketSummary),
  nextCursor: Nullable(Type.String()),
});
export type QueuePage = Static<typeof QueuePage>;

export const ConversationEntry = Type.Object({
  id: Type.String(),
  internal: Type.Boolean({ description: "true for an internal note, which the customer never sees" }),
  author: Type.Object({
    type: Type.Union([Type.Literal("agent"), Type.Literal("contact"), Type.Literal("system")]),
    id: Nullable(Type.String()),
    name: Type.String(),
  }),
  body: Type.String(),
  channel: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  attachments: Type.Array(Attachment),
});
export type ConversationEntry = Static<typeof ConversationEntry>;

export const TicketEventView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), name: Nullable(Type.String()) }),
  data: Type.Record(Type.String(), Type.Unknown()),
  customerVisible: Type.Boolean({
    description: "Whether the customer may see this event in their own timeline",
  }),
  createdAt: Type.String({ format: "date-time" }),
});
export type TicketEventView = Static<typeof TicketEventView>;

export const TicketDetail = Type.Object({
  ...TicketSummary.properties,
  id: Type.String(),
  description: Type.String(),
  customerStatus: TicketStatusSchema,
  resolution: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  followUpOf: Nullable(Type.String()),
  teamId: Nullable(Type.String({ description: "The team the ticket belongs to" })),
  language: Nullable(
    Type.String({
      description:
        "The language the customer reads (en, de, fr): their own choice, else the one the ticket was written in; null when unknown (a ticket from email)",
    }),
  ),
  attachments: Type.Array(Attachment, { description: "Files sent with the ticket itself" }),
  latestCustomerMessage: Nullable(
    Type.String({
      description:
        "The id of the customer's newest message, on this page or not: a reply that sends it back as seenMessage is refused (409 newer_message) if the customer wrote again since",
    }),
  ),
  hasOlder: Type.Boolean({ description: "Older messages than these exist: ask with before=nextBefore" }),
  nextBefore: Nullable(
    Type.String({
      description: "With hasOlder, the oldest message's id here: the `before` of the next page",
    }),
  ),
  conversation: Type.Array(ConversationEntry, {
    description: "The newest messages (100 unless `limit` says), or those older than `before`; oldest first",
  }),
  events: Type.Array(TicketEventView, {
    description:
      "The history of the same stretch of time as the messages (all of it when no older ones are left)",
  }),
  contactTickets: Type.Array(
    Type.Object({
      reference: Type.String(),
      subject: Type.String(),
      status: TicketStatusSchema,
      createdAt: Type.String(),
    }),
  ),
  satisfaction: Nullable(
    Type.Object(
      {
        score: Type.Integer({ minimum: 1, maximum: 5 }),
        comment: Nullable(Type.String()),
        answeredAt: Type.String(),
      },
      { description: "The customer's CSAT rating of this ticket, once answered" },
    ),
  ),
  stillFixed: Nullable(
    Type.Object(
      {
        answer: Type.Union([Type.Literal("yes"), Type.Literal("no")]),
        comment: Nullable(Type.String()),
        answeredAt: Type.String(),
      },
      { description: 'The newest answer to "Still fixed?" after a resolution' },
    ),
  ),
  sla: Type.Optional(Nullable(TicketSlaSchema)),
});
export type TicketDetail = Static<typeof TicketDetail>;

/** A change of status, priority or assignee; the resolution is kept when the change resolves. */
export const TicketPatch = StrictObject({
  status: Type.Optional(TicketStatusSchema),
  priority: Type.Optional(TicketPrioritySchema),
  assigneeId: Type.Optional(Nullable(Key(64))),
  resolution: Type.Optional(Text(MESSAGE_MAX)),
  teamId: Type.Optional(Nullable(Key(64, { description: "The ticket's team (routing); null: none" }))),
});
export type TicketPatch = Static<typeof TicketPatch>;

export const ResolveBody = StrictObject({ resolution: Text(MESSAGE_MAX) });

export const AgentReplyBody = StrictObject({
  body: Text(MESSAGE_MAX),
  status: Type.Optional(TicketStatusSchema),
  attachments: UploadKeys(MAX_FILES_AGENT),
  seenMessage: Type.Optional(
    Key(64, {
      description:
        'The newest customer message the writer saw ("" for none): a newer one answers 409 newer_message',
    }),
  ),
  sendAnyway: Type.Optional(
    Type.Boolean({ description: "Send even though a newer customer message arrived" }),
  ),
});
export type AgentReply = Static<typeof AgentReplyBody>;

export const NoteBody = StrictObject({ body: Text(MESSAGE_MAX), attachments: UploadKeys(MAX_FILES_AGENT) });
export type Note = Static<typeof NoteBody>;

/** What a reply or a note answers: the new entry and the ticket as it now is. */
export const CommentResult = Type.Object({ entry: ConversationEntry, ticket: TicketDetail });
export type CommentResult = Static<typeof CommentResult>;
