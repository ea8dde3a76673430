import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { pingWithin } from "../../db/wait.ts";
import { type Outage, outage, outageOf } from "../../lib/outage.ts";

// /healthz: the process is up. /readyz: it can do its work: the database answers and the disk
// under DATA_DIR takes writes (db/storage-watch.ts); else 503 with the outage's code and reason,
// so a load balancer sends the traffic elsewhere until the dependency is back.

/** A ping that does not answer in time counts as down. */
const PING_TIMEOUT_MS = 3_000;

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
          summary: "The database answers and the disk takes writes",
          response: {
            200: Status,
            503: Type.Object({
              status: Type.String(),
              error: Type.String({ description: "what is wrong, in words" }),
              code: Type.String({ description: "the outage's stable code, as in the API's 503 answers" }),
              reason: Type.String({
                description: "the driver's or system's code, e.g. ECONNREFUSED, ENOSPC",
              }),
            }),
          },
        },
      },
      async (_req, reply) => {
        let problem: { error: string; outage: Outage } | null = null;
        try {
          await pingWithin(ctx.database, PING_TIMEOUT_MS);
        } catch (err) {
          ctx.log.warn({ err }, "readiness check failed: the database does not answer");
          problem = {
            error: "database unreachable",
            outage:
              outageOf(err) ??
              outage("database_unavailable", (err as { code?: string }).code ?? "ping failed"),
          };
        }
        if (!problem) {
          const storage = await ctx.database.storage.check();
          if (storage) {
            ctx.log.warn(
              { outage: storage.code, reason: storage.reason },
              "readiness check failed: the disk",
            );
            problem = {
              error: `storage: ${storage.code.replace("storage_", "").replace("_", " ")}`,
              outage: storage,
            };
          }
        }
        if (!problem) return { status: "ready" };
        return reply.status(503).header("Retry-After", String(problem.outage.retryAfterSeconds)).send({
          status: "unavailable",
          error: problem.error,
          code: problem.outage.code,
          reason: problem.outage.reason,
        });
      },
    );
  };
