import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AppContext } from "../../context.ts";
import {
  createArticle,
  deleteArticle,
  getArticleForAgent,
  listArticlesForAgent,
  previewMarkdown,
  updateArticle,
} from "../../kb/kb.articles.ts";
import { createCategory, listCategories, reorderCategories, updateCategory } from "../../kb/kb.categories.ts";
import { kbInsights } from "../../kb/kb.insights.ts";
import {
  ARTICLE_STATUSES,
  Article,
  ArticleInput,
  ArticlePatch,
  ArticleSummary,
  BODY_MAX,
  Category,
  CategoryInput,
  CategoryOrder,
  CategoryPatch,
  Insights,
  QUERY_MAX,
  Settings,
  SettingsPatch,
} from "../../kb/kb.schemas.ts";
import { getKbSettings, updateKbSettings } from "../../kb/kb.settings.ts";
import { OneOf, OptionalText, StrictObject } from "../../lib/schema.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";

// Agents' knowledge base, inside the workspace tree (its session and CSRF hook apply).

const security = [{ session: [], csrf: [] }];
const tags = ["knowledge base"];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const workspaceKbRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/kb/articles",
      {
        schema: {
          tags,
          summary: "Articles, with helpful counts",
          description: "Every article of the workspace, drafts and internal ones too. q searches them.",
          security,
          querystring: Type.Object(
            {
              q: Type.Optional(Type.String({ maxLength: QUERY_MAX })),
              status: Type.Optional(OneOf(ARTICLE_STATUSES)),
              categoryId: Type.Optional(Type.String({ maxLength: 64 })),
              sort: Type.Optional(OneOf(["updated", "views"] as const, "views: most read first")),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(ArticleSummary) }), ...errors(400, 401) },
        },
      },
      async (req) => ({ items: await listArticlesForAgent(ctx, sessionOf(req).actor, req.query) }),
    );

    app.post(
      "/kb/articles",
      {
        schema: {
          tags,
          summary: "Write an article",
          description: "A draft unless status says published. The slug comes from the title unless given.",
          security,
          body: ArticleInput,
          response: { 201: Article, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await createArticle(ctx, sessionOf(req).actor, req.body)),
    );

    app.get(
      "/kb/articles/:id",
      {
        schema: {
          tags,
          summary: "An article",
          security,
          params: IdParams,
          response: { 200: Article, ...errors(401, 404) },
        },
      },
      async (req) => getArticleForAgent(ctx, sessionOf(req).actor, req.params.id),
    );

    app.patch(
      "/kb/articles/:id",
      {
        schema: {
          tags,
          summary: "Edit, publish or unpublish an article",
          security,
          params: IdParams,
          body: ArticlePatch,
          response: { 200: Article, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => updateArticle(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.delete(
      "/kb/articles/:id",
      {
        schema: {
          tags,
          summary: "Delete an article",
          security,
          params: IdParams,
          response: { 204: Type.Null(), ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await deleteArticle(ctx, sessionOf(req).actor, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/kb/preview",
      {
        schema: {
          tags,
          summary: "Render Markdown as it will be published",
          security,
          body: StrictObject({ body: OptionalText(BODY_MAX) }),
          response: { 200: Type.Object({ html: Type.String() }), ...errors(400, 401, 403) },
        },
      },
      async (req) => ({ html: previewMarkdown(req.body.body) }),
    );

    app.get(
      "/kb/categories",
      {
        schema: {
          tags,
          summary: "Categories, in portal order",
          security,
          response: { 200: Type.Object({ items: Type.Array(Category) }), ...errors(401) },
        },
      },
      async (req) => ({ items: await listCategories(ctx, sessionOf(req).actor) }),
    );

    app.post(
      "/kb/categories",
      {
        schema: {
          tags,
          summary: "Add a category (admins)",
          description: "Added last. articleSort: manual (by position), newest, title or helpful.",
          security,
          body: CategoryInput,
          response: { 201: Category, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await createCategory(ctx, sessionOf(req).actor, req.body)),
    );

    app.patch(
      "/kb/categories/:id",
      {
        schema: {
          tags,
          summary: "Rename a category, show or hide it on the portal, choose its article order (admins)",
          security,
          params: IdParams,
          body: CategoryPatch,
          response: { 200: Category, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => updateCategory(ctx, sessionOf(req).actor, req.params.id, req.body),
    );

    app.put(
      "/kb/categories/order",
      {
        schema: {
          tags,
          summary: "Order the categories (admins)",
          description: "Every category id of the workspace, once, in the new order.",
          security,
          body: CategoryOrder,
          response: { 200: Type.Object({ items: Type.Array(Category) }), ...errors(400, 401, 403) },
        },
      },
      async (req) => ({ items: await reorderCategories(ctx, sessionOf(req).actor, req.body.ids) }),
    );

    app.get(
      "/kb/settings",
      {
        schema: {
          tags,
          summary: "Search language and the not-found guidance",
          security,
          response: { 200: Settings, ...errors(401) },
        },
      },
      async (req) => getKbSettings(ctx, sessionOf(req).actor.workspaceId),
    );

    app.patch(
      "/kb/settings",
      {
        schema: {
          tags,
          summary: "Change the search language or the not-found guidance (admins)",
          description:
            "notFoundText null restores the default. A new language rebuilds the workspace's index; on SQLite only English is stemmed.",
          security,
          body: SettingsPatch,
          response: { 200: Settings, ...errors(400, 401, 403) },
        },
      },
      async (req) => updateKbSettings(ctx, sessionOf(req).actor, req.body),
    );

    app.get(
      "/kb/insights",
      {
        schema: {
          tags,
          summary: "Searches that found nothing, deflection per week, recent negative feedback",
          description:
            "Deflection rate = submit-form visits that were shown suggestions and sent no ticket, over all visits shown suggestions.",
          security,
          response: { 200: Insights, ...errors(401) },
        },
      },
      async (req) => kbInsights(ctx, sessionOf(req).actor),
    );
  };
