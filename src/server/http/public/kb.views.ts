import type { PortalKb } from "../../kb/kb.portal.ts";
import type { PortalArticle, PortalCategory, PortalHit } from "../../kb/kb.schemas.ts";
import { COMMENT_MAX, QUERY_MAX } from "../../kb/kb.schemas.ts";
import { when } from "../../web/forms.ts";
import { type Html, html, multiline, unsafeRaw } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's knowledge base: the search box comes first; every page ends with the way to a
// request, the subject filled in from what the customer was looking for.

export function searchForm(ws: Workspace, q = "", big = false): Html {
  return html`<form role="search" class="kb-search${big ? " big" : ""}" method="get" action="/portal/${ws.slug}/kb/search">
  <label for="kb-q">Search help articles</label>
  <div class="kb-search-row">
    <input id="kb-q" name="q" type="search" value="${q}" maxlength="${QUERY_MAX}" autocomplete="off" enterkeyhint="search">
    <button type="submit" class="primary">Search</button>
  </div>
</form>`;
}

export function stillNeedHelp(ws: Workspace, subject: string): Html {
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

export function homeMain(ws: Workspace, categories: PortalCategory[]): Html {
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

export function resultsMain(ws: Workspace, kb: PortalKb, q: string, hits: PortalHit[]): Html {
  return html`${crumbs(ws, null)}
<h1>Search results</h1>
${searchForm(ws, q)}
${
  hits.length
    ? html`<p class="meta" role="status">${hits.length === 1 ? "1 article" : `${hits.length} articles`} for “${q}”</p>
<ol class="kb-results">${hits.map(
        (h) => html`<li><h2><a href="${h.url}">${h.title}</a></h2><p>${markedSnippet(h)}</p></li>`,
      )}</ol>`
    : q.trim()
      ? html`<div class="kb-empty" role="status"><h2>No articles found for “${q}”</h2>
<p>${multiline(kb.settings.effectiveNotFoundText)}</p></div>`
      : ""
}
${stillNeedHelp(ws, q)}`;
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

export function categoryMain(ws: Workspace, c: PortalCategory): Html {
  return html`${crumbs(ws, null)}
<h1>${c.name}</h1>
${c.description ? html`<p class="lede">${c.description}</p>` : ""}
${searchForm(ws)}
${c.articles.length ? articleLinks(ws, c.articles) : html`<p class="meta">No articles here yet.</p>`}
${stillNeedHelp(ws, "")}`;
}

export type FeedbackState =
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

export function articleMain(ws: Workspace, a: PortalArticle, state: FeedbackState): Html {
  return html`${crumbs(ws, a.category)}
<article class="kb-article" aria-labelledby="kb-title">
  <h1 id="kb-title">${a.title}</h1>
  <p class="meta">Updated ${when(a.updatedAt)}</p>
  <div class="kb-body">${unsafeRaw(a.html)}</div>
</article>
${feedbackSection(ws, a, state)}
${stillNeedHelp(ws, a.title)}`;
}
