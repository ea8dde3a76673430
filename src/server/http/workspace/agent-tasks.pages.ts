import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AgentActor } from "../../actors.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { zonedInstant } from "../../lib/business-hours.ts";
import {
  createManualTask,
  listAgentTasks,
  openTaskCount,
  setAgentTaskDone,
} from "../../tasks/agent-task.service.ts";
import { formString } from "../../web/forms.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { followUpsCard, type TaskPageState, tasksMain } from "./agent-tasks.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/tasks: the agent's follow-up tasks; Done and Add are plain forms that redirect back.

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in agent's open tasks, for the navigation's badge (pages only). */
    openTasks: number | null;
  }
}

/**
 * Counts the agent's open tasks before each page of the app (one indexed count), for the badge
 * beside Tasks in the navigation. Registered on the gated tree, after the gate.
 */
export function addOpenTaskBadge(tree: FastifyInstance, ctx: AppContext): void {
  tree.decorateRequest("openTasks", null);
  tree.addHook("preHandler", async (req) => {
    if (req.method !== "GET" || !req.session) return;
    req.openTasks = await openTaskCount(ctx, req.session.actor);
  });
}

/** The ticket's open follow-up tasks, for its sidebar (nothing when it has none). */
export async function ticketFollowUpsFor(ctx: AppContext, actor: AgentActor, ticketId: string) {
  return followUpsCard(await listAgentTasks(ctx, actor, { ticketId, status: "open" }));
}

export const agentTaskPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      st: Omit<TaskPageState, "timeZone"> & { status?: number },
    ) => {
      const actor = (req.session as SessionInfo).actor;
      const [tasks, ws] = await Promise.all([
        listAgentTasks(ctx, actor, { mine: !st.all }),
        getWorkspace(ctx, actor),
      ]);
      return sendAppPage(req, reply, {
        title: "Tasks",
        section: "tasks",
        status: st.status ?? 200,
        main: tasksMain(req, tasks, { ...st, timeZone: ws.time_zone }),
      });
    };

    app.get<{ Querystring: { all?: string; saved?: string } }>("/", async (req, reply) =>
      show(req, reply, {
        all: req.query.all === "1",
        ...(req.query.saved === "done"
          ? { notice: "Task done." }
          : req.query.saved === "added"
            ? { notice: "Task added to your list." }
            : req.query.saved === "reopened"
              ? { notice: "Task open again." }
              : {}),
      }),
    );

    app.post<{ Params: { id: string } }>("/:id/done", async (req, reply) => {
      const done = formString(req.body, "done") !== "false";
      await setAgentTaskDone(ctx, (req.session as SessionInfo).actor, req.params.id.slice(0, 64), done);
      const all = formString(req.body, "all") === "1" ? "&all=1" : "";
      return reply.redirect(`/app/tasks?saved=${done ? "done" : "reopened"}${all}`, 303);
    });

    app.post("/", async (req, reply) => {
      const actor = (req.session as SessionInfo).actor;
      const values = {
        title: (formString(req.body, "title") ?? "").slice(0, 1000),
        dueAt: (formString(req.body, "dueAt") ?? "").trim(),
        ticket: (formString(req.body, "ticket") ?? "").trim(),
      };
      try {
        const ws = await getWorkspace(ctx, actor);
        let due: string | null = null;
        if (values.dueAt) {
          const at = zonedInstant(values.dueAt, ws.time_zone);
          if (!at)
            throw new AppError(400, "validation_failed", "Some fields need attention.", {
              fields: { dueAt: "must be a date and time" },
            });
          due = at.toISOString();
        }
        if (values.title.length > 200) {
          throw new AppError(400, "validation_failed", "Some fields need attention.", {
            fields: { title: "must be at most 200 characters" },
          });
        }
        await createManualTask(ctx, actor, {
          title: values.title,
          dueAt: due,
          ticket: values.ticket || null,
        });
        return reply.redirect("/app/tasks?saved=added", 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 400) {
          return show(req, reply, { values, errors: err.fields ?? { title: err.message }, status: 400 });
        }
        throw err;
      }
    });
  };
