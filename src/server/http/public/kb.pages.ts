import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError, notFound } from "../../errors.ts";
import type { Translator } from "../../i18n/translator.ts";
import {
  addFeedbackComment,
  giveFeedback,
  portalArticle,
  portalCategory,
  portalHome,
  portalKbOf,
  searchPortal,
} from "../../kb/kb.portal.ts";
import { COMMENT_MAX, QUERY_MAX } from "../../kb/kb.schemas.ts";
import { formString, formText } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { pageShown } from "../../workspaces/portal-basics.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { customerCsrfValue, pageEntry } from "../portal/portal-entry.ts";
import { portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { limitKb } from "./kb.routes.ts";
import {
  articleMain,
  categoryMain,
  type FeedbackState,
  homeMain,
  resultsMain,
  searchForm,
  stillNeedHelp,
} from "./kb.views.ts";
import { publicKbImageRoutes } from "./kb-images.routes.ts";
import { countArticleView } from "./kb-views.ts";

// /portal/{slug}/kb…: home, search (with the not-found guidance), category, article and "Was
// this helpful?", which works without JavaScript. Published public articles, and those for signed-in
// customers when one is signed in (kb.access.ts); on a portal that needs sign-in, only signed in.

type Params = { slug: string };

const FEEDBACK_ID = /^[0-9a-f-]{36}$/;

export const publicKbPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 16 * 1024 });
    // Images pasted into articles: in this tree, for its error pages.
    await app.register(publicKbImageRoutes(ctx));

    /**
     * The workspace and its KB reader (the signed-in customer, else a visitor), or null once the
     * answer is sent: the plain 404 page for an unknown portal, sign-in where the level needs it.
     */
    const open = async (req: FastifyRequest, reply: FastifyReply, next?: string) => {
      const entry = await pageEntry(ctx, req, reply, (req.params as Params).slug, next);
      if (!entry) return null;
      // Help articles the admin hid from the portal (Settings → Portal) are not there for customers.
      if (!pageShown(entry.ws, "kb")) throw notFound("There is no such page.");
      const csrfToken = entry.customer ? customerCsrfValue(entry) : undefined;
      const company = entry.customer?.actor.companyId != null;
      return {
        ws: entry.ws,
        kb: await portalKbOf(ctx, entry.ws, entry.actor),
        // A signed-in customer keeps the signed-in portal's navigation.
        ...(csrfToken ? { customer: { csrfToken, current: "kb" as const, company } } : {}),
      };
    };
    type Opened = { ws: Workspace; customer?: { csrfToken: string; current: "kb" } };
    /** A page in the reader's language: its title and main part are given the translator. */
    const page = (
      reply: FastifyReply,
      o: Opened,
      nonce: string,
      title: string | ((t: Translator) => string),
      main: (t: Translator) => Html,
      status = 200,
    ) => {
      const t = customerTranslator(ctx.config, reply, o.ws);
      const url = reply.request.url;
      return sendHtml(
        reply,
        portalLayout({
          ws: o.ws,
          t,
          nonce,
          title: typeof title === "string" ? title : title(t),
          main: main(t),
          current: "kb",
          ...(reply.request.method === "GET" ? { path: url } : {}),
          ...(o.customer ? { customer: o.customer } : {}),
        }),
        { kind: "page", nonce, status },
      );
    };
    const notFoundPage = (reply: FastifyReply, o: Opened, nonce: string) =>
      page(
        reply,
        o,
        nonce,
        (t) => t.t("kb:notFound.title"),
        (t) => html`<h1>${t.t("kb:notFound.heading")}</h1><p>${t.t("kb:notFound.text")}</p>
${searchForm(o.ws, "", false, t)}${stillNeedHelp(o.ws, t, "")}`,
        404,
      );
    const rethrow404 = async <T>(fn: () => Promise<T>, onMissing: () => unknown): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof AppError && err.status === 404) {
          await onMissing();
          return undefined;
        }
        throw err;
      }
    };

    app.get<{ Params: Params }>("/:slug/kb", async (req, reply) => {
      const nonce = newNonce();
      const o = await open(req, reply);
      if (!o) return reply;
      const home = await portalHome(ctx, o.kb);
      return page(
        reply,
        o,
        nonce,
        (t) => t.t("kb:title"),
        (t) => homeMain(o.ws, t, home),
      );
    });

    app.get<{ Params: Params; Querystring: { q?: unknown } }>("/:slug/kb/search", async (req, reply) => {
      const nonce = newNonce();
      const o = await open(req, reply);
      if (!o) return reply;
      const q = typeof req.query.q === "string" ? [...req.query.q].slice(0, QUERY_MAX).join("") : "";
      try {
        await limitKb(ctx, req, "search", 120);
      } catch (err) {
        if (err instanceof AppError && err.headers) reply.headers(err.headers);
        return page(
          reply,
          o,
          nonce,
          (t) => t.t("kb:search"),
          (t) => html`<h1>${t.t("kb:limited.heading")}</h1><p>${t.t("kb:limited.text")}</p>`,
          429,
        );
      }
      const hits = q.trim() ? await searchPortal(ctx, o.ws.slug, o.kb, q) : [];
      return page(
        reply,
        o,
        nonce,
        (t) => (q ? t.t("kb:searchTitle", { q }) : t.t("kb:search")),
        (t) => resultsMain(o.ws, t, o.kb, q, hits),
      );
    });

    app.get<{ Params: Params & { category: string } }>(
      "/:slug/kb/categories/:category",
      async (req, reply) => {
        const nonce = newNonce();
        const o = await open(req, reply);
        if (!o) return reply;
        const c = await rethrow404(
          () => portalCategory(ctx, o.kb, req.params.category),
          () => notFoundPage(reply, o, nonce),
        );
        return c ? page(reply, o, nonce, c.name, (t) => categoryMain(o.ws, t, c)) : reply;
      },
    );

    const showArticle = async (
      req: FastifyRequest<{ Params: Params & { article: string } }>,
      reply: FastifyReply,
      state: FeedbackState,
    ) => {
      const nonce = newNonce();
      const o = await open(req, reply);
      if (!o) return reply;
      const a = await rethrow404(
        () => portalArticle(ctx, o.kb, req.params.article),
        () => notFoundPage(reply, o, nonce),
      );
      if (a && state.kind === "ask") await countArticleView(ctx, req, reply, o.ws, o.kb.actor, a.id);
      return a ? page(reply, o, nonce, a.title, (t) => articleMain(o.ws, t, a, state)) : reply;
    };

    app.get<{ Params: Params & { article: string }; Querystring: { feedback?: string; f?: string } }>(
      "/:slug/kb/articles/:article",
      (req, reply) => {
        const f = req.query.feedback;
        const id = typeof req.query.f === "string" && FEEDBACK_ID.test(req.query.f) ? req.query.f : undefined;
        const state: FeedbackState =
          f === "yes"
            ? { kind: "yes" }
            : f === "sent"
              ? { kind: "sent" }
              : f === "no" && id
                ? { kind: "no", id }
                : { kind: "ask" };
        return showArticle(req, reply, state);
      },
    );

    app.post<{ Params: Params & { article: string } }>(
      "/:slug/kb/articles/:article/feedback",
      async (req, reply) => {
        const helpful = formString(req.body, "helpful");
        const base = `/portal/${req.params.slug}/kb/articles/${encodeURIComponent(req.params.article)}`;
        if (helpful !== "yes" && helpful !== "no") return reply.redirect(base, 303);
        try {
          await limitKb(ctx, req, "feedback", 20);
          const o = await open(req, reply, base);
          if (!o) return reply;
          const kb = o.kb;
          const { id } = await giveFeedback(ctx, kb, req.params.article, { helpful: helpful === "yes" });
          return reply.redirect(
            helpful === "yes"
              ? `${base}?feedback=yes#kb-feedback-title`
              : `${base}?feedback=no&f=${id}#kb-feedback-title`,
            303,
          );
        } catch (err) {
          if (err instanceof AppError && err.code === "rate_limited")
            return showArticle(req, reply, { kind: "limited" });
          if (err instanceof AppError && err.status === 404) return showArticle(req, reply, { kind: "ask" });
          throw err;
        }
      },
    );

    app.post<{ Params: Params & { article: string } }>(
      "/:slug/kb/articles/:article/feedback/comment",
      async (req, reply) => {
        const base = `/portal/${req.params.slug}/kb/articles/${encodeURIComponent(req.params.article)}`;
        const id = formString(req.body, "feedback") ?? "";
        // Control characters are dropped (tab and line breaks kept), the length cut at the limit.
        const comment = [...formText(req.body, "comment")]
          .filter((ch) => {
            const c = ch.codePointAt(0) as number;
            return c === 9 || c === 10 || (c >= 32 && c !== 127);
          })
          .slice(0, COMMENT_MAX)
          .join("");
        if (!FEEDBACK_ID.test(id)) return reply.redirect(base, 303);
        const o = await open(req, reply, base);
        if (!o) return reply;
        if (comment.trim()) {
          try {
            const kb = o.kb;
            await addFeedbackComment(ctx, kb, req.params.article, id, comment);
          } catch (err) {
            if (!(err instanceof AppError && err.status === 404)) throw err;
          }
        }
        return reply.redirect(`${base}?feedback=sent#kb-feedback-title`, 303);
      },
    );
  };
