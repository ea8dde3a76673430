import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import {
  createArticle,
  getArticleForAgent,
  listArticlesForAgent,
  previewMarkdown,
  updateArticle,
} from "../../kb/kb.articles.ts";
import { createCategory, listCategories, reorderCategories, updateCategory } from "../../kb/kb.categories.ts";
import { kbInsights } from "../../kb/kb.insights.ts";
import {
  ARTICLE_SORTS,
  ArticleInput,
  BODY_MAX,
  SettingsPatch as SettingsPatchSchema,
} from "../../kb/kb.schemas.ts";
import { getKbSettings, updateKbSettings } from "../../kb/kb.settings.ts";
import type { SearchLanguage } from "../../kb/kb.vocabulary.ts";
import { formString, formText } from "../../web/forms.ts";
import { validateBody } from "../shared/validation.ts";
import {
  articlesMain,
  type CategoriesState,
  categoriesMain,
  type EditorState,
  type EditorValues,
  editor,
  insightsMain,
  valuesOf,
} from "./kb.views.ts";
import { sendAppPage } from "./layout.ts";

// /app/kb: articles and the editor (Preview renders on the server), categories and the portal's
// search settings (admins change, agents look), and the insights. Article and settings forms
// pass the JSON API's own schemas (kb.schemas.ts).

const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;
const isAdmin = (req: FastifyRequest) => (req.session as SessionInfo).agent.role === "admin";

function readEditor(body: unknown): EditorValues {
  return {
    title: formString(body, "title") ?? "",
    body: formText(body, "body"),
    slug: (formString(body, "slug") ?? "").trim(),
    categoryId: formString(body, "categoryId") ?? "",
    tags: formString(body, "tags") ?? "",
    status: formString(body, "status") ?? "draft",
    visibility: formString(body, "visibility") ?? "public",
  };
}

const inputOf = (v: EditorValues) => ({
  title: v.title,
  body: v.body,
  ...(v.slug ? { slug: v.slug } : {}),
  categoryId: v.categoryId || null,
  tags: v.tags
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean),
  status: v.status,
  visibility: v.visibility,
});

export const kbPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const slugOf = (req: FastifyRequest) => (req.session as SessionInfo).workspace.slug;

    app.get<{ Querystring: { q?: string; saved?: string; sort?: string } }>("/", async (req, reply) => {
      const q = typeof req.query.q === "string" ? req.query.q.slice(0, 200) : "";
      const sort = req.query.sort === "views" ? "views" : "updated";
      const [articles, categories] = await Promise.all([
        listArticlesForAgent(ctx, actorOf(req), { q, sort }),
        listCategories(ctx, actorOf(req)),
      ]);
      return sendAppPage(req, reply, {
        title: "Knowledge base",
        section: "kb",
        main: articlesMain(q, Boolean(req.query.saved), articles, categories, sort),
      });
    });

    const showEditor = async (
      req: FastifyRequest,
      reply: FastifyReply,
      v: EditorValues,
      opts: EditorState & { status?: number },
    ) =>
      sendAppPage(req, reply, {
        title: opts.article ? `Edit: ${opts.article.title}` : "New article",
        section: "kb",
        status: opts.status ?? 200,
        main: editor(req, await listCategories(ctx, actorOf(req)), v, {
          ...opts,
          preview: opts.preview ?? previewMarkdown(v.body.slice(0, BODY_MAX)),
          slugPortal: slugOf(req),
        }),
      });

    app.get("/new", (req, reply) =>
      showEditor(
        req,
        reply,
        {
          title: "",
          body: "",
          slug: "",
          categoryId: "",
          tags: "",
          status: "draft",
          visibility: "public",
        },
        {},
      ),
    );

    app.get<{ Params: { id: string } }>("/articles/:id", async (req, reply) => {
      const article = await getArticleForAgent(ctx, actorOf(req), req.params.id.slice(0, 64));
      return showEditor(req, reply, valuesOf(article), { article });
    });

    const save = async (req: FastifyRequest, reply: FastifyReply, id: string | undefined) => {
      const v = readEditor(req.body);
      const article = id ? await getArticleForAgent(ctx, actorOf(req), id) : undefined;
      const input = inputOf(v);
      const errors = validateBody(ArticleInput, input);
      if (formString(req.body, "action") === "preview") {
        return showEditor(req, reply, v, {
          ...(article ? { article } : {}),
          ...(errors ? { errors } : {}),
          preview: previewMarkdown(v.body.slice(0, BODY_MAX)),
        });
      }
      if (errors) return showEditor(req, reply, v, { ...(article ? { article } : {}), errors, status: 400 });
      try {
        const typed = input as Parameters<typeof createArticle>[2];
        const saved = article
          ? await updateArticle(ctx, actorOf(req), article.id, typed)
          : await createArticle(ctx, actorOf(req), typed);
        return reply.redirect(`/app/kb/articles/${saved.id}?saved=1`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 404) {
          return showEditor(req, reply, v, {
            ...(article ? { article } : {}),
            ...(err.fields ? { errors: err.fields } : { message: err.message }),
            status: err.status,
          });
        }
        throw err;
      }
    };
    app.post("/new", (req, reply) => save(req, reply, undefined));
    app.post<{ Params: { id: string } }>("/articles/:id", (req, reply) =>
      save(req, reply, req.params.id.slice(0, 64)),
    );

    // --- categories and portal settings (admins change, agents look) ----------------------------

    const showCategories = async (req: FastifyRequest, reply: FastifyReply, st: CategoriesState = {}) => {
      const actor = actorOf(req);
      const admin = isAdmin(req);
      const [categories, settings] = await Promise.all([
        listCategories(ctx, actor),
        getKbSettings(ctx, actor.workspaceId),
      ]);
      return sendAppPage(req, reply, {
        title: "Categories and portal",
        section: "kb",
        status: st.status ?? 200,
        main: categoriesMain(req, categories, settings, admin, ctx.database.dialect, st),
      });
    };

    app.get<{ Querystring: { saved?: string } }>("/categories", (req, reply) =>
      showCategories(req, reply, req.query.saved ? { notice: "Saved." } : {}),
    );

    const adminWrite = async (req: FastifyRequest, reply: FastifyReply, fn: () => Promise<unknown>) => {
      try {
        await fn();
        return reply.redirect("/app/kb/categories?saved=1", 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          return showCategories(req, reply, {
            ...(err.fields ? { errors: err.fields } : { message: err.message }),
            status: err.status,
          });
        }
        throw err;
      }
    };

    app.post("/categories", (req, reply) =>
      adminWrite(req, reply, () => {
        const name = (formString(req.body, "name") ?? "").trim();
        if (!name || [...name].length > 80)
          throw new AppError(400, "validation_failed", "Check the name.", {
            fields: { name: "must be 1–80 characters" },
          });
        return createCategory(ctx, actorOf(req), { name });
      }),
    );

    app.post<{ Params: { id: string } }>("/categories/:id", (req, reply) =>
      adminWrite(req, reply, () => {
        const name = (formString(req.body, "name") ?? "").trim();
        const sort = formString(req.body, "articleSort");
        if (!name || [...name].length > 80)
          throw new AppError(400, "validation_failed", "Check the name.", {
            fields: { name: "must be 1–80 characters" },
          });
        return updateCategory(ctx, actorOf(req), req.params.id.slice(0, 64), {
          name,
          showOnPortal: formString(req.body, "showOnPortal") === "1",
          ...(sort && (ARTICLE_SORTS as readonly string[]).includes(sort)
            ? { articleSort: sort as (typeof ARTICLE_SORTS)[number] }
            : {}),
        });
      }),
    );

    app.post<{ Params: { id: string }; Querystring: { to?: string } }>("/categories/:id/move", (req, reply) =>
      adminWrite(req, reply, async () => {
        const ids = (await listCategories(ctx, actorOf(req))).map((c) => c.id);
        const i = ids.indexOf(req.params.id);
        const j = req.query.to === "up" ? i - 1 : i + 1;
        if (i < 0 || j < 0 || j >= ids.length) return;
        [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
        await reorderCategories(ctx, actorOf(req), ids);
      }),
    );

    app.post("/settings", (req, reply) =>
      adminWrite(req, reply, () => {
        const text = formText(req.body, "notFoundText").trim();
        const lang = formString(req.body, "searchLanguage");
        const patch = {
          notFoundText: text || null,
          ...(lang ? { searchLanguage: lang } : {}),
        };
        return updateKbSettings(
          ctx,
          actorOf(req),
          validated(patch) as { notFoundText: string | null; searchLanguage?: SearchLanguage },
        );
      }),
    );

    // --- insights -----------------------------------------------------------------------------

    app.get("/insights", async (req, reply) => {
      return sendAppPage(req, reply, {
        title: "Knowledge base insights",
        section: "kb",
        main: insightsMain(await kbInsights(ctx, actorOf(req))),
      });
    });
  };

function validated(patch: object): object {
  // The same rules as PATCH /api/workspace/kb/settings.
  const errors = validateBody(SettingsPatchSchema, patch);
  if (errors) throw new AppError(400, "validation_failed", "Some fields need attention.", { fields: errors });
  return patch;
}
