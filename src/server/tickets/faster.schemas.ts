import { type Static, Type } from "typebox";
import { Key, Nullable, StrictObject } from "../lib/schema.ts";
import { TicketPrioritySchema, TicketStatusSchema } from "./ticket.schemas.ts";

// Working faster: bulk changes, merging two tickets, and the queue's views with their counts.

export const BULK_MAX = 100;

const Reference = Type.String({ maxLength: 20, pattern: "^[A-Za-z0-9-]+$", examples: ["TKT-0042"] });

export const BulkBody = StrictObject({
  references: Type.Array(Reference, { minItems: 1, maxItems: BULK_MAX, uniqueItems: true }),
  action: Type.Union([
    StrictObject({ kind: Type.Literal("assign"), assigneeId: Nullable(Key(64)) }),
    StrictObject({ kind: Type.Literal("status"), status: TicketStatusSchema }),
    StrictObject({ kind: Type.Literal("priority"), priority: TicketPrioritySchema }),
    StrictObject(
      { kind: Type.Literal("merge"), into: Reference },
      "Merges every listed ticket into this one (same customer only)",
    ),
  ]),
});
export type BulkBody = Static<typeof BulkBody>;
export type BulkAction = BulkBody["action"];

export const BulkItemResult = Type.Object({
  reference: Type.String(),
  ok: Type.Boolean(),
  code: Type.Optional(Type.String({ description: "Why this one failed: the error's stable code" })),
  message: Type.Optional(Type.String()),
});
export type BulkItemResult = Static<typeof BulkItemResult>;

export const BulkResult = Type.Object({
  results: Type.Array(BulkItemResult),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
});
export type BulkResult = Static<typeof BulkResult>;

export const MergeBody = StrictObject({ into: Reference });

export const MergeResult = Type.Object({
  source: Type.String({ description: "The merged ticket, now closed" }),
  target: Type.String({ description: "The ticket it went into" }),
  moved: Type.Object({ comments: Type.Integer(), attachments: Type.Integer(), events: Type.Integer() }),
});
export type MergeResult = Static<typeof MergeResult>;

export const QueueView = Type.Object({
  key: Type.String(),
  label: Type.String(),
  href: Type.String({ description: "The queue's address for this view" }),
  count: Type.Integer(),
});
export type QueueView = Static<typeof QueueView>;

export const QueueViews = Type.Object({ views: Type.Array(QueueView) });
export type QueueViews = Static<typeof QueueViews>;
