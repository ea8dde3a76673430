import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { TemplateBody, TemplatePatch, TemplateTaskBody } from "../../onboarding/onboarding.schemas.ts";
import {
  addTemplateTask,
  createTemplate,
  deleteTemplate,
  formOptions,
  getTemplate,
  listTemplates,
  moveTemplateTask,
  removeTemplateTask,
  updateTemplate,
  updateTemplateTask,
} from "../../onboarding/template.service.ts";
import { formString, formText } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { check, clip, fixable, noticeOf, orNull, type Query, stateOf } from "./onboarding.forms.ts";
import { type OnboardingFormState, templateMain, templatesMain } from "./onboarding.views.ts";

// /app/onboarding/templates: the team's templates of plans, each an ordered list of tasks,
// through the same services as the JSON API, the forms checked by its body schemas.

type Params = { id: string };

const checkTemplate = formValidator(TemplateBody);
const checkTemplatePatch = formValidator(TemplatePatch);
const checkTemplateTask = formValidator(TemplateTaskBody);

function templateTaskFrom(body: unknown) {
  const offset = (formString(body, "dueOffsetDays") ?? "").trim();
  const actor = formString(body, "actor") === "team" ? "team" : "customer";
  return {
    title: (formString(body, "title") ?? "").trim(),
    description: formText(body, "description"),
    dueOffsetDays: offset === "" ? null : Number(offset),
    actor: actor as "team" | "customer",
    formId: orNull(formString(body, "formId")),
    portalVisible: Boolean(formString(body, "portalVisible")),
  };
}

export const onboardingTemplatePages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

    const showTemplates = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: OnboardingFormState & { status?: number } = {},
    ) =>
      sendAppPage(req, reply, {
        title: "Onboarding templates",
        section: "onboarding",
        status: st.status ?? 200,
        main: templatesMain(req, await listTemplates(ctx, actorOf(req)), st),
      });

    app.get<{ Querystring: Query }>("/onboarding/templates", (req, reply) =>
      showTemplates(req, reply, noticeOf(req.query)),
    );

    app.post("/onboarding/templates", async (req, reply) => {
      const values = {
        name: (formString(req.body, "name") ?? "").trim(),
        description: formText(req.body, "description"),
      };
      try {
        check(checkTemplate, values);
        const t = await createTemplate(ctx, actorOf(req), values);
        return reply.redirect(`/app/onboarding/templates/${t.id}?done=created`, 303);
      } catch (err) {
        if (fixable(err))
          return showTemplates(req, reply, { ...stateOf(err, "new", values), status: err.status });
        throw err;
      }
    });

    const showTemplate = async (
      req: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      st: OnboardingFormState & { status?: number } = {},
    ) => {
      const actor = actorOf(req);
      const [t, forms] = await Promise.all([
        getTemplate(ctx, actor, clip(req.params.id)),
        formOptions(ctx, actor),
      ]);
      return sendAppPage(req, reply, {
        title: t.name,
        section: "onboarding",
        status: st.status ?? 200,
        main: templateMain(req, t, forms, st),
      });
    };

    app.get<{ Params: Params; Querystring: Query }>("/onboarding/templates/:id", (req, reply) =>
      showTemplate(req, reply, noticeOf(req.query)),
    );

    /** Runs a template write; a fixable refusal re-renders the page with the errors at `form`. */
    const templateWrite = async (
      req: FastifyRequest<{ Params: Params }>,
      reply: FastifyReply,
      form: string,
      values: Record<string, string>,
      write: () => Promise<unknown>,
      done: string,
      hash = "",
    ) => {
      try {
        await write();
        return reply.redirect(`/app/onboarding/templates/${req.params.id}?done=${done}${hash}`, 303);
      } catch (err) {
        if (fixable(err))
          return showTemplate(req, reply, { ...stateOf(err, form, values), status: err.status });
        throw err;
      }
    };

    app.post<{ Params: Params }>("/onboarding/templates/:id", (req, reply) => {
      const values = {
        name: (formString(req.body, "name") ?? "").trim(),
        description: formText(req.body, "description"),
      };
      const patch = { ...values, archived: Boolean(formString(req.body, "archived")) };
      return templateWrite(
        req,
        reply,
        "details",
        values,
        async () => {
          check(checkTemplatePatch, patch);
          await updateTemplate(ctx, actorOf(req), clip(req.params.id), patch);
        },
        "saved",
      );
    });

    app.post<{ Params: Params }>("/onboarding/templates/:id/tasks", (req, reply) => {
      const body = templateTaskFrom(req.body);
      const values = {
        title: body.title,
        description: body.description,
        actor: body.actor,
        formId: body.formId ?? "",
      };
      return templateWrite(
        req,
        reply,
        "add",
        values,
        async () => {
          check(checkTemplateTask, body);
          await addTemplateTask(ctx, actorOf(req), clip(req.params.id), body);
        },
        "task",
        "#add-task-title",
      );
    });

    app.post<{ Params: Params & { taskId: string } }>(
      "/onboarding/templates/:id/tasks/:taskId",
      (req, reply) => {
        const body = templateTaskFrom(req.body);
        return templateWrite(
          req,
          reply,
          clip(req.params.taskId),
          {},
          async () => {
            check(checkTemplateTask, body);
            await updateTemplateTask(ctx, actorOf(req), clip(req.params.id), clip(req.params.taskId), body);
          },
          "saved",
          `#task-${req.params.taskId}`,
        );
      },
    );

    app.post<{ Params: Params & { taskId: string } }>(
      "/onboarding/templates/:id/tasks/:taskId/move",
      async (req, reply) => {
        const by = formString(req.body, "by") === "up" ? -1 : 1;
        await moveTemplateTask(ctx, actorOf(req), clip(req.params.id), clip(req.params.taskId), by);
        return reply.redirect(
          `/app/onboarding/templates/${req.params.id}?done=moved#task-${req.params.taskId}`,
          303,
        );
      },
    );

    app.post<{ Params: Params & { taskId: string } }>(
      "/onboarding/templates/:id/tasks/:taskId/remove",
      async (req, reply) => {
        await removeTemplateTask(ctx, actorOf(req), clip(req.params.id), clip(req.params.taskId));
        return reply.redirect(`/app/onboarding/templates/${req.params.id}?done=removed`, 303);
      },
    );

    app.post<{ Params: Params }>("/onboarding/templates/:id/delete", async (req, reply) => {
      await deleteTemplate(ctx, actorOf(req), clip(req.params.id));
      return reply.redirect("/app/onboarding/templates?done=deleted", 303);
    });
  };
