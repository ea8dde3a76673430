import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { listAgents } from "../../agents/agent.service.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import { companyRow } from "../../companies/company.service.ts";
import { contactsVisibleTo } from "../../contacts/contact.access.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { TaskBody, TaskPatch } from "../../onboarding/onboarding.schemas.ts";
import { applyTemplate, getPlan, getTask, listPlans, updatePlan } from "../../onboarding/plan.service.ts";
import { addTask, moveTask, removeTask, updateTask } from "../../onboarding/plan-tasks.ts";
import { linkTicket, spawnTask, ticketTaskLinks } from "../../onboarding/task-links.ts";
import { formOptions, listTemplates } from "../../onboarding/template.service.ts";
import { formString, formText } from "../../web/forms.ts";
import { formValidator } from "../shared/validation.ts";
import { sendAppPage } from "./layout.ts";
import { check, clip, dueFrom, fixable, noticeOf, orNull, type Query, stateOf } from "./onboarding.forms.ts";
import { ONBOARDING_LABELS, type OnboardingFormState } from "./onboarding.views.ts";
import { companyOnboardingMain, ticketTasksSection } from "./onboarding-plans.views.ts";
import { onboardingTemplatePages } from "./onboarding-templates.pages.ts";

// /app/onboarding/templates (the team's templates) and /app/companies/:id/onboarding (a company's
// plans, both states of each task side by side), through the same services as the JSON API, the
// forms checked by its body schemas. Also the ticket page's link to a task.

type Params = { id: string };
const checkTask = formValidator(TaskBody);
const checkTaskPatch = formValidator(TaskPatch);

export const onboardingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

    await app.register(onboardingTemplatePages(ctx));

    // A company's plans.
    const showCompany = async (
      req: FastifyRequest,
      reply: FastifyReply,
      companyId: string,
      st: OnboardingFormState & { status?: number } = {},
    ) => {
      const actor = actorOf(req);
      const company = await companyRow(ctx, actor, companyId);
      const [plans, templates, agents, contacts, forms] = await Promise.all([
        listPlans(ctx, actor, company.id),
        listTemplates(ctx, actor),
        listAgents(ctx, actor),
        contactsVisibleTo(ctx.database.db, actor)
          .select(["contacts.id", "contacts.name"])
          .where("contacts.company_id", "=", company.id)
          .orderBy("contacts.name")
          .limit(500)
          .execute(),
        formOptions(ctx, actor),
      ]);
      return sendAppPage(req, reply, {
        title: `Onboarding: ${company.name}`,
        section: "companies",
        status: st.status ?? 200,
        main: companyOnboardingMain(
          req,
          { id: company.id, name: company.name },
          plans,
          templates,
          {
            agents: agents.filter((a) => a.active).map((a) => ({ id: a.id, name: a.name })),
            contacts,
            forms,
          },
          st,
        ),
      });
    };
    const toCompany = (reply: FastifyReply, companyId: string, done: string, hash = "") =>
      reply.redirect(`/app/companies/${companyId}/onboarding?done=${done}${hash}`, 303);

    app.get<{ Params: Params; Querystring: Query }>("/companies/:id/onboarding", (req, reply) =>
      showCompany(req, reply, clip(req.params.id), noticeOf(req.query)),
    );

    app.post<{ Params: Params }>("/companies/:id/onboarding/apply", async (req, reply) => {
      const templateId = clip(formString(req.body, "templateId") ?? "");
      try {
        const plan = await applyTemplate(ctx, actorOf(req), clip(req.params.id), templateId);
        return toCompany(reply, plan.companyId, "applied", `#plan-${plan.id}`);
      } catch (err) {
        // A template not (or no longer) of the workspace is the form's fault, not a missing page.
        if (err instanceof AppError && err.status === 404 && err.message.includes("template")) {
          return showCompany(req, reply, clip(req.params.id), {
            form: "apply",
            errors: { templateId: "is not a template of this workspace" },
            status: 400,
          });
        }
        throw err;
      }
    });

    app.post<{ Params: Params }>("/onboarding/plans/:id/status", async (req, reply) => {
      const raw = formString(req.body, "status");
      const status = raw === "completed" || raw === "archived" ? raw : "active";
      const plan = await updatePlan(ctx, actorOf(req), clip(req.params.id), { status });
      return toCompany(reply, plan.companyId, "plan", `#plan-${plan.id}`);
    });

    const companyOfPlan = async (req: FastifyRequest, planId: string) =>
      (await getPlan(ctx, actorOf(req), planId)).companyId;

    app.post<{ Params: Params }>("/onboarding/plans/:id/tasks", async (req, reply) => {
      const planId = clip(req.params.id);
      const companyId = await companyOfPlan(req, planId);
      const body = {
        title: (formString(req.body, "title") ?? "").trim(),
        dueAt: dueFrom((formString(req.body, "dueAt") ?? "").trim()),
        actor: (formString(req.body, "actor") === "team" ? "team" : "customer") as "team" | "customer",
        portalVisible: Boolean(formString(req.body, "portalVisible")),
      };
      try {
        check(checkTask, body);
        const task = await addTask(ctx, actorOf(req), planId, body);
        return toCompany(reply, companyId, "task", `#task-${task.id}`);
      } catch (err) {
        if (!fixable(err)) throw err;
        return showCompany(req, reply, companyId, { ...stateOf(err, `add-${planId}`), status: err.status });
      }
    });

    app.post<{ Params: Params }>("/onboarding/tasks/:id", async (req, reply) => {
      const actor = actorOf(req);
      const before = await getTask(ctx, actor, clip(req.params.id));
      const companyId = await companyOfPlan(req, before.planId);
      const b = req.body;
      const patch = {
        title: (formString(b, "title") ?? "").trim(),
        description: formText(b, "description"),
        dueAt: dueFrom((formString(b, "dueAt") ?? "").trim()),
        actor: formString(b, "actor") === "team" ? "team" : "customer",
        formId: orNull(formString(b, "formId")),
        status: formString(b, "status") ?? "",
        assigneeAgentId: orNull(formString(b, "assigneeAgentId")),
        internalNote: formText(b, "internalNote"),
        portalVisible: Boolean(formString(b, "portalVisible")),
        portalStatus: formString(b, "portalStatus") ?? "",
        portalAssigneeContactId: orNull(formString(b, "portalAssigneeContactId")),
      };
      // A due date left as it was keeps its time, rather than moving to the end of its day.
      if (before.dueAt && patch.dueAt === dueFrom(before.dueAt.slice(0, 10))) patch.dueAt = before.dueAt;
      try {
        check(checkTaskPatch, patch);
        await updateTask(ctx, actor, before.id, patch as TaskPatch);
        return toCompany(reply, companyId, "saved", `#task-${before.id}`);
      } catch (err) {
        if (!fixable(err)) throw err;
        const what = Object.entries(err.fields ?? {}).map(([k, v]) => `${ONBOARDING_LABELS[k] ?? k} ${v}`);
        return showCompany(req, reply, companyId, {
          form: before.id,
          message: `“${before.title}” was not saved: ${what.join("; ") || err.message}`,
          status: err.status,
        });
      }
    });

    app.post<{ Params: Params }>("/onboarding/tasks/:id/move", async (req, reply) => {
      const by = formString(req.body, "by") === "up" ? -1 : 1;
      const plan = await moveTask(ctx, actorOf(req), clip(req.params.id), by);
      return toCompany(reply, plan.companyId, "moved", `#task-${req.params.id}`);
    });

    app.post<{ Params: Params }>("/onboarding/tasks/:id/remove", async (req, reply) => {
      const task = await getTask(ctx, actorOf(req), clip(req.params.id));
      const companyId = await companyOfPlan(req, task.planId);
      await removeTask(ctx, actorOf(req), task.id);
      return toCompany(reply, companyId, "removed", `#plan-${task.planId}`);
    });

    // The ticket page's onboarding section.
    const toTicket = (reply: FastifyReply, reference: string, done: string) =>
      reply.redirect(`/app/tickets/${encodeURIComponent(reference)}?done=${done}#onboarding`, 303);

    app.post<{ Params: { reference: string } }>("/tickets/:reference/tasks/link", async (req, reply) => {
      const reference = req.params.reference.slice(0, 20);
      await linkTicket(ctx, actorOf(req), clip(formString(req.body, "taskId") ?? ""), reference);
      return toTicket(reply, reference, "task-linked");
    });

    app.post<{ Params: { reference: string } }>("/tickets/:reference/tasks/spawn", async (req, reply) => {
      const reference = req.params.reference.slice(0, 20);
      await spawnTask(ctx, actorOf(req), reference, { planId: clip(formString(req.body, "planId") ?? "") });
      return toTicket(reply, reference, "task-spawned");
    });
  };

/** The ticket page's onboarding section, for tickets.pages.ts. */
export async function ticketTasksFor(ctx: AppContext, req: FastifyRequest, reference: string) {
  const links = await ticketTaskLinks(ctx, (req.session as SessionInfo).actor, reference);
  return ticketTasksSection(req, links);
}
