import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { AppContext } from "./context.ts";
import type { StorageWatch } from "./db/storage-watch.ts";
import { portalAccountPages } from "./http/portal/account.pages.ts";
import { portalApiRoutes } from "./http/portal/account.routes.ts";
import { portalPages } from "./http/portal/portal.pages.ts";
import { portalSignInPages } from "./http/portal/sign-in.pages.ts";
import { brandRoutes } from "./http/public/brand.routes.ts";
import { domainRoutes } from "./http/public/domains.routes.ts";
import { embedRoutes } from "./http/public/embed.routes.ts";
import { publicFileRoutes, UploadResult } from "./http/public/files.routes.ts";
import { healthRoutes } from "./http/public/health.routes.ts";
import { homePages } from "./http/public/home.pages.ts";
import { incidentTrackingPages } from "./http/public/incident-banner.ts";
import { publicKbPages } from "./http/public/kb.pages.ts";
import { publicKbRoutes } from "./http/public/kb.routes.ts";
import { languagePages } from "./http/public/language.routes.ts";
import { lostLinkPages } from "./http/public/lost-link.pages.ts";
import { lostLinkRoutes } from "./http/public/lost-link.routes.ts";
import { metricsRoutes } from "./http/public/metrics.routes.ts";
import { publicRoutes } from "./http/public/public.routes.ts";
import { submitPages } from "./http/public/submit.pages.ts";
import { surveyPages } from "./http/public/survey.pages.ts";
import { surveyRoutes } from "./http/public/survey.routes.ts";
import { trackingPages } from "./http/public/tracking.pages.ts";
import { widgetPages } from "./http/public/widget.pages.ts";
import { widgetLoaderRoutes } from "./http/public/widget.routes.ts";
import { refuseControlsInAddress } from "./http/shared/control-characters.ts";
import { cookieName } from "./http/shared/cookies.ts";
import { crossSiteWriteGuard } from "./http/shared/cross-site.ts";
import { jsonErrorHandler, jsonNotFound } from "./http/shared/errors.ts";
import { answerHostDecision, HostTable } from "./http/shared/host-routing.ts";
import { httpServerOptions, limitConcurrentUploads, watchSlowBodies } from "./http/shared/http-limits.ts";
import { jsonBodyParser } from "./http/shared/json-body.ts";
import { lazyChildLogger, requestLine } from "./http/shared/request-logger.ts";
import { type RouteEntry, routeEntries } from "./http/shared/route-list.ts";
import { ErrorResponse } from "./http/shared/schema.ts";
import {
  apiAnswerHeaders,
  dependencyPageHeaders,
  everyAnswerHeaders,
  httpsAnswerHeaders,
} from "./http/shared/security-headers.ts";
import { lazyCompilers, serializerFactory, validatorCompiler } from "./http/shared/validation.ts";
import { appPages } from "./http/workspace/app.pages.ts";
import { authRoutes } from "./http/workspace/auth.routes.ts";
import { workspaceRoutes } from "./http/workspace/workspace.routes.ts";
import { createMetrics, type Metrics } from "./metrics/metrics.ts";
import { ASSETS_DIR } from "./web/assets.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Prometheus metrics, when METRICS_TOKEN or METRICS_PORT asks for them (main.ts serves the port). */
    metrics: Metrics | null;
    /** Whether DATA_DIR's disk takes writes: every outage answer records what it saw (errors.ts). */
    storage: StorageWatch;
    /** Which workspace a Host names (host-routing.ts): reload it after changing an address. */
    hosts: HostTable;
  }
}

export type App = FastifyInstance & { withTypeProvider<_T>(): unknown };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

// The API docs page is @fastify/swagger-ui's own HTML: its files only, never framed.
const DOCS_CSP =
  "default-src 'self'; base-uri 'none'; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'";

/**
 * The whole HTTP application, one tree per audience (src/server/http/): public (no sign-in),
 * portal (signed-in customers), workspace (agents), each behind its own gate, with the plumbing
 * they share in http/shared. Tests build one per file; main.ts builds one and listens.
 */
export async function buildApp(ctx: AppContext) {
  // Custom domains and old addresses, read before the first request (host-routing.ts).
  const hosts = new HostTable(ctx);
  await hosts.reload();
  const schemaCompilers = lazyCompilers();
  const app = Fastify({
    // Route schemas are compiled when a route is first used (validation.ts).
    schemaController: { compilersFactory: { buildSerializer: serializerFactory(schemaCompilers) } },
    loggerInstance: ctx.log,
    // Fastify's two lines per request are replaced by the one onResponse line below.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's own logger is made only when something is logged through it (request-logger.ts).
    childLoggerFactory: lazyChildLogger,
    // A hop count is accepted at run time though the type leaves it out.
    trustProxy: ctx.config.trustProxy as boolean | string | string[],
    bodyLimit: 256 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Slow clients: headers, keep-alive and silence by Node, a body by its progress (http-limits.ts).
    ...httpServerOptions(ctx.config.http),
    // A custom domain's paths onto its workspace's portal, before routing (host-routing.ts).
    rewriteUrl: hosts.rewriteUrl,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const stopRefreshingHosts = hosts.start();
  app.addHook("onClose", async () => stopRefreshingHosts());
  app.decorate("hosts", hosts);
  const stopWatchingBodies = watchSlowBodies(app.server, ctx.config.http, ctx.log);
  app.addHook("onClose", async () => stopWatchingBodies());

  const routes: RouteEntry[] = [];
  app.decorate("registeredRoutes", routes);
  app.addHook("onRoute", (route) => {
    routes.push(...routeEntries(route));
  });
  app.decorate("schemaCompilers", schemaCompilers);
  app.setValidatorCompiler(validatorCompiler(schemaCompilers));
  // Fastify's JSON parser, plus refusing a key repeated within an object (json-body.ts).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, jsonBodyParser);
  app.addSchema(ErrorResponse);
  app.addSchema(UploadResult);

  // When the last request came in, noted at the socket for the price of a clock read: the outbox
  // steps back while requests keep coming (delivery.ts).
  app.server.on("request", () => {
    ctx.activity.lastRequestAt = performance.now();
  });
  app.addHook("onResponse", requestLine(ctx.log));
  // Metrics cost nothing unless asked for: then one histogram observation per request.
  const metrics =
    ctx.config.metricsToken || ctx.config.metricsPort !== undefined ? await createMetrics(ctx) : null;
  app.decorate("metrics", metrics);
  if (metrics) app.addHook("onResponse", metrics.onResponse);
  // A custom host's redirect or not-found, decided by the host table, before anything else.
  app.addHook("onRequest", answerHostDecision);
  // Before any tree's own hooks: a write from another site goes no further (cross-site.ts).
  app.addHook("onRequest", crossSiteWriteGuard(ctx.config));
  // Every tree, pages included: a control character in a path or query is a 400 naming it.
  app.addHook("onRequest", refuseControlsInAddress);
  // Uploads at once, per process: past MAX_CONCURRENT_UPLOADS a 503 before the body is read.
  app.addHook("onRequest", limitConcurrentUploads(ctx.config.http.maxConcurrentUploads));
  app.addHook("onSend", everyAnswerHeaders);
  if (ctx.config.servedOverHttps) app.addHook("onSend", httpsAnswerHeaders);
  app.decorate("storage", ctx.database.storage);
  app.setErrorHandler(jsonErrorHandler);
  app.setNotFoundHandler(jsonNotFound);

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Portico API",
        version: "1",
        description:
          "Public portal routes need no account (a tracking token opens one ticket). Workspace routes need an agent session cookie and, for writes, the X-CSRF-Token header returned at sign-in; or an API key (Authorization: Bearer ptk_…, created by an admin under Settings → API keys), which needs no CSRF token, acts with an agent's role, and if read only may GET and HEAD only. Customer portal routes need a customer session cookie and, for writes, its X-CSRF-Token.",
      },
      tags: [
        { name: "portal", description: "Customers, no account" },
        { name: "customer portal", description: "Signed-in customers" },
        { name: "auth", description: "Agent sign-in" },
        { name: "tickets", description: "Agents: the queue and ticket work" },
        { name: "contacts", description: "Agents: customers and their tickets" },
        { name: "companies", description: "Agents and admins: customer organisations and their domains" },
        { name: "settings", description: "Agents and admins: workspace settings" },
        { name: "knowledge base", description: "Agents and admins: articles, categories, insights" },
        { name: "analytics", description: "Agents: the dashboard's numbers and their CSV" },
        { name: "integrations", description: "Webhooks, chat notifications, API keys and bot handover" },
        { name: "health", description: "Operators" },
      ],
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: cookieName(ctx.config, "portico_session") },
          csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
          apiKey: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "ptk",
            description:
              "An admin's API key (Settings → API keys), on /api/workspace: Authorization: Bearer ptk_…",
          },
          customerSession: {
            type: "apiKey",
            in: "cookie",
            name: cookieName(ctx.config, "portico_customer"),
          },
          customerCsrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(async (docs) => {
    docs.addHook("onSend", dependencyPageHeaders);
    await docs.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: DOCS_CSP });
  });

  await app.register(healthRoutes(ctx));
  await app.register(domainRoutes(ctx, hosts));
  if (metrics) await app.register(metricsRoutes(ctx.config, metrics));
  // The JSON API: its own answer headers and 404, every audience's tree with its own gate.
  await app.register(
    async (api) => {
      api.addHook("onSend", apiAnswerHeaders);
      api.setNotFoundHandler(jsonNotFound);
      api.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
      await api.register(publicRoutes(ctx), { prefix: "/public" });
      await api.register(publicFileRoutes(ctx), { prefix: "/public" });
      await api.register(publicKbRoutes(ctx), { prefix: "/public" });
      await api.register(lostLinkRoutes(ctx), { prefix: "/public" });
      await api.register(surveyRoutes(ctx), { prefix: "/public" });
      await api.register(portalApiRoutes(ctx), { prefix: "/portal" });
      await api.register(authRoutes(ctx), { prefix: "/auth" });
      await api.register(workspaceRoutes(ctx), { prefix: "/workspace" });
    },
    { prefix: "/api" },
  );

  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: "/assets/",
    // URLs carry a content hash (assetUrl), so a year of caching is safe.
    maxAge: "365d",
    immutable: true,
    index: false,
  });
  // The HTML pages: the customers' without an account, then the agents' app and first run.
  await app.register(homePages(ctx), { prefix: "/portal" });
  await app.register(brandRoutes(ctx), { prefix: "/portal" });
  await app.register(embedRoutes(), { prefix: "/portal" });
  await app.register(submitPages(ctx), { prefix: "/portal" });
  await app.register(trackingPages(ctx), { prefix: "/portal" });
  await app.register(incidentTrackingPages(ctx), { prefix: "/portal" });
  await app.register(publicKbPages(ctx), { prefix: "/portal" });
  await app.register(surveyPages(ctx), { prefix: "/portal" });
  await app.register(languagePages(ctx), { prefix: "/portal" });
  await app.register(widgetLoaderRoutes(ctx), { prefix: "/portal" });
  await app.register(widgetPages(ctx), { prefix: "/portal" });
  // The signed-in customers' pages, behind their gate.
  await app.register(portalPages(ctx), { prefix: "/portal" });
  await app.register(lostLinkPages(ctx), { prefix: "/portal" });
  await app.register(portalSignInPages(ctx), { prefix: "/portal" });
  await app.register(portalAccountPages(ctx), { prefix: "/portal" });
  await app.register(appPages(ctx));
  return app;
}
