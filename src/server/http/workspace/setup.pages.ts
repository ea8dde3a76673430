import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { systemActor } from "../../actors.ts";
import { signIn } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { formString } from "../../web/forms.ts";
import {
  countWorkspaces,
  createWorkspaceWithAdmin,
  newWorkspaceErrors,
} from "../../workspaces/workspace.service.ts";
import { PRE_SESSION_EXPIRED, preSessionToken, preSessionTokenHolds } from "../shared/pre-session.ts";
import { setSessionCookie } from "./gate.ts";
import { sendPublicAppPage } from "./layout.ts";
import { inFormOrder, notFoundMain, type SetupValues, setupForm } from "./setup.views.ts";

// First run (/setup): exists while there is no workspace, outside the agents' gate. It signs the
// new admin in, so its form carries the pre-session token (pre-session.ts). A refused form lists
// every problem at once, in the order of the fields.

const notFoundPage = (reply: FastifyReply) =>
  sendPublicAppPage(reply, { title: "Not found", status: 404, main: notFoundMain });

export const setupPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get("/", async (_req, reply) =>
      reply.redirect((await countWorkspaces(ctx)) === 0 ? "/setup" : "/app", 303),
    );

    app.get("/setup", async (req, reply) => {
      if ((await countWorkspaces(ctx)) > 0) return notFoundPage(reply);
      return sendPublicAppPage(reply, {
        title: "Set up Portico",
        main: setupForm(preSessionToken(ctx.config, req, reply), {}),
      });
    });

    app.post("/setup", async (req, reply) => {
      if ((await countWorkspaces(ctx)) > 0) return notFoundPage(reply);
      const values: SetupValues = {
        name: formString(req.body, "name") ?? "",
        slug: (formString(req.body, "slug") ?? "").trim().toLowerCase(),
        "admin.name": formString(req.body, "admin.name") ?? "",
        "admin.email": (formString(req.body, "admin.email") ?? "").trim(),
      };
      const password = formString(req.body, "admin.password") ?? "";
      const again = (status: number, fields?: FieldErrors, message?: string) =>
        sendPublicAppPage(reply, {
          title: "Set up Portico",
          status,
          main: setupForm(
            preSessionToken(ctx.config, req, reply),
            values,
            fields && inFormOrder(fields),
            message,
          ),
        });
      if (!preSessionTokenHolds(ctx.config, req)) return again(403, undefined, PRE_SESSION_EXPIRED);
      const input = {
        name: values.name as string,
        slug: values.slug as string,
        admin: {
          name: values["admin.name"] as string,
          email: values["admin.email"] as string,
          password,
          role: "admin" as const,
        },
      };
      // The admin signs in with a password: here it is required, beside every other problem.
      const fields: FieldErrors = {
        ...newWorkspaceErrors(input),
        ...(input.slug ? {} : { slug: "is required" }),
        ...(password ? {} : { "admin.password": "is required" }),
      };
      if (Object.keys(fields).length) return again(400, fields);
      try {
        const { workspace } = await createWorkspaceWithAdmin(ctx, systemActor("first-run setup"), input, {
          onlyIfFirst: true,
        });
        const s = await signIn(ctx, {
          workspace: workspace.slug,
          email: values["admin.email"] as string,
          password,
          ip: req.ip,
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx, reply, s.token, s.expiresAt);
        return reply.redirect("/app/settings?welcome=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.code === "setup_done") return notFoundPage(reply);
        if (err instanceof AppError && err.status < 500) {
          return again(err.status, err.fields, err.fields ? undefined : err.message);
        }
        throw err;
      }
    });
  };
