import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { hostOfHeader } from "../../lib/hostname.ts";
import { hostClaimedWith } from "../../workspaces/custom-domain.ts";
import { WELL_KNOWN_PATH } from "../../workspaces/domain-check.ts";
import type { HostTable } from "../shared/host-routing.ts";

// The two answers custom domains need from outside (host-routing.ts routes the rest):
// - the HTTP proof: on a Host a workspace claims, the well-known path with that workspace's token
//   answers the token as plain text (domain-check.ts asks it); anything else, not found;
// - Caddy's on-demand TLS ask: GET /tls/ask?domain=<host> is 200 for a host this server answers
//   for (PUBLIC_URL's, a verified custom domain, an old one that redirects), else 404, so Caddy
//   gets certificates for those names only (docs/deploy/Caddyfile).

export const domainRoutes =
  (ctx: AppContext, hosts: HostTable): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get<{ Params: { token: string } }>(
      `${WELL_KNOWN_PATH}/:token`,
      { schema: { hide: true } },
      async (req, reply) => {
        const host = hostOfHeader(req.headers.host);
        const { token } = req.params;
        const claimed = host && token.length <= 64 ? await hostClaimedWith(ctx, host, token) : false;
        if (!claimed)
          return reply.code(404).header("cache-control", "no-store").type("text/plain").send("Not found\n");
        return reply.header("cache-control", "no-store").type("text/plain; charset=utf-8").send(token);
      },
    );

    app.get(
      "/tls/ask",
      {
        schema: {
          hide: true,
          querystring: Type.Object({ domain: Type.Optional(Type.String({ maxLength: 300 })) }),
          response: {
            200: Type.Object({ domain: Type.String() }),
            404: Type.Object({ domain: Type.String() }),
          },
        },
      },
      async (req, reply) => {
        const domain = hostOfHeader(req.query.domain) ?? "";
        reply.header("cache-control", "no-store");
        return reply.code(domain && hosts.servesTls(domain) ? 200 : 404).send({ domain });
      },
    );
  };
