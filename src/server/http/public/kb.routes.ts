import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import { notFound, tooManyRequests } from "../../errors.ts";
import { recordDeflectionEvent } from "../../kb/kb.insights.ts";
import {
  giveFeedback,
  portalArticle,
  portalHome,
  portalKbOf,
  searchPortal,
  suggestArticles,
} from "../../kb/kb.portal.ts";
import {
  DeflectionEventInput,
  FeedbackCreated,
  FeedbackInput,
  PortalHome,
  PublicArticle,
  PublicHit,
  QUERY_MAX,
} from "../../kb/kb.schemas.ts";
import { pageShown } from "../../workspaces/portal-basics.ts";
import { apiEntry } from "../portal/portal-entry.ts";
import { errors } from "../shared/schema.ts";

// The portal's knowledge base: published public articles, and those for signed-in customers when
// one is signed in (kb.access.ts); on a portal that needs sign-in, 401 sign_in_required without one.

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 40 }) });
const ArticleParams = Type.Object({
  slug: Type.String({ maxLength: 40 }),
  article: Type.String({ maxLength: 80 }),
});
const Query = Type.Object({ q: Type.String({ maxLength: QUERY_MAX }) }, { additionalProperties: false });
const tags = ["portal"];
const MINUTE = 60_000;

/** Per client address: search records misses and the logs are writes, so both are limited. */
export async function limitKb(ctx: AppContext, req: FastifyRequest, what: string, perMinute: number) {
  const d = await ctx.limiter.consume(`kb-${what}:${req.ip}`, perMinute, MINUTE);
  if (!d.allowed) throw tooManyRequests("Too many requests. Please wait a moment.", d.retryAfterSeconds);
}

export const publicKbRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    /** The reader: a signed-in customer, else a visitor; 401 sign_in_required where the level needs it. */
    const readerOf = async (req: FastifyRequest) => {
      const entry = await apiEntry(ctx, req, (req.params as { slug: string }).slug);
      // Help articles the admin hid from the portal (Settings → Portal) are not there for customers.
      if (!pageShown(entry.ws, "kb")) throw notFound("This portal offers no help articles.");
      return portalKbOf(ctx, entry.ws, entry.actor);
    };
    app.get(
      "/portals/:slug/kb",
      {
        schema: {
          tags,
          summary: "Knowledge-base home: categories with their first articles",
          params: SlugParams,
          response: { 200: PortalHome, ...errors(401, 404) },
        },
      },
      async (req) => {
        const kb = await readerOf(req);
        return { categories: await portalHome(ctx, kb), notFoundText: kb.settings.effectiveNotFoundText };
      },
    );

    app.get(
      "/portals/:slug/kb/search",
      {
        schema: {
          tags,
          summary: "Search articles",
          description:
            "Relevance order, title above body; the last word matches as a prefix, misspelt words are corrected. A search that finds nothing is counted for the agents. Limited to 120 a minute per client address.",
          params: SlugParams,
          querystring: Query,
          response: {
            200: Type.Object({ items: Type.Array(PublicHit), notFoundText: Type.String() }),
            ...errors(400, 401, 404, 429),
          },
        },
      },
      async (req) => {
        await limitKb(ctx, req, "search", 120);
        const kb = await readerOf(req);
        return {
          items: await searchPortal(ctx, req.params.slug, kb, req.query.q),
          notFoundText: kb.settings.effectiveNotFoundText,
        };
      },
    );

    app.get(
      "/portals/:slug/kb/suggestions",
      {
        schema: {
          tags,
          summary: "Up to 5 articles for a subject being typed (deflection)",
          params: SlugParams,
          querystring: Query,
          response: { 200: Type.Object({ items: Type.Array(PublicHit) }), ...errors(400, 401, 404, 429) },
        },
      },
      async (req) => {
        await limitKb(ctx, req, "suggest", 300);
        const kb = await readerOf(req);
        return { items: await suggestArticles(ctx, req.params.slug, kb, req.query.q) };
      },
    );

    app.get(
      "/portals/:slug/kb/articles/:article",
      {
        schema: {
          tags,
          summary: "An article",
          params: ArticleParams,
          response: { 200: PublicArticle, ...errors(401, 404) },
        },
      },
      async (req) => portalArticle(ctx, await readerOf(req), req.params.article),
    );

    app.post(
      "/portals/:slug/kb/articles/:article/feedback",
      {
        schema: {
          tags,
          summary: "Was this helpful? (with an optional comment on no)",
          description: "Limited to 20 a minute per client address.",
          params: ArticleParams,
          body: FeedbackInput,
          response: { 201: FeedbackCreated, ...errors(400, 401, 404, 415, 429) },
        },
      },
      async (req, reply) => {
        await limitKb(ctx, req, "feedback", 20);
        const kb = await readerOf(req);
        return reply.status(201).send(await giveFeedback(ctx, kb, req.params.article, req.body));
      },
    );

    app.post(
      "/portals/:slug/kb/events",
      {
        schema: {
          tags,
          summary: "Log a suggestion event of the submit form",
          description:
            "shown (with the article ids shown), clicked (with the one clicked) or dismissed, for a visit id made by the submit page. Sending kbVisitId with the ticket marks the visit as not deflected. Limited to 120 a minute per client address.",
          params: SlugParams,
          body: DeflectionEventInput,
          response: { 204: Type.Null(), ...errors(400, 401, 404, 415, 429) },
        },
      },
      async (req, reply) => {
        await limitKb(ctx, req, "events", 120);
        await recordDeflectionEvent(ctx, await readerOf(req), req.body);
        return reply.status(204).send(null);
      },
    );
  };
