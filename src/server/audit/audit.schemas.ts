import { type Static, Type } from "typebox";
import { Nullable } from "../lib/schema.ts";

// What the audit log answers: the route's response schema and the service's type.

export const AuditEventView = Type.Object({
  id: Type.String(),
  at: Type.String({ format: "date-time" }),
  action: Type.String({ description: "A stable code, e.g. settings.branding, contact.erased" }),
  actor: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  summary: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown(), { description: "What changed; never a secret" }),
  ip: Nullable(Type.String()),
});
export type AuditEventView = Static<typeof AuditEventView>;

export const AuditPage = Type.Object({
  items: Type.Array(AuditEventView),
  nextCursor: Nullable(Type.String()),
});
export type AuditPage = Static<typeof AuditPage>;
