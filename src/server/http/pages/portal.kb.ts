import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import {
  addFeedbackComment,
  giveFeedback,
  type PortalKb,
  portalArticle,
  portalCategory,
  portalHome,
  portalKb,
  portalKbOf,
  searchPortal,
} from "../../kb/kb.portal.ts";
import {
  COMMENT_MAX,
  type PortalArticle,
  type PortalCategory,
  type PortalHit,
  QUERY_MAX,
} from "../../kb/kb.schemas.ts";
import { formString, formText, when } from "../../web/forms.ts";
import { type Html, html, multiline, unsafeRaw } from "../../web/html.ts";
import { newNonce, sendPage } from "../../web/page.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { limitKb } from "../public/kb.routes.ts";
import { plainNotFound, portalLayout } from "./portal.pages.ts";

// The portal's knowledge base: /portal/{slug}/kb. The search box comes first; every page ends
// with the way to a request, the subject filled in from what the customer was looking for.

type Params = { slug: string };

function searchForm(ws: Workspace, q = "", big = false): Html {
  return html`<form role="search" class="kb-search${big ? " big" : ""}" method="get" action="/portal/${ws.slug}/kb/search">
  <label for="kb-q">Search help articles</label>
  <div class="kb-search-row">
    <input id="kb-q" name="q" type="search" value="${q}" maxlength="${QUERY_MAX}" autocomplete="off" enterkeyhint="search">
    <button type="submit" class="primary">Search</button>
  </div>
</form>`;
}

function stillNeedHelp(ws: Workspace, subject: string): Html {
  const href = `/portal/${ws.slug}/submit${subject ? `?subject=${encodeURIComponent(subject.slice(0, 200))}` : ""}`;
  return html`<aside class="kb-help" aria-labelledby="kb-help-title">
  <h2 id="kb-help-title">Still need help?</h2>
  <p>Our team answers every request by email.</p>
  <p><a class="button primary" href="${href}">Create a request</a></p>
</aside>`;
}

const crumbs = (ws: Workspace, category: { name: string; slug: string } | null) =>
  html`<nav class="kb-crumbs" aria-label="Breadcrumb"><ol>
  <li><a href="/portal/${ws.slug}/kb">Help articles</a></li>
  ${category ? html`<li><a href="/portal/${ws.slug}/kb/categories/${category.slug}">${category.name}</a></li>` : ""}
</ol></nav>`;

const articleLinks = (ws: Workspace, articles: { slug: string; title: string }[]) =>
  html`<ul class="kb-links">${articles.map((a) => html`<li><a href="/portal/${ws.slug}/kb/articles/${a.slug}">${a.title}</a></li>`)}</ul>`;

function homeMain(ws: Workspace, categories: PortalCategory[]): Html {
  return html`<div class="kb-hero">
  <h1>How can we help?</h1>
  ${searchForm(ws, "", true)}
</div>
${
  categories.length
    ? html`<section aria-labelledby="kb-topics"><h2 id="kb-topics">Browse by topic</h2>
<ul class="kb-categories">${categories.map(
        (c) => html`<li class="kb-category">
  <h3>${c.slug ? html`<a href="/portal/${ws.slug}/kb/categories/${c.slug}">${c.name}</a>` : c.name}</h3>
  ${c.description ? html`<p class="meta">${c.description}</p>` : ""}
  ${articleLinks(ws, c.articles)}
</li>`,
      )}</ul></section>`
    : html`<p class="meta">There are no help articles yet.</p>`
}
${stillNeedHelp(ws, "")}`;
}

function resultsMain(ws: Workspace, kb: PortalKb, q: string, hits: PortalHit[]): Html {
  return html`${crumbs(ws, null)}
<h1>Search results</h1>
${searchForm(ws, q)}
${
  hits.length
    ? html`<p class="meta" role="status">${hits.length === 1 ? "1 article" : `${hits.length} articles`} for “${q}”</p>
<ol class="kb-results">${hits.map(
        (h) => html`<li><h2><a href="${h.url}">${h.title}</a></h2><p>${h.snippet}</p></li>`,
      )}</ol>`
    : q.trim()
      ? html`<div class="kb-empty" role="status"><h2>No articles found for “${q}”</h2>
<p>${multiline(kb.settings.effectiveNotFoundText)}</p></div>`
      : ""
}
${stillNeedHelp(ws, q)}`;
}

function categoryMain(ws: Workspace, c: PortalCategory): Html {
  return html`${crumbs(ws, null)}
<h1>${c.name}</h1>
${c.description ? html`<p class="lede">${c.description}</p>` : ""}
${searchForm(ws)}
${c.articles.length ? articleLinks(ws, c.articles) : html`<p class="meta">No articles here yet.</p>`}
${stillNeedHelp(ws, "")}`;
}

type FeedbackState =
  | { kind: "ask" }
  | { kind: "yes" }
  | { kind: "no"; id: string }
  | { kind: "sent" }
  | { kind: "limited" };

function feedbackSection(ws: Workspace, a: PortalArticle, state: FeedbackState): Html {
  const action = `/portal/${ws.slug}/kb/articles/${a.slug}/feedback`;
  const body =
    state.kind === "yes"
      ? html`<p class="notice success" role="status">Thanks for letting us know.</p>`
      : state.kind === "sent"
        ? html`<p class="notice success" role="status">Thank you. We will use that to improve this article.</p>`
        : state.kind === "limited"
          ? html`<p class="notice" role="status">Thanks, we already have your answer.</p>`
          : state.kind === "no"
            ? html`<form method="post" action="${action}/comment" class="kb-comment">
  <input type="hidden" name="feedback" value="${state.id}">
  <p role="status">Sorry this did not help.</p>
  <div class="field">
    <label for="kb-comment">What were you looking for? <span class="optional">(optional)</span></label>
    <textarea id="kb-comment" name="comment" rows="3" maxlength="${COMMENT_MAX}"></textarea>
  </div>
  <button type="submit">Send</button>
</form>`
            : html`<form method="post" action="${action}" class="kb-vote">
  <button type="submit" name="helpful" value="yes">Yes</button>
  <button type="submit" name="helpful" value="no">No</button>
</form>`;
  return html`<section class="kb-feedback" aria-labelledby="kb-feedback-title">
  <h2 id="kb-feedback-title">Was this helpful?</h2>
  ${body}
</section>`;
}

function articleMain(ws: Workspace, a: PortalArticle, state: FeedbackState): Html {
  return html`${crumbs(ws, a.category)}
<article class="kb-article" aria-labelledby="kb-title">
  <h1 id="kb-title">${a.title}</h1>
  <p class="meta">Updated ${when(a.updatedAt)}</p>
  <div class="kb-body">${unsafeRaw(a.html)}</div>
</article>
${feedbackSection(ws, a, state)}
${stillNeedHelp(ws, a.title)}`;
}

const FEEDBACK_ID = /^[0-9a-f-]{36}$/;

export const portalKbPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });

    /** The workspace and its KB reader, or the plain 404 page for an unknown portal. */
    const open = async (slug: string, reply: FastifyReply, nonce: string) => {
      const ws = await findWorkspaceBySlug(ctx, slug);
      if (!ws) {
        plainNotFound(reply, nonce);
        return null;
      }
      return { ws, kb: await portalKbOf(ctx, ws) };
    };
    const page = (
      reply: FastifyReply,
      ws: Workspace,
      nonce: string,
      title: string,
      main: Html,
      status = 200,
    ) => sendPage(reply, portalLayout({ ws, nonce, title, main, nav: true }), { nonce, status });
    const notFoundPage = (reply: FastifyReply, ws: Workspace, nonce: string) =>
      page(
        reply,
        ws,
        nonce,
        "Article not found",
        html`<h1>We could not find that page</h1><p>It may have moved, or it is no longer published.</p>
${searchForm(ws)}${stillNeedHelp(ws, "")}`,
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
      const o = await open(req.params.slug, reply, nonce);
      if (!o) return reply;
      return page(reply, o.ws, nonce, "Help articles", homeMain(o.ws, await portalHome(ctx, o.kb)));
    });

    app.get<{ Params: Params; Querystring: { q?: unknown } }>("/:slug/kb/search", async (req, reply) => {
      const nonce = newNonce();
      const o = await open(req.params.slug, reply, nonce);
      if (!o) return reply;
      const q = typeof req.query.q === "string" ? [...req.query.q].slice(0, QUERY_MAX).join("") : "";
      try {
        await limitKb(ctx, req, "search", 120);
      } catch (err) {
        if (err instanceof AppError && err.headers) reply.headers(err.headers);
        return page(
          reply,
          o.ws,
          nonce,
          "Search",
          html`<h1>Please wait a moment</h1><p>Too many searches in a short time.</p>`,
          429,
        );
      }
      const hits = q.trim() ? await searchPortal(ctx, o.ws.slug, o.kb, q) : [];
      return page(reply, o.ws, nonce, q ? `Search: ${q}` : "Search", resultsMain(o.ws, o.kb, q, hits));
    });

    app.get<{ Params: Params & { category: string } }>(
      "/:slug/kb/categories/:category",
      async (req, reply) => {
        const nonce = newNonce();
        const o = await open(req.params.slug, reply, nonce);
        if (!o) return reply;
        const c = await rethrow404(
          () => portalCategory(ctx, o.kb, req.params.category),
          () => notFoundPage(reply, o.ws, nonce),
        );
        return c ? page(reply, o.ws, nonce, c.name, categoryMain(o.ws, c)) : reply;
      },
    );

    const showArticle = async (
      req: FastifyRequest<{ Params: Params & { article: string } }>,
      reply: FastifyReply,
      state: FeedbackState,
    ) => {
      const nonce = newNonce();
      const o = await open(req.params.slug, reply, nonce);
      if (!o) return reply;
      const a = await rethrow404(
        () => portalArticle(ctx, o.kb, req.params.article),
        () => notFoundPage(reply, o.ws, nonce),
      );
      return a ? page(reply, o.ws, nonce, a.title, articleMain(o.ws, a, state)) : reply;
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
          const kb = await portalKb(ctx, req.params.slug);
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
        if (comment.trim()) {
          try {
            const kb = await portalKb(ctx, req.params.slug);
            await addFeedbackComment(ctx, kb, req.params.article, id, comment);
          } catch (err) {
            if (!(err instanceof AppError && err.status === 404)) throw err;
          }
        }
        return reply.redirect(`${base}?feedback=sent#kb-feedback-title`, 303);
      },
    );
  };
