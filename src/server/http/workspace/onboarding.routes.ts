import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Key } from "../../lib/schema.ts";
import {
  AgentPlan,
  AgentTask,
  ApplyBody,
  LinkBody,
  PlanPatch,
  ReorderBody,
  SpawnBody,
  TaskBody,
  TaskPatch,
  Template,
  TemplateBody,
  TemplatePatch,
  TemplateTaskBody,
  TemplateTaskPatch,
} from "../../onboarding/onboarding.schemas.ts";
import { applyTemplate, getPlan, getTask, listPlans, updatePlan } from "../../onboarding/plan.service.ts";
import { addTask, removeTask, reorderTasks, updateTask } from "../../onboarding/plan-tasks.ts";
import { linkTicket, spawnTask, unlinkTicket } from "../../onboarding/task-links.ts";
import {
  addTemplateTask,
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  removeTemplateTask,
  reorderTemplateTasks,
  updateTemplate,
  updateTemplateTask,
} from "../../onboarding/template.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Onboarding for agents: templates, a company's plans (applied from a template), their tasks with
// both states, and links between tasks and tickets. Under the agents' gate (workspace.routes.ts).

const security = [{ session: [], csrf: [] }];
const tags = ["onboarding"];
const Id = Type.Object({ id: Key(64) });
const IdTask = Type.Object({ id: Key(64), taskId: Key(64) });
const IdRef = Type.Object({ id: Key(64), reference: Key(20) });
const Ref = Type.Object({ reference: Key(20) });
const read = (code: number) => errors(401, code);
const write = (...codes: number[]) => errors(400, 401, 403, ...codes);

export const workspaceOnboardingRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const s = { tags, security };
    app.get(
      "/onboarding/templates",
      {
        schema: {
          ...s,
          summary: "Templates of plans",
          response: { 200: Type.Array(Template), ...errors(401) },
        },
      },
      async (req) => listTemplates(ctx, sessionOf(req).actor),
    );
    app.post(
      "/onboarding/templates",
      {
        schema: {
          ...s,
          summary: "Add a template",
          body: TemplateBody,
          response: { 201: Template, ...write() },
        },
      },
      async (req, reply) => reply.status(201).send(await createTemplate(ctx, sessionOf(req).actor, req.body)),
    );
    app.get(
      "/onboarding/templates/:id",
      {
        schema: {
          ...s,
          summary: "A template with its tasks in order",
          params: Id,
          response: { 200: Template, ...read(404) },
        },
      },
      async (req) => getTemplate(ctx, sessionOf(req).actor, req.params.id),
    );
    app.patch(
      "/onboarding/templates/:id",
      {
        schema: {
          ...s,
          summary: "Rename, describe or archive a template",
          params: Id,
          body: TemplatePatch,
          response: { 200: Template, ...write(404) },
        },
      },
      async (req) => updateTemplate(ctx, sessionOf(req).actor, req.params.id, req.body),
    );
    app.delete(
      "/onboarding/templates/:id",
      {
        schema: {
          ...s,
          summary: "Delete a template",
          description: "Plans applied from it keep their tasks.",
          params: Id,
          response: { 204: Type.Null(), ...read(404) },
        },
      },
      async (req, reply) => {
        await deleteTemplate(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );
    app.post(
      "/onboarding/templates/:id/tasks",
      {
        schema: {
          ...s,
          summary: "Add a task at the end of a template",
          params: Id,
          body: TemplateTaskBody,
          response: { 201: Template, ...write(404) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await addTemplateTask(ctx, sessionOf(req).actor, req.params.id, req.body)),
    );
    app.patch(
      "/onboarding/templates/:id/tasks/:taskId",
      {
        schema: {
          ...s,
          summary: "Change a template's task",
          params: IdTask,
          body: TemplateTaskPatch,
          response: { 200: Template, ...write(404) },
        },
      },
      async (req) =>
        updateTemplateTask(ctx, sessionOf(req).actor, req.params.id, req.params.taskId, req.body),
    );
    app.delete(
      "/onboarding/templates/:id/tasks/:taskId",
      {
        schema: {
          ...s,
          summary: "Remove a template's task",
          params: IdTask,
          response: { 200: Template, ...read(404) },
        },
      },
      async (req) => removeTemplateTask(ctx, sessionOf(req).actor, req.params.id, req.params.taskId),
    );
    app.put(
      "/onboarding/templates/:id/order",
      {
        schema: {
          ...s,
          summary: "Reorder a template's tasks",
          params: Id,
          body: ReorderBody,
          response: { 200: Template, ...write(404) },
        },
      },
      async (req) => reorderTemplateTasks(ctx, sessionOf(req).actor, req.params.id, req.body.ids),
    );

    app.get(
      "/companies/:id/plans",
      {
        schema: {
          ...s,
          summary: "A company's plans, newest first",
          params: Id,
          response: { 200: Type.Array(AgentPlan), ...read(404) },
        },
      },
      async (req) => listPlans(ctx, sessionOf(req).actor, req.params.id),
    );
    app.post(
      "/companies/:id/plans",
      {
        schema: {
          ...s,
          summary: "Apply a template to a company",
          description:
            "Copies the template's tasks into a new plan; each is due its offset in days from now.",
          params: Id,
          body: ApplyBody,
          response: { 201: AgentPlan, ...write(404) },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await applyTemplate(ctx, sessionOf(req).actor, req.params.id, req.body.templateId)),
    );
    app.get(
      "/plans/:id",
      {
        schema: {
          ...s,
          summary: "A plan with its tasks, both states",
          params: Id,
          response: { 200: AgentPlan, ...read(404) },
        },
      },
      async (req) => getPlan(ctx, sessionOf(req).actor, req.params.id),
    );
    app.patch(
      "/plans/:id",
      {
        schema: {
          ...s,
          summary: "Rename a plan, or mark it completed or archived",
          description: "An archived plan leaves the portal.",
          params: Id,
          body: PlanPatch,
          response: { 200: AgentPlan, ...write(404) },
        },
      },
      async (req) => updatePlan(ctx, sessionOf(req).actor, req.params.id, req.body),
    );
    app.post(
      "/plans/:id/tasks",
      {
        schema: {
          ...s,
          summary: "Add a task to a plan",
          params: Id,
          body: TaskBody,
          response: { 201: AgentTask, ...write(404) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await addTask(ctx, sessionOf(req).actor, req.params.id, req.body)),
    );
    app.put(
      "/plans/:id/order",
      {
        schema: {
          ...s,
          summary: "Reorder a plan's tasks",
          params: Id,
          body: ReorderBody,
          response: { 200: AgentPlan, ...write(404) },
        },
      },
      async (req) => reorderTasks(ctx, sessionOf(req).actor, req.params.id, req.body.ids),
    );
    app.get(
      "/tasks/:id",
      {
        schema: {
          ...s,
          summary: "A task, both states",
          params: Id,
          response: { 200: AgentTask, ...read(404) },
        },
      },
      async (req) => getTask(ctx, sessionOf(req).actor, req.params.id),
    );
    app.patch(
      "/tasks/:id",
      {
        schema: {
          ...s,
          summary: "Change a task: its team side (status, assignee, internal note) or portal side",
          description: "status, assigneeAgentId and internalNote are internal and never reach the customer.",
          params: Id,
          body: TaskPatch,
          response: { 200: AgentTask, ...write(404) },
        },
      },
      async (req) => updateTask(ctx, sessionOf(req).actor, req.params.id, req.body),
    );
    app.delete(
      "/tasks/:id",
      {
        schema: { ...s, summary: "Remove a task", params: Id, response: { 204: Type.Null(), ...read(404) } },
      },
      async (req, reply) => {
        await removeTask(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );
    app.post(
      "/tasks/:id/tickets",
      {
        schema: {
          ...s,
          summary: "Link a ticket of the task's company to the task",
          params: Id,
          body: LinkBody,
          response: { 200: AgentTask, ...write(404) },
        },
      },
      async (req) => {
        await linkTicket(ctx, sessionOf(req).actor, req.params.id, req.body.reference);
        return getTask(ctx, sessionOf(req).actor, req.params.id);
      },
    );
    app.delete(
      "/tasks/:id/tickets/:reference",
      {
        schema: {
          ...s,
          summary: "Unlink a ticket from a task",
          params: IdRef,
          response: { 200: AgentTask, ...read(404) },
        },
      },
      async (req) => {
        await unlinkTicket(ctx, sessionOf(req).actor, req.params.id, req.params.reference);
        return getTask(ctx, sessionOf(req).actor, req.params.id);
      },
    );
    app.post(
      "/tickets/:reference/tasks",
      {
        schema: {
          ...s,
          summary: "Make a task from a ticket",
          description:
            "Adds a team task (the ticket's subject unless a title is given) to a plan of the ticket's company, linked to the ticket.",
          params: Ref,
          body: SpawnBody,
          response: { 201: AgentTask, ...write(404) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await spawnTask(ctx, sessionOf(req).actor, req.params.reference, req.body)),
    );
  };
