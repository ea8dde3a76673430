import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import type { TaskFormView } from "../../forms/form.schemas.ts";
import { getTaskForm, saveTaskDraft, submitTaskForm } from "../../forms/response.service.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { type CustomerPageSpec, sendCustomerPage } from "./customer-page.ts";
import { answersFromBody } from "./form-fields.views.ts";
import { type FillState, fillFormMain, formCopyMain, formNotFoundMain, taskFormHref } from "./forms.views.ts";
import { customerOf } from "./gate.ts";

// A task's form on the signed-in portal: /portal/{slug}/onboarding/tasks/{taskId}/form. Without
// JavaScript "Save for later" keeps a draft and "Submit" sends; with it, portal.js also saves the
// draft as the customer types. Registered inside portalPages, behind its customer gate.

type Params = { slug: string; taskId: string };

export const portalFormPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const page = (req: FastifyRequest, reply: FastifyReply, p: Omit<CustomerPageSpec, "current">) =>
      sendCustomerPage(ctx, req, reply, { ...p, current: "onboarding" });

    const notFoundPage = (req: FastifyRequest, reply: FastifyReply) =>
      page(req, reply, { title: "Form not found", status: 404, main: formNotFoundMain });

    const load = async (req: FastifyRequest<{ Params: Params }>): Promise<TaskFormView | null> => {
      try {
        return await getTaskForm(ctx, customerOf(req).actor, req.params.taskId.slice(0, 64));
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return null;
        throw err;
      }
    };

    const fill = (
      req: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      f: TaskFormView,
      st: Omit<FillState, "csrfToken"> & { status?: number } = {},
    ) =>
      page(req, reply, {
        title: f.form,
        status: st.status ?? 200,
        main: (ws) =>
          fillFormMain(ws, f, { csrfToken: customerCsrfTokenFor(req.customerToken as string), ...st }),
      });

    app.get<{ Params: Params; Querystring: { done?: string } }>(
      "/:slug/onboarding/tasks/:taskId/form",
      async (req, reply) => {
        const f = await load(req);
        if (!f) return notFoundPage(req, reply);
        if (f.status === "submitted") return reply.redirect(`${req.url.split("?")[0]}/copy`, 303);
        return fill(
          req,
          reply,
          f,
          req.query.done === "saved" ? { notice: "Draft saved. Come back any time." } : {},
        );
      },
    );

    app.post<{ Params: Params }>("/:slug/onboarding/tasks/:taskId/form", async (req, reply) => {
      const f = await load(req);
      if (!f) return notFoundPage(req, reply);
      const raw = answersFromBody(f.fields, req.body);
      const submit = (req.body as Record<string, unknown> | undefined)?.action !== "save";
      const actor = customerOf(req).actor;
      const href = taskFormHref({ slug: req.params.slug } as Workspace, f.taskId);
      try {
        if (submit) {
          await submitTaskForm(ctx, actor, f.taskId, raw);
          return reply.redirect(`${href}/copy`, 303);
        }
        await saveTaskDraft(ctx, actor, f.taskId, raw);
        return reply.redirect(`${href}?done=saved`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return notFoundPage(req, reply);
        if (err instanceof AppError && err.status === 409) return reply.redirect(`${href}/copy`, 303);
        if (err instanceof AppError && err.status < 500) {
          const answers = Object.fromEntries(
            Object.entries(raw).filter(([, v]) => typeof v === "string" || Array.isArray(v)),
          ) as TaskFormView["answers"];
          return fill(req, reply, f, {
            ...(err.fields ? { errors: err.fields } : { notice: err.message }),
            answers: {
              ...answers,
              ...Object.fromEntries(
                f.fields.filter((x) => x.type === "checkbox").map((x) => [x.key, raw[x.key] === "1"]),
              ),
            },
            status: err.status,
          });
        }
        throw err;
      }
    });

    app.get<{ Params: Params }>("/:slug/onboarding/tasks/:taskId/form/copy", async (req, reply) => {
      const f = await load(req);
      if (f?.status !== "submitted") return notFoundPage(req, reply);
      return page(req, reply, { title: `${f.form}: your answers`, main: (ws) => formCopyMain(ws, f) });
    });
  };
