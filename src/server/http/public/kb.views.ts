import { type Translator, translatorFor } from "../../i18n/translator.ts";
import type { PortalKb } from "../../kb/kb.portal.ts";
import type { PortalArticle, PortalCategory, PortalHit } from "../../kb/kb.schemas.ts";
import { COMMENT_MAX, QUERY_MAX } from "../../kb/kb.schemas.ts";
import { type Html, html, multiline, unsafeRaw } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { withTime } from "./tracking.views.ts";

// The portal's knowledge base: the search box comes first; every page ends with the way to a
// request, the subject filled in from what the customer was looking for.

/** The signed-in portal's home shares the search box; it passes its reader's translator. */
const ENGLISH = translatorFor("en");

export function searchForm(ws: Workspace, q = "", big = false, t: Translator = ENGLISH): Html {
  return html`<form role="search" class="kb-search${big ? " big" : ""}" method="get" action="/portal/${ws.slug}/kb/search">
  <label for="kb-q">${t.t("kb:searchLabel")}</label>
  <div class="kb-search-row">
    <input id="kb-q" name="q" type="search" value="${q}" maxlength="${QUERY_MAX}" autocomplete="off" enterkeyhint="search">
    <button type="submit" class="primary">${t.t("kb:search")}</button>
  </div>
</form>`;
}

export function stillNeedHelp(ws: Workspace, t: Translator, subject: string): Html {
  const href = `/portal/${ws.slug}/submit${subject ? `?subject=${encodeURIComponent(subject.slice(0, 200))}` : ""}`;
  return html`<aside class="kb-help" aria-labelledby="kb-help-title">
  <h2 id="kb-help-title">${t.t("kb:stillNeedHelp")}</h2>
  <p>${t.t("kb:teamAnswers")}</p>
  <p><a class="button primary" href="${href}">${t.t("kb:create")}</a></p>
</aside>`;
}

const crumbs = (ws: Workspace, t: Translator, category: { name: string; slug: string } | null) =>
  html`<nav class="kb-crumbs" aria-label="${t.t("kb:breadcrumb")}"><ol>
  <li><a href="/portal/${ws.slug}/kb">${t.t("kb:title")}</a></li>
  ${category ? html`<li><a href="/portal/${ws.slug}/kb/categories/${category.slug}">${category.name}</a></li>` : ""}
</ol></nav>`;

const articleLinks = (ws: Workspace, articles: { slug: string; title: string }[]) =>
  html`<ul class="kb-links">${articles.map((a) => html`<li><a href="/portal/${ws.slug}/kb/articles/${a.slug}">${a.title}</a></li>`)}</ul>`;

export function homeMain(ws: Workspace, t: Translator, categories: PortalCategory[]): Html {
  return html`<div class="kb-hero">
  <h1>${t.t("kb:howCanWeHelp")}</h1>
  ${searchForm(ws, "", true, t)}
</div>
${
  categories.length
    ? html`<section aria-labelledby="kb-topics"><h2 id="kb-topics">${t.t("kb:browseTopics")}</h2>
<ul class="kb-categories">${categories.map(
        (c) => html`<li class="kb-category">
  <h3>${c.slug ? html`<a href="/portal/${ws.slug}/kb/categories/${c.slug}">${c.name}</a>` : c.name}</h3>
  ${c.description ? html`<p class="meta">${c.description}</p>` : ""}
  ${articleLinks(ws, c.articles)}
</li>`,
      )}</ul></section>`
    : html`<p class="meta">${t.t("kb:noArticles")}</p>`
}
${stillNeedHelp(ws, t, "")}`;
}

export function resultsMain(ws: Workspace, t: Translator, kb: PortalKb, q: string, hits: PortalHit[]): Html {
  return html`${crumbs(ws, t, null)}
<h1>${t.t("kb:results")}</h1>
${searchForm(ws, q, false, t)}
${
  hits.length
    ? html`<p class="meta" role="status">${t.t("kb:found", { count: hits.length, q })}</p>
<ol class="kb-results">${hits.map(
        (h) => html`<li><h2><a href="${h.url}">${h.title}</a></h2><p>${markedSnippet(h)}</p></li>`,
      )}</ol>`
    : q.trim()
      ? html`<div class="kb-empty" role="status"><h2>${t.t("kb:noneFound", { q })}</h2>
<p>${multiline(kb.settings.effectiveNotFoundText)}</p></div>`
      : ""
}
${stillNeedHelp(ws, t, q)}`;
}

/** A hit's snippet, escaped, with the matched words in <mark>. */
export function markedSnippet(h: Pick<PortalHit, "snippet" | "marks">): Html {
  const parts: (Html | string)[] = [];
  let at = 0;
  for (const m of h.marks) {
    if (m.start < at || m.end > h.snippet.length) continue;
    parts.push(h.snippet.slice(at, m.start), html`<mark>${h.snippet.slice(m.start, m.end)}</mark>`);
    at = m.end;
  }
  parts.push(h.snippet.slice(at));
  return html`${parts}`;
}

export function categoryMain(ws: Workspace, t: Translator, c: PortalCategory): Html {
  return html`${crumbs(ws, t, null)}
<h1>${c.name}</h1>
${c.description ? html`<p class="lede">${c.description}</p>` : ""}
${searchForm(ws, "", false, t)}
${c.articles.length ? articleLinks(ws, c.articles) : html`<p class="meta">${t.t("kb:emptyCategory")}</p>`}
${stillNeedHelp(ws, t, "")}`;
}

export type FeedbackState =
  | { kind: "ask" }
  | { kind: "yes" }
  | { kind: "no"; id: string }
  | { kind: "sent" }
  | { kind: "limited" };

function feedbackSection(ws: Workspace, t: Translator, a: PortalArticle, state: FeedbackState): Html {
  const action = `/portal/${ws.slug}/kb/articles/${a.slug}/feedback`;
  const body =
    state.kind === "yes"
      ? html`<p class="notice success" role="status">${t.t("kb:feedback.thanks")}</p>`
      : state.kind === "sent"
        ? html`<p class="notice success" role="status">${t.t("kb:feedback.sent")}</p>`
        : state.kind === "limited"
          ? html`<p class="notice" role="status">${t.t("kb:feedback.limited")}</p>`
          : state.kind === "no"
            ? html`<form method="post" action="${action}/comment" class="kb-comment">
  <input type="hidden" name="feedback" value="${state.id}">
  <p role="status">${t.t("kb:feedback.sorry")}</p>
  <div class="field">
    <label for="kb-comment">${t.t("kb:feedback.lookingFor")} <span class="optional">${t.t("submit:optional")}</span></label>
    <textarea id="kb-comment" name="comment" rows="3" maxlength="${COMMENT_MAX}"></textarea>
  </div>
  <button type="submit">${t.t("kb:feedback.send")}</button>
</form>`
            : html`<form method="post" action="${action}" class="kb-vote">
  <button type="submit" name="helpful" value="yes">${t.t("kb:feedback.yes")}</button>
  <button type="submit" name="helpful" value="no">${t.t("kb:feedback.no")}</button>
</form>`;
  return html`<section class="kb-feedback" aria-labelledby="kb-feedback-title">
  <h2 id="kb-feedback-title">${t.t("kb:feedback.heading")}</h2>
  ${body}
</section>`;
}

export function articleMain(ws: Workspace, t: Translator, a: PortalArticle, state: FeedbackState): Html {
  return html`${crumbs(ws, t, a.category)}
<article class="kb-article" aria-labelledby="kb-title">
  <h1 id="kb-title">${a.title}</h1>
  <p class="meta">${withTime(t, "kb:updated", a.updatedAt)}</p>
  <div class="kb-body">${unsafeRaw(a.html)}</div>
</article>
${feedbackSection(ws, t, a, state)}
${stillNeedHelp(ws, t, a.title)}`;
}
