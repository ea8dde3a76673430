import { type Static, Type } from "typebox";
import { Nullable, OneOf } from "../lib/schema.ts";

// What the onboarding operations take and answer, declared once (routes, OpenAPI, services).
// Customer shapes carry the portal side of a task only.

export const TASK_PORTAL_STATUSES = ["not_started", "in_progress", "waiting_on_you", "complete"] as const;
export const TASK_PORTAL_STATUS_LABELS: Record<(typeof TASK_PORTAL_STATUSES)[number], string> = {
  not_started: "Not started",
  in_progress: "In progress",
  waiting_on_you: "Waiting on you",
  complete: "Complete",
};

/** A task as a customer sees it. */
export const PortalTaskSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  portalStatus: OneOf(TASK_PORTAL_STATUSES),
  statusLabel: Type.String(),
  /** Who acts: the customer ("customer") or the team ("team"). */
  actor: OneOf(["team", "customer"] as const),
  dueAt: Nullable(Type.String({ format: "date-time" })),
  overdue: Type.Boolean(),
  /** The form the task asks for, when it has one. */
  formName: Nullable(Type.String()),
});
export type PortalTaskSummary = Static<typeof PortalTaskSummary>;

/** The portal home's onboarding section: the active plan's progress, what is next, what is due from them. */
export const PortalOnboardingSummary = Type.Object({
  plan: Nullable(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      done: Type.Integer(),
      total: Type.Integer(),
    }),
  ),
  next: Type.Array(PortalTaskSummary, { description: "The next tasks not yet complete, in plan order" }),
  dueFromYou: Type.Array(PortalTaskSummary, {
    description: "The customer's own tasks not yet complete, soonest due first",
  }),
});
export type PortalOnboardingSummary = Static<typeof PortalOnboardingSummary>;
