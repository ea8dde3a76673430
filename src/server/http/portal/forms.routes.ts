import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { AnswersBody, FormDue, TaskFormView } from "../../forms/form.schemas.ts";
import { formsDueFor } from "../../forms/portal-forms.ts";
import { getTaskForm, saveTaskDraft, submitTaskForm } from "../../forms/response.service.ts";
import { errors } from "../shared/schema.ts";
import { customerOf } from "./gate.ts";

// The forms a signed-in customer fills on their company's tasks: read, save as a draft (the
// page's autosave), submit. Behind the customers' one gate (account.routes.ts portalApiRoutes);
// a task of another company, or without a form, is the same 404 as none.

const tags = ["customer portal"];
const security = [{ customerSession: [] }];
const writeSecurity = [{ customerSession: [], customerCsrf: [] }];
const TaskParams = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  taskId: Type.String({ maxLength: 64 }),
});

export const portalFormRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/:slug/forms",
      {
        schema: {
          tags,
          summary: "The forms to complete, soonest due first",
          security,
          params: Type.Object({ slug: Type.String({ maxLength: 40 }) }),
          response: { 200: Type.Object({ items: Type.Array(FormDue) }), ...errors(401) },
        },
      },
      async (req) => ({ items: await formsDueFor(ctx, customerOf(req).actor) }),
    );

    app.get(
      "/:slug/tasks/:taskId/form",
      {
        schema: {
          tags,
          summary: "A task's form with the draft or the answers sent",
          security,
          params: TaskParams,
          response: { 200: TaskFormView, ...errors(401, 404) },
        },
      },
      async (req) => getTaskForm(ctx, customerOf(req).actor, req.params.taskId),
    );

    app.put(
      "/:slug/tasks/:taskId/form/draft",
      {
        schema: {
          tags,
          summary: "Save the answers so far (one draft per task, shared by the company's contacts)",
          security: writeSecurity,
          params: TaskParams,
          body: AnswersBody,
          response: { 200: TaskFormView, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => saveTaskDraft(ctx, customerOf(req).actor, req.params.taskId, req.body.answers),
    );

    app.post(
      "/:slug/tasks/:taskId/form",
      {
        schema: {
          tags,
          summary: "Submit the form",
          description:
            "Each field is checked; errors come keyed by the field's key (400 validation_failed). The task is then complete.",
          security: writeSecurity,
          params: TaskParams,
          body: AnswersBody,
          response: { 200: TaskFormView, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => submitTaskForm(ctx, customerOf(req).actor, req.params.taskId, req.body.answers),
    );
  };
