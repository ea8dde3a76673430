import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { FORM_FIELDS_MAX, type TaskFormView } from "../../forms/form.schemas.ts";
import { getTaskForm, saveTaskDraft, submitTaskForm } from "../../forms/response.service.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { codedErrorKey, customerSaid } from "../shared/customer.layout.ts";
import { multipartUploads } from "../shared/multipart-upload.ts";
import { type CustomerPageSpec, sendCustomerPage } from "./customer-page.ts";
import { answersFromBody } from "./form-fields.views.ts";
import { uploadFormFile } from "./form-files.ts";
import { type FillState, fillFormMain, formCopyMain, formNotFoundMain, taskFormHref } from "./forms.views.ts";
import { customerOf } from "./gate.ts";

// A task's form on the signed-in portal: /portal/{slug}/onboarding/tasks/{taskId}/form. Without
// JavaScript "Save for later" keeps a draft and "Submit" sends; with it, portal.js also saves the
// draft as the customer types. Registered inside portalPages, behind its customer gate.

type Params = { slug: string; taskId: string };

/** The notice after each save, by the address's ?done= (catalogue keys). */
const DONE: Record<string, string> = {
  saved: "work:forms.notice.saved",
  uploaded: "work:forms.notice.uploaded",
};

/** The documents attached so far: a re-rendered page shows them, not the ids it was posted. */
const fileAnswersOf = (f: TaskFormView): TaskFormView["answers"] =>
  Object.fromEntries(f.fields.filter((x) => x.type === "file").map((x) => [x.key, f.answers[x.key] ?? null]));

export const portalFormPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // The fill form's "Upload" posts the whole form as multipart: one file per post, any number
    // of (empty) file inputs, and the text within the urlencoded form's own limit.
    multipartUploads(app, { files: FORM_FIELDS_MAX, fields: 2000, textBytes: 64 * 1024, lists: true });
    const page = (req: FastifyRequest, reply: FastifyReply, p: Omit<CustomerPageSpec, "current">) =>
      sendCustomerPage(ctx, req, reply, { ...p, current: "onboarding" });

    const notFoundPage = (req: FastifyRequest, reply: FastifyReply) =>
      page(req, reply, {
        title: (t) => t.t("work:forms.notFound"),
        status: 404,
        main: formNotFoundMain,
      });

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
        main: (ws, t) =>
          fillFormMain(
            ws,
            f,
            {
              csrfToken: customerCsrfTokenFor(req.customerToken as string),
              ...st,
              ...(st.notice
                ? { notice: st.notice.startsWith("work:") ? t.t(st.notice) : customerSaid(t, st.notice) }
                : {}),
            },
            t,
          ),
      });

    app.get<{ Params: Params; Querystring: { done?: string } }>(
      "/:slug/onboarding/tasks/:taskId/form",
      async (req, reply) => {
        const f = await load(req);
        if (!f) return notFoundPage(req, reply);
        if (f.status === "submitted") return reply.redirect(`${req.url.split("?")[0]}/copy`, 303);
        const notice = DONE[req.query.done ?? ""];
        return fill(req, reply, f, notice ? { notice } : {});
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
            ...(err.fields ? { errors: err.fields } : { notice: codedErrorKey(err) ?? err.message }),
            answers: {
              ...answers,
              ...fileAnswersOf(f),
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

    app.post<{ Params: Params }>("/:slug/onboarding/tasks/:taskId/form/files", async (req, reply) => {
      const f = await load(req);
      if (!f) return notFoundPage(req, reply);
      const href = taskFormHref({ slug: req.params.slug } as Workspace, f.taskId);
      const r = await uploadFormFile(ctx, req, customerOf(req).actor, f);
      if (r.kind === "submitted") return reply.redirect(`${href}/copy`, 303);
      if (r.kind === "done")
        return reply.redirect(`${href}?done=${r.done}${r.anchor ? `#${r.anchor}` : ""}`, 303);
      if (r.headers) reply.headers(r.headers);
      return fill(req, reply, f, {
        ...(r.errors ? { errors: r.errors } : {}),
        ...(r.notice ? { notice: r.notice } : {}),
        answers: { ...f.answers, ...r.answers, ...fileAnswersOf(f) },
        status: r.status,
      });
    });

    app.get<{ Params: Params }>("/:slug/onboarding/tasks/:taskId/form/copy", async (req, reply) => {
      const f = await load(req);
      if (f?.status !== "submitted") return notFoundPage(req, reply);
      return page(req, reply, {
        title: (t) => t.t("work:forms.copyTitle", { form: f.form }),
        main: (ws, t) => formCopyMain(ws, f, t),
      });
    });
  };
