import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";

export const healthRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const Status = Type.Object({ status: Type.String() });
    app.get(
      "/healthz",
      { schema: { tags: ["health"], summary: "The process is up", response: { 200: Status } } },
      async () => ({ status: "ok" }),
    );
    app.get(
      "/readyz",
      {
        schema: {
          tags: ["health"],
          summary: "The database answers",
          response: { 200: Status, 503: Type.Object({ status: Type.String(), error: Type.String() }) },
        },
      },
      async (_req, reply) => {
        try {
          await ctx.database.ping();
          return { status: "ready" };
        } catch (err) {
          ctx.log.warn({ err }, "readiness check failed");
          return reply.status(503).send({ status: "unavailable", error: "database unreachable" });
        }
      },
    );
  };
