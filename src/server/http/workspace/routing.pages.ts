import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import {
  type AssignmentPatch,
  assignmentSettingsOf,
  updateAssignmentSettings,
} from "../../routing/assignment-settings.ts";
import { availabilityOf, setAvailability, setCapacity, workload } from "../../routing/availability.ts";
import { createTeam, deleteTeam, listTeams, updateTeam } from "../../routing/teams.ts";
import { formString } from "../../web/forms.ts";
import { getWorkspace } from "../../workspaces/workspace.service.ts";
import { safeNext, sendAppPage } from "./layout.ts";
import { assignmentMain, type RoutingState, teamsMain } from "./routing.views.ts";

// The routing pages: Settings → Assignment, Settings → Teams and workload, each agent's capacity,
// and the header's availability control. Forms post here and go back with a notice.

/** Reads the agent's availability before each page of the app, for the header's control. */
export function addAvailability(tree: FastifyInstance, ctx: AppContext): void {
  tree.decorateRequest("availability", null);
  tree.addHook("preHandler", async (req) => {
    if (req.method !== "GET" || !req.session) return;
    req.availability = (await availabilityOf(ctx, req.session.actor)).availability;
  });
}

const NOTICES: Record<string, string> = {
  assignment: "Assignment saved.",
  created: "Team created.",
  saved: "Team saved.",
  deleted: "Team deleted.",
  capacity: "Capacity saved.",
};

/** A repeated form field (checkboxes) as a list. */
function formList(body: unknown, key: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  return (Array.isArray(v) ? v : [v])
    .filter((x): x is string => typeof x === "string")
    .map((x) => x.slice(0, 64));
}

export const routingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
    const isAdmin = (req: FastifyRequest) => (req.session as SessionInfo).agent.role === "admin";
    const noticeOf = (req: FastifyRequest) => NOTICES[(req.query as Record<string, string>).saved ?? ""];

    const showAssignment = async (req: FastifyRequest, reply: FastifyReply, st: RoutingState = {}) => {
      const actor = actorOf(req);
      const ws = await getWorkspace(ctx, actor);
      return sendAppPage(req, reply, {
        title: "Assignment",
        section: "settings",
        status: st.status ?? 200,
        main: assignmentMain(req, assignmentSettingsOf(ws), await listTeams(ctx, actor), isAdmin(req), st),
      });
    };
    const showTeams = async (req: FastifyRequest, reply: FastifyReply, st: RoutingState = {}) => {
      const actor = actorOf(req);
      return sendAppPage(req, reply, {
        title: "Teams and workload",
        section: "settings",
        status: st.status ?? 200,
        main: teamsMain(req, await listTeams(ctx, actor), await workload(ctx, actor), isAdmin(req), st),
      });
    };
    /** A refusal shown on the page it came from; anything else goes to the app's error page. */
    const refused =
      (show: typeof showTeams) => async (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
        if (err instanceof AppError && err.status < 500 && err.status !== 403 && err.status !== 404) {
          return show(req, reply, { errors: err.fields ?? { name: err.message }, status: err.status });
        }
        throw err;
      };

    app.get("/settings/assignment", async (req, reply) => {
      const notice = noticeOf(req);
      return showAssignment(req, reply, notice ? { notice } : {});
    });
    app.post("/settings/assignment", async (req, reply) => {
      const actor = actorOf(req);
      const mode = formString(req.body, "mode");
      const teamsByType: Record<string, string | null> = {};
      for (const [k, v] of Object.entries((req.body as Record<string, unknown>) ?? {})) {
        if (k.startsWith("team:") && typeof v === "string") teamsByType[k.slice(5)] = v || null;
      }
      const patch = { ...(mode ? { mode } : {}), teamsByType } as AssignmentPatch;
      try {
        await updateAssignmentSettings(ctx, actor, await getWorkspace(ctx, actor), patch);
      } catch (err) {
        return refused(showAssignment)(req, reply, err);
      }
      return reply.redirect("/app/settings/assignment?saved=assignment", 303);
    });

    app.get("/settings/teams", async (req, reply) => {
      const notice = noticeOf(req);
      return showTeams(req, reply, notice ? { notice } : {});
    });
    app.post("/settings/teams", async (req, reply) => {
      try {
        await createTeam(ctx, actorOf(req), { name: formString(req.body, "name") ?? "" });
      } catch (err) {
        return refused(showTeams)(req, reply, err);
      }
      return reply.redirect("/app/settings/teams?saved=created", 303);
    });
    app.post<{ Params: { id: string } }>("/settings/teams/:id", async (req, reply) => {
      try {
        await updateTeam(ctx, actorOf(req), req.params.id.slice(0, 64), {
          name: formString(req.body, "name") ?? "",
          memberIds: formList(req.body, "member"),
        });
      } catch (err) {
        return refused(showTeams)(req, reply, err);
      }
      return reply.redirect("/app/settings/teams?saved=saved", 303);
    });
    app.post<{ Params: { id: string } }>("/settings/teams/:id/delete", async (req, reply) => {
      await deleteTeam(ctx, actorOf(req), req.params.id.slice(0, 64));
      return reply.redirect("/app/settings/teams?saved=deleted", 303);
    });
    app.post<{ Params: { id: string } }>("/settings/agents/:id/capacity", async (req, reply) => {
      const raw = (formString(req.body, "capacity") ?? "").trim();
      try {
        const capacity = raw === "" ? null : /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
        await setCapacity(ctx, actorOf(req), req.params.id.slice(0, 64), capacity);
      } catch (err) {
        return refused(showTeams)(req, reply, err);
      }
      return reply.redirect("/app/settings/teams?saved=capacity", 303);
    });

    app.post("/me/availability", async (req, reply) => {
      const availability = formString(req.body, "availability") === "away" ? "away" : "online";
      await setAvailability(ctx, actorOf(req), {
        availability,
        handBack: formString(req.body, "handBack") === "true",
      });
      return reply.redirect(safeNext(formString(req.body, "next")), 303);
    });
  };
