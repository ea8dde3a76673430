import { type Static, Type } from "typebox";
import { Key, Line, Nullable, OneOf, OptionalText, StrictObject } from "../lib/schema.ts";

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

// ---- The team's side: templates, plans, tasks (agents only) ----

export const TASK_STATUSES = ["todo", "in_progress", "review", "blocked", "done"] as const;
export const TASK_STATUS_LABELS: Record<(typeof TASK_STATUSES)[number], string> = {
  todo: "To do",
  in_progress: "In progress",
  review: "In review",
  blocked: "Blocked",
  done: "Done",
};
export const TASK_ACTORS = ["team", "customer"] as const;
export const PLAN_STATUSES = ["active", "completed", "archived"] as const;

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 5_000;
export const NOTE_MAX = 5_000;
export const OFFSET_MAX = 3_650;

const Title = Line(TITLE_MAX, "What is to be done");
const Description = OptionalText(DESCRIPTION_MAX, "Shown to the customer when the task is on the portal");
const IdRef = (description: string) => Key(64, { description });

export const TemplateBody = StrictObject({
  name: Line(TITLE_MAX, "The template's name, e.g. Onboarding"),
  description: Type.Optional(OptionalText(DESCRIPTION_MAX)),
});
export type TemplateBody = Static<typeof TemplateBody>;
export const TemplatePatch = StrictObject({
  name: Type.Optional(Line(TITLE_MAX)),
  description: Type.Optional(OptionalText(DESCRIPTION_MAX)),
  archived: Type.Optional(Type.Boolean({ description: "An archived template is not offered to apply" })),
});
export type TemplatePatch = Static<typeof TemplatePatch>;

export const TemplateTaskBody = StrictObject({
  title: Title,
  description: Type.Optional(Description),
  dueOffsetDays: Type.Optional(
    Nullable(
      Type.Integer({ minimum: 0, maximum: OFFSET_MAX, description: "Due this many days after applying" }),
    ),
  ),
  actor: Type.Optional(OneOf(TASK_ACTORS, "Who acts: the team or the customer")),
  formId: Type.Optional(Nullable(IdRef("A form the task asks the customer to fill in"))),
  portalVisible: Type.Optional(Type.Boolean({ description: "Whether the customer sees the task" })),
});
export type TemplateTaskBody = Static<typeof TemplateTaskBody>;
export const TemplateTaskPatch = Type.Partial(TemplateTaskBody, { additionalProperties: false });
export type TemplateTaskPatch = Static<typeof TemplateTaskPatch>;

export const ReorderBody = StrictObject({
  ids: Type.Array(IdRef("A task's id"), { maxItems: 500, description: "Every task's id, in the new order" }),
});

export const TemplateTask = Type.Object({
  id: Type.String(),
  position: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  dueOffsetDays: Nullable(Type.Integer()),
  actor: OneOf(TASK_ACTORS),
  formId: Nullable(Type.String()),
  portalVisible: Type.Boolean(),
});
export type TemplateTask = Static<typeof TemplateTask>;

export const Template = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  archived: Type.Boolean(),
  tasks: Type.Array(TemplateTask),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type Template = Static<typeof Template>;

export const ApplyBody = StrictObject({ templateId: IdRef("The template to copy") });

/** A task as the team sees it: both states side by side. */
export const AgentTask = Type.Object({
  id: Type.String(),
  planId: Type.String(),
  position: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  actor: OneOf(TASK_ACTORS),
  dueAt: Nullable(Type.String({ format: "date-time" })),
  formId: Nullable(Type.String()),
  status: OneOf(TASK_STATUSES, "The team's state: never shown to the customer"),
  assigneeAgentId: Nullable(Type.String()),
  internalNote: Type.String({ description: "Internal: never shown to the customer" }),
  portalVisible: Type.Boolean(),
  portalStatus: OneOf(TASK_PORTAL_STATUSES),
  portalStart: Nullable(Type.String({ format: "date-time" })),
  portalComplete: Nullable(Type.String({ format: "date-time" })),
  portalAssigneeContactId: Nullable(Type.String()),
  ticketReferences: Type.Array(Type.String()),
});
export type AgentTask = Static<typeof AgentTask>;

export const AgentPlan = Type.Object({
  id: Type.String(),
  companyId: Type.String(),
  templateId: Nullable(Type.String()),
  name: Type.String(),
  status: OneOf(PLAN_STATUSES),
  done: Type.Integer(),
  total: Type.Integer(),
  tasks: Type.Array(AgentTask),
  createdAt: Type.String({ format: "date-time" }),
  completedAt: Nullable(Type.String({ format: "date-time" })),
});
export type AgentPlan = Static<typeof AgentPlan>;

export const PlanPatch = StrictObject({
  name: Type.Optional(Line(TITLE_MAX)),
  status: Type.Optional(OneOf(PLAN_STATUSES)),
});
export type PlanPatch = Static<typeof PlanPatch>;

export const TaskBody = StrictObject({
  title: Title,
  description: Type.Optional(Description),
  actor: Type.Optional(OneOf(TASK_ACTORS)),
  dueAt: Type.Optional(Nullable(Type.String({ format: "date-time" }))),
  formId: Type.Optional(Nullable(IdRef("A form the task asks for"))),
  status: Type.Optional(OneOf(TASK_STATUSES)),
  assigneeAgentId: Type.Optional(Nullable(IdRef("The agent working on it"))),
  internalNote: Type.Optional(OptionalText(NOTE_MAX, "Internal: never shown to the customer")),
  portalVisible: Type.Optional(Type.Boolean()),
  portalStatus: Type.Optional(OneOf(TASK_PORTAL_STATUSES)),
  portalAssigneeContactId: Type.Optional(Nullable(IdRef("The company's contact who acts"))),
});
export type TaskBody = Static<typeof TaskBody>;
export const TaskPatch = Type.Partial(TaskBody, { additionalProperties: false });
export type TaskPatch = Static<typeof TaskPatch>;

export const LinkBody = StrictObject({
  reference: Key(20, { description: "The ticket's reference, e.g. TKT-0042" }),
});
export const SpawnBody = StrictObject({
  planId: IdRef("The plan the new task joins"),
  title: Type.Optional(Title),
});

// ---- The customer's side ----

export const PortalRequestRef = Type.Object({ reference: Type.String(), subject: Type.String() });
export const PortalTaskLink = Type.Object({
  id: Type.String(),
  title: Type.String(),
  statusLabel: Type.String(),
});

export const PortalPlanView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: OneOf(["active", "completed"] as const),
  done: Type.Integer(),
  total: Type.Integer(),
  tasks: Type.Array(PortalTaskSummary),
});
export type PortalPlanView = Static<typeof PortalPlanView>;

export const PortalPlans = Type.Object({ plans: Type.Array(PortalPlanView) });
export type PortalPlans = Static<typeof PortalPlans>;

export const PortalTaskDetail = Type.Object({
  ...PortalTaskSummary.properties,
  planId: Type.String(),
  planName: Type.String(),
  description: Type.String(),
  formId: Nullable(Type.String()),
  formSent: Type.Boolean({
    description: "Whether the form's answers were sent; a task with a form is completed by sending it",
  }),
  portalStart: Nullable(Type.String({ format: "date-time" })),
  portalComplete: Nullable(Type.String({ format: "date-time" })),
  assignee: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  canAct: Type.Boolean({ description: "Whether this customer may start or complete it" }),
  requests: Type.Array(PortalRequestRef),
});
export type PortalTaskDetail = Static<typeof PortalTaskDetail>;
