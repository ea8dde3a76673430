import type { FastifyPluginAsync } from "fastify";
import type { Config } from "../../config.ts";
import { bearerMatches, type Metrics } from "../../metrics/metrics.ts";

// GET /metrics on the main port, for Prometheus, with METRICS_TOKEN only: a request without the
// token is the same 404 as a server without metrics, so a scan learns nothing. Without a token
// the route is not there at all (a separate private listener may serve it: METRICS_PORT).

export const metricsRoutes =
  (config: Config, metrics: Metrics): FastifyPluginAsync =>
  async (app) => {
    const token = config.metricsToken;
    if (!token) return;
    app.get("/metrics", { schema: { hide: true } }, async (req, reply) => {
      if (!bearerMatches(req.headers.authorization, token)) return reply.callNotFound();
      const { contentType, body } = await metrics.render();
      return reply.header("cache-control", "no-store").type(contentType).send(body);
    });
  };
