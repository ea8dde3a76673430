import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyError, type FastifyInstance, LogController } from "fastify";
import { systemActor } from "./actors.ts";
import type { AppContext } from "./context.ts";
import { AppError } from "./errors.ts";
import { startUploadSweeper } from "./files/file.service.ts";
import { healthRoutes } from "./http/health.routes.ts";
import { appPages } from "./http/pages/app.pages.ts";
import { portalKbPages } from "./http/pages/portal.kb.ts";
import { portalPages } from "./http/pages/portal.pages.ts";
import { publicFileRoutes, UploadResult } from "./http/public/files.routes.ts";
import { publicKbRoutes } from "./http/public/kb.routes.ts";
import { publicRoutes } from "./http/public/public.routes.ts";
import { lazyChildLogger } from "./http/request-logger.ts";
import { ErrorResponse } from "./http/schema.ts";
import { fieldErrors, validatorCompiler } from "./http/validation.ts";
import { authRoutes } from "./http/workspace/auth.routes.ts";
import { workspaceRoutes } from "./http/workspace/workspace.routes.ts";
import { ASSETS_DIR } from "./web/page.ts";

export type App = FastifyInstance & { withTypeProvider<_T>(): unknown };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The whole HTTP application. Tests build one per file; main.ts builds one and listens. */
export async function buildApp(ctx: AppContext) {
  const app = Fastify({
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ErrorResponse);
  app.addSchema(UploadResult);

  // One structured line per request. The route pattern is logged, never the URL: a tracking
  // token travels in the query string. No bodies, cookies or passwords reach the log.
  // Hooks in callback style: they run on every request, and skip a promise each.
  // When the last request came in, noted at the socket for the price of a clock read: the outbox
  // steps back while requests keep coming (delivery.ts).
  app.server.on("request", () => {
    ctx.activity.lastRequestAt = performance.now();
  });

  app.addHook("onResponse", (req, reply, done) => {
    // Through the app's logger with the id in the line: what the request's child would write,
    // without making one per request.
    ctx.log.info(
      {
        reqId: req.id,
        method: req.method,
        route: req.routeOptions.url ?? "(no route)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: req.ip,
      },
      "request",
    );
    done();
  });

  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    reply.header("x-content-type-options", "nosniff");
    // Tracking links carry their token in the URL; it must never leave in a Referer.
    reply.header("referrer-policy", "no-referrer");
    if (req.url.startsWith("/api/") && !req.url.startsWith("/api/docs")) {
      // A served file brings its own, stricter policy (with sandbox).
      if (!reply.hasHeader("content-security-policy")) {
        reply.header("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
      }
      if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    }
    done(null, payload);
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return reply.status(err.status).send({
        error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
      });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const fields = fieldErrors(fe.validation as never);
      return reply.status(400).send({
        error: { code: "validation_failed", message: "Some fields need attention.", fields },
      });
    }
    const known: Record<string, [number, string, string]> = {
      FST_ERR_CTP_INVALID_JSON_BODY: [400, "invalid_json", "The body is not valid JSON."],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json", "The body is empty."],
      FST_ERR_CTP_BODY_TOO_LARGE: [413, "payload_too_large", "The request body is too large."],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [
        415,
        "unsupported_media_type",
        "Send JSON (Content-Type: application/json).",
      ],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "bad_request", "The Content-Length does not match the body."],
    };
    const k = fe.code ? known[fe.code] : undefined;
    if (k) return reply.status(k[0]).send({ error: { code: k[1], message: k[2] } });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own 4xx (a proto-poisoned body, a bad header): say so without internals.
      return reply
        .status(fe.statusCode)
        .send({ error: { code: "bad_request", message: "The request is not valid." } });
    }
    req.log.error({ err }, "unhandled error");
    return reply.status(500).send({
      error: { code: "internal_error", message: "Something went wrong on our side. Please try again." },
    });
  });

  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ error: { code: "not_found", message: "Not found" } }),
  );

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Portico API",
        version: "1",
        description:
          "Public portal routes need no account (a tracking token opens one ticket). Workspace routes need an agent session cookie and, for writes, the X-CSRF-Token header returned at sign-in.",
      },
      tags: [
        { name: "portal", description: "Customers, no account" },
        { name: "auth", description: "Agent sign-in" },
        { name: "tickets", description: "Agents: the queue and ticket work" },
        { name: "contacts", description: "Agents: customers and their tickets" },
        { name: "settings", description: "Agents and admins: workspace settings" },
        { name: "knowledge base", description: "Agents and admins: articles, categories, insights" },
        { name: "health", description: "Operators" },
      ],
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "portico_session" },
          csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
    // The document describes the JSON API; the HTML pages (/portal, /app, /setup) are not part of it.
    transform: ({ schema, url }) => ({
      schema:
        url.startsWith("/api/") || /^\/(healthz|readyz)$/.test(url) ? schema : { ...schema, hide: true },
      url,
    }),
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(ctx));
  await app.register(publicRoutes(ctx), { prefix: "/api/public" });
  await app.register(publicFileRoutes(ctx), { prefix: "/api/public" });
  await app.register(publicKbRoutes(ctx), { prefix: "/api/public" });
  await app.register(authRoutes(ctx), { prefix: "/api/auth" });
  await app.register(workspaceRoutes(ctx), { prefix: "/api/workspace" });

  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: "/assets/",
    // URLs carry a content hash (assetUrl), so a year of caching is safe.
    maxAge: "365d",
    immutable: true,
    index: false,
  });
  await app.register(portalPages(ctx), { prefix: "/portal" });
  await app.register(portalKbPages(ctx), { prefix: "/portal" });
  await app.register(appPages(ctx));

  // Unattached uploads are deleted after 24 hours, by a sweep that lives as long as the server.
  let stopSweeper: (() => void) | undefined;
  app.addHook("onReady", async () => {
    stopSweeper = startUploadSweeper(ctx, systemActor("upload sweep"));
  });
  app.addHook("onClose", async () => stopSweeper?.());
  return app;
}
