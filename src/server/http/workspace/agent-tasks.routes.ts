import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { Key, Line, Nullable, OneOf, OptionalText, StrictObject } from "../../lib/schema.ts";
import {
  createManualTask,
  listAgentTasks,
  setAgentTaskDone,
  TASK_BODY_MAX,
  TASK_TITLE_MAX,
} from "../../tasks/agent-task.service.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// The agents' follow-up tasks (a low score's call, one an agent adds). /tasks/:id without a
// verb is an onboarding plan's task (onboarding.routes.ts); these are the team's own list.

const security = [{ session: [], csrf: [] }];
const tags = ["tasks"];
const Ref = (label: string) =>
  Nullable(Type.Object({ id: Type.String(), name: Type.String() }, { description: label }));

export const AgentTaskSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  body: Type.String(),
  dueAt: Nullable(Type.String({ format: "date-time" })),
  overdue: Type.Boolean({ description: "Open and past its due moment" }),
  status: OneOf(["open", "done"] as const),
  doneAt: Nullable(Type.String({ format: "date-time" })),
  source: OneOf(
    ["csat", "nps", "manual"] as const,
    "What made it: a low CSAT, an NPS detractor, or an agent",
  ),
  agentId: Nullable(Type.String()),
  ticket: Nullable(Type.Object({ id: Type.String(), reference: Type.String(), subject: Type.String() })),
  contact: Ref("The contact it is about"),
  company: Ref("The company it is about"),
  createdAt: Type.String({ format: "date-time" }),
});

const ListQuery = Type.Object({
  mine: Type.Optional(OneOf(["0", "1"] as const, "1: only the caller's tasks")),
  status: Type.Optional(OneOf(["open", "done", "all"] as const, "open, done (the last week) or all")),
});

export const NewTaskBody = StrictObject({
  title: Line(TASK_TITLE_MAX, "What to do"),
  dueAt: Type.Optional(Nullable(Type.String({ format: "date-time", description: "When it is due" }))),
  ticket: Type.Optional(Nullable(Key(20, { description: "A ticket reference, e.g. TKT-0042" }))),
  body: Type.Optional(OptionalText(TASK_BODY_MAX, "Notes")),
  agentId: Type.Optional(Key(64, { description: "Whose list: the caller's unless given" })),
});

export const workspaceAgentTaskRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/tasks",
      {
        schema: {
          tags,
          security,
          summary:
            "Follow-up tasks: open ones (overdue first, then by due date), then those done in the last week",
          querystring: ListQuery,
          response: { 200: Type.Array(AgentTaskSchema), ...errors(400, 401) },
        },
      },
      async (req) =>
        listAgentTasks(ctx, sessionOf(req).actor, {
          mine: req.query.mine === "1",
          status: req.query.status ?? "all",
        }),
    );
    app.post(
      "/tasks",
      {
        schema: {
          tags,
          security,
          summary: "Add a follow-up task by hand",
          body: NewTaskBody,
          response: { 201: AgentTaskSchema, ...errors(400, 401) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await createManualTask(ctx, sessionOf(req).actor, req.body)),
    );
    app.post(
      "/tasks/:id/done",
      {
        schema: {
          tags,
          security,
          summary: "Mark a follow-up task done (no body)",
          params: Type.Object({ id: Key(64) }),
          response: { 200: AgentTaskSchema, ...errors(401, 404) },
        },
      },
      async (req) => setAgentTaskDone(ctx, sessionOf(req).actor, req.params.id, true),
    );
    app.delete(
      "/tasks/:id/done",
      {
        schema: {
          tags,
          security,
          summary: "Open a done follow-up task again",
          params: Type.Object({ id: Key(64) }),
          response: { 200: AgentTaskSchema, ...errors(401, 404) },
        },
      },
      async (req) => setAgentTaskDone(ctx, sessionOf(req).actor, req.params.id, false),
    );
  };
