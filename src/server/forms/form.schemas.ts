import { type Static, Type } from "typebox";
import { Nullable } from "../lib/schema.ts";

// What the form operations take and answer, declared once (routes, OpenAPI, services).

/** A form the customer is asked to complete on one of their tasks. */
export const FormDue = Type.Object({
  taskId: Type.String(),
  task: Type.String({ description: "The task's title" }),
  form: Type.String({ description: "The form's name" }),
  dueAt: Nullable(Type.String({ format: "date-time" })),
  overdue: Type.Boolean(),
  /** A draft has been saved: the customer resumes where they left off. */
  started: Type.Boolean(),
});
export type FormDue = Static<typeof FormDue>;
