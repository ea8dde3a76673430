import { Type } from "typebox";
import { MAX_FILES_AGENT } from "../../../shared/files.ts";
import { MESSAGE_MAX, NAME_MAX, TICKET_PRIORITIES, TICKET_STATUSES } from "../../../shared/tickets.ts";
import { PASSWORD_MAX } from "../../auth/passwords.ts";
import { OUTBOX_STATES } from "../../email/outbox.service.ts";
import { Attachment, UploadKeys } from "../../files/file.schemas.ts";
import { Email, Line, Nullable, OneOf, StrictObject, Text } from "../shared/schema.ts";

// The agents' JSON API in schemas: what it answers, and the bodies it takes. The pages check
// their forms with the same bodies (tickets.pages.ts).

export const Status = OneOf(TICKET_STATUSES);
export const Priority = OneOf(TICKET_PRIORITIES);
export const Ref = Type.Object({ reference: Type.String({ maxLength: 20, examples: ["TKT-0042"] }) });
const Person = Type.Object({ id: Type.String(), name: Type.String() });

export const TicketSummary = Type.Object({
  reference: Type.String(),
  subject: Type.String(),
  type: Type.String(),
  status: Status,
  priority: Priority,
  channel: Type.String(),
  contact: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() }),
  assignee: Nullable(Person),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

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

export const TicketDetail = Type.Object({
  ...TicketSummary.properties,
  id: Type.String(),
  description: Type.String(),
  customerStatus: Status,
  resolution: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  followUpOf: Nullable(Type.String()),
  company: Nullable(Person),
  attachments: Type.Array(Attachment, { description: "Files sent with the ticket itself" }),
  conversation: Type.Array(ConversationEntry),
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), name: Nullable(Type.String()) }),
      data: Type.Record(Type.String(), Type.Unknown()),
      customerVisible: Type.Boolean({
        description: "Whether the customer may see this event in their own timeline",
      }),
      createdAt: Type.String({ format: "date-time" }),
    }),
  ),
  contactTickets: Type.Array(
    Type.Object({
      reference: Type.String(),
      subject: Type.String(),
      status: Status,
      createdAt: Type.String(),
    }),
  ),
});

export const Branding = Type.Object({
  name: Type.String(),
  slug: Type.String(),
  brandName: Nullable(Type.String()),
  logoUrl: Nullable(Type.String()),
  primaryColor: Nullable(Type.String()),
  supportEmail: Nullable(Type.String()),
  effective: Type.Object({
    brandName: Type.String(),
    logoUrl: Nullable(Type.String()),
    primaryColor: Type.String(),
    supportEmail: Nullable(Type.String()),
  }),
});

export const Contact = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  company: Nullable(Person),
  createdAt: Type.String(),
});

/** PATCH /tickets/{reference}; the ticket page's details form is checked by it too. */
export const TicketPatchBody = StrictObject({
  status: Type.Optional(Status),
  priority: Type.Optional(Priority),
  assigneeId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  resolution: Type.Optional(Text(MESSAGE_MAX)),
});

/** POST /tickets/{reference}/resolve, and the ticket page's resolve form. */
export const ResolveBody = StrictObject({ resolution: Text(MESSAGE_MAX) });

/** POST /tickets/{reference}/replies, and a reply from the ticket page. */
export const ReplyBody = StrictObject({
  body: Text(MESSAGE_MAX),
  status: Type.Optional(Status),
  attachments: UploadKeys(MAX_FILES_AGENT),
});

/** POST /tickets/{reference}/notes, and a note from the ticket page. */
export const NoteBody = StrictObject({ body: Text(MESSAGE_MAX), attachments: UploadKeys(MAX_FILES_AGENT) });

/** PATCH /settings/branding; null resets a field to its default. */
export const BrandingPatchBody = StrictObject({
  brandName: Type.Optional(Nullable(Line(80))),
  logoUrl: Type.Optional(Nullable(Type.String({ format: "uri", maxLength: 2000 }))),
  primaryColor: Type.Optional(
    Nullable(Type.String({ pattern: "^#[0-9a-fA-F]{6}$", "x-error": "must be a colour like #1a2b3c" })),
  ),
  supportEmail: Type.Optional(Nullable(Email())),
});

/** POST /agents. */
export const AddAgentBody = StrictObject({
  email: Email(),
  name: Line(NAME_MAX),
  role: Type.Union([Type.Literal("admin"), Type.Literal("agent")], { default: "agent" }),
  password: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: PASSWORD_MAX,
      description: "Left out: the agent gets an invitation email to choose one (valid 7 days).",
    }),
  ),
});

export const OutboxItemSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  status: OneOf(OUTBOX_STATES),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String({ format: "date-time" })),
  sentAt: Nullable(Type.String({ format: "date-time" })),
  createdAt: Type.String({ format: "date-time" }),
  ticket: Nullable(Type.String()),
});
