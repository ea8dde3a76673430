import type { FastifyRequest } from "fastify";
import { csrfTokenFor } from "../../auth/session.service.ts";
import type { FieldErrors } from "../../errors.ts";
import type { listArticlesForAgent } from "../../kb/kb.articles.ts";
import type { kbInsights } from "../../kb/kb.insights.ts";
import {
  ARTICLE_SORTS,
  ARTICLE_STATUSES,
  ARTICLE_VISIBILITIES,
  type ArticleView,
  BODY_MAX,
  type CategoryView,
  NOT_FOUND_TEXT_MAX,
  TITLE_MAX,
} from "../../kb/kb.schemas.ts";
import { DEFAULT_NOT_FOUND_TEXT, type getKbSettings } from "../../kb/kb.settings.ts";
import { SEARCH_LANGUAGES } from "../../kb/kb.vocabulary.ts";
import { describedBy, errorSummary, fieldError, type Labels, when } from "../../web/forms.ts";
import { bdi, type Html, html, unsafeRaw } from "../../web/html.ts";
import { csrfField } from "./layout.ts";

// The agents' knowledge base: articles with their helpful counts, the editor with a
// server-rendered preview (the same renderer the portal uses), categories and portal settings
// for admins, and what customers looked for without finding it.

type ArticleRow = Awaited<ReturnType<typeof listArticlesForAgent>>[number];
type KbSettings = Awaited<ReturnType<typeof getKbSettings>>;
type Insights = Awaited<ReturnType<typeof kbInsights>>;

export interface CategoriesState {
  notice?: string;
  errors?: FieldErrors;
  message?: string;
  status?: number;
}

const LABELS: Labels = {
  title: "Title",
  body: "Body",
  slug: "Address",
  categoryId: "Category",
  tags: "Tags",
  status: "Status",
  visibility: "Visibility",
  name: "Name",
  notFoundText: "Not-found guidance",
  searchLanguage: "Search language",
  ids: "Order",
};

const STATUS_TEXT = { draft: "Draft", published: "Published" } as const;
const VISIBILITY_TEXT = {
  public: "Public",
  workspace: "Signed-in customers",
  internal: "Internal (agents only)",
} as const;
const SORT_TEXT = {
  manual: "Manual",
  newest: "Newest first",
  title: "By title",
  helpful: "Most helpful",
} as const;

function kbNav(current: "articles" | "categories" | "insights"): Html {
  const link = (key: typeof current, href: string, label: string) =>
    html`<a href="${href}"${current === key ? html` aria-current="page"` : ""}>${label}</a>`;
  return html`<nav class="views" aria-label="Knowledge base">${link("articles", "/app/kb", "Articles")}${link("categories", "/app/kb/categories", "Categories and portal")}${link("insights", "/app/kb/insights", "Insights")}</nav>`;
}

const option = (value: string, label: string, selected: boolean) =>
  html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;

export interface EditorValues {
  title: string;
  body: string;
  slug: string;
  categoryId: string;
  tags: string;
  status: string;
  visibility: string;
}

export const valuesOf = (a: ArticleView): EditorValues => ({
  title: a.title,
  body: a.body,
  slug: a.slug,
  categoryId: a.categoryId ?? "",
  tags: a.tags.join(", "),
  status: a.status,
  visibility: a.visibility,
});

/** What the editor shows beside the values: the article being edited, errors, a preview. */
export interface EditorState {
  article?: ArticleView;
  errors?: FieldErrors;
  message?: string;
  preview?: string;
}

export function editor(
  req: FastifyRequest,
  categories: CategoryView[],
  v: EditorValues,
  opts: EditorState & { slugPortal: string },
): Html {
  const { errors, article } = opts;
  const action = article ? `/app/kb/articles/${article.id}` : "/app/kb/new";
  const publicUrl =
    article && article.status === "published" && article.visibility === "public"
      ? `/portal/${opts.slugPortal}/kb/articles/${article.slug}`
      : null;
  return html`<p class="crumbs"><a href="/app/kb">Knowledge base</a></p>
<h1>${article ? "Edit article" : "New article"}</h1>
${article ? html`<p class="meta">Helpful: <strong>${article.helpful.yes}</strong> yes · <strong>${article.helpful.no}</strong> no · Updated ${when(article.updatedAt)}${article.author ? html` by ${bdi(article.author.name)}` : ""}${publicUrl ? html` · <a href="${publicUrl}">View on the portal</a>` : ""}</p>` : ""}
${errorSummary(LABELS, errors, opts.message)}
<form method="post" action="${action}" class="card kb-editor" novalidate>
  ${csrfField(req)}
  <div class="field">
    <label for="title">Title</label>
    <input id="title" name="title" type="text" required maxlength="${TITLE_MAX}" value="${v.title}"${describedBy(errors, "title")}>
    ${fieldError(LABELS, errors, "title")}
  </div>
  <div class="kb-editor-grid">
    <div class="field">
      <label for="categoryId">Category</label>
      <select id="categoryId" name="categoryId"${describedBy(errors, "categoryId")}>
        ${option("", "No category", !v.categoryId)}
        ${categories.map((c) => option(c.id, c.name, v.categoryId === c.id))}
      </select>
      ${fieldError(LABELS, errors, "categoryId")}
    </div>
    <div class="field">
      <label for="visibility">Visibility</label>
      <select id="visibility" name="visibility">
        ${ARTICLE_VISIBILITIES.map((x) => option(x, VISIBILITY_TEXT[x], v.visibility === x))}
      </select>
    </div>
    <div class="field">
      <label for="status">Status</label>
      <select id="status" name="status">
        ${ARTICLE_STATUSES.map((x) => option(x, STATUS_TEXT[x], v.status === x))}
      </select>
    </div>
  </div>
  <div class="kb-editor-grid two">
    <div class="field">
      <label for="tags">Tags <span class="optional">(comma-separated, optional)</span></label>
      <input id="tags" name="tags" type="text" value="${v.tags}"${describedBy(errors, "tags")}>
      ${fieldError(LABELS, errors, "tags")}
    </div>
    <div class="field">
      <label for="slug">Address <span class="optional">(optional, from the title)</span></label>
      <input id="slug" name="slug" type="text" value="${v.slug}" autocapitalize="none" spellcheck="false"${describedBy(errors, "slug")}>
      ${fieldError(LABELS, errors, "slug")}
    </div>
  </div>
  <div class="kb-write">
  <div class="field">
    <label for="body">Body</label>
    <p class="hint" id="body-hint">Markdown: **bold**, *italic*, # headings, - lists, [links](https://…), \`code\`. HTML is shown as text. Paste or drop images (PNG, JPEG, GIF, WebP, up to 5 MB).</p>
    <textarea id="body" name="body" rows="16" maxlength="${BODY_MAX}" class="mono" data-kb-body data-preview-url="/api/workspace/kb/preview" data-image-url="/api/workspace/kb/images" data-csrf="${csrfTokenFor(req.sessionToken as string)}"${describedBy(errors, "body", "body-hint")}>${v.body}</textarea>
    <p class="hint kb-upload-status" role="status" data-upload-status></p>
    ${fieldError(LABELS, errors, "body")}
  </div>
  <section class="card kb-preview" aria-labelledby="preview-title" id="preview">
    <h2 id="preview-title">Preview</h2>
    <div class="kb-body" data-preview-target>${unsafeRaw(opts.preview ?? "")}</div>
  </section>
  </div>
  <div class="actions">
    <button type="submit" name="action" value="preview">Preview</button>
    <button type="submit" name="action" value="save" class="primary">${article ? "Save" : "Create article"}</button>
  </div>
</form>`;
}

export function articlesMain(
  q: string,
  saved: boolean,
  articles: ArticleRow[],
  categories: CategoryView[],
  sort: "updated" | "views" = "updated",
): Html {
  const sortHref = (to: "updated" | "views") =>
    `/app/kb?${new URLSearchParams({ ...(q ? { q } : {}), ...(to === "views" ? { sort: "views" } : {}) })}`;
  const sortHead = (to: "updated" | "views", label: string) =>
    sort === to
      ? html`<th scope="col" aria-sort="descending">${label} <span aria-hidden="true">↓</span></th>`
      : html`<th scope="col"><a href="${sortHref(to)}">${label}<span class="visually-hidden">, sort by this</span></a></th>`;
  const names = new Map(categories.map((c) => [c.id, c.name]));
  return html`<div class="page-head"><h1>Knowledge base</h1><a class="button primary" href="/app/kb/new">New article</a></div>
${kbNav("articles")}
${saved ? html`<p class="notice success" role="status">Article saved.</p>` : ""}
<form method="get" action="/app/kb" class="filters" role="search">
  <div class="field search"><label for="q">Search articles</label><input id="q" name="q" type="search" value="${q}"></div>
  <button type="submit">Search</button>
</form>
${
  articles.length
    ? html`<table>
<caption class="visually-hidden">Articles</caption>
<thead><tr><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Visibility</th><th scope="col">Category</th><th scope="col">Helpful</th>${sortHead("views", "Views")}${sortHead("updated", "Updated")}</tr></thead>
<tbody>${articles.map(
        (a) => html`<tr>
  <td class="subject"><a href="/app/kb/articles/${a.id}">${a.title}</a></td>
  <td><span class="status kb-${a.status}">${STATUS_TEXT[a.status]}</span></td>
  <td>${VISIBILITY_TEXT[a.visibility]}</td>
  <td>${a.categoryId ? (names.get(a.categoryId) ?? "") : html`<span class="meta">None</span>`}</td>
  <td class="ref"><span title="Yes">${a.helpful.yes} yes</span> · <span title="No">${a.helpful.no} no</span></td>
  <td class="ref kb-views">${a.views}</td>
  <td class="updated">${when(a.updatedAt)}</td>
</tr>`,
      )}</tbody></table>`
    : html`<p class="empty">${q ? "No articles match." : "No articles yet. Write the first one."}</p>`
}`;
}

export function categoriesMain(
  req: FastifyRequest,
  categories: CategoryView[],
  settings: KbSettings,
  admin: boolean,
  dialect: string,
  st: CategoriesState,
): Html {
  const dis = admin ? html`` : html` disabled`;
  return html`<h1>Knowledge base</h1>
${kbNav("categories")}
${st.notice ? html`<p class="notice success" role="status">${st.notice}</p>` : ""}
${admin ? "" : html`<p class="hint">Only admins change categories and portal settings.</p>`}
${errorSummary(LABELS, st.errors, st.message)}
<section class="card" aria-labelledby="cat-title">
  <h2 id="cat-title">Categories</h2>
  <p class="hint">In the order the portal shows them. Hidden categories and their articles stay off the portal.</p>
  ${
    categories.length
      ? html`<ol class="kb-category-list">${categories.map(
          (c, i) => html`<li>
    <form method="post" action="/app/kb/categories/${c.id}" class="kb-category-row">
${csrfField(req)}
<div class="field"><label for="name-${c.id}">Name</label><input id="name-${c.id}" name="name" type="text" value="${c.name}" required${dis}></div>
<div class="field"><label for="sort-${c.id}">Articles</label><select id="sort-${c.id}" name="articleSort"${dis}>${ARTICLE_SORTS.map((s) => option(s, SORT_TEXT[s], c.articleSort === s))}</select></div>
<div class="field check"><input id="show-${c.id}" name="showOnPortal" type="checkbox" value="1"${c.showOnPortal ? html` checked` : ""}${dis}><label for="show-${c.id}">Show on portal</label></div>
<div class="row-actions">
  <button type="submit"${dis}>Save</button>
  <button type="submit" formaction="/app/kb/categories/${c.id}/move?to=up" aria-label="Move ${c.name} up"${i === 0 ? html` disabled` : dis}>↑</button>
  <button type="submit" formaction="/app/kb/categories/${c.id}/move?to=down" aria-label="Move ${c.name} down"${i === categories.length - 1 ? html` disabled` : dis}>↓</button>
</div>
    </form>
  </li>`,
        )}</ol>`
      : html`<p class="meta">No categories yet.</p>`
  }
  ${
    admin
      ? html`<form method="post" action="/app/kb/categories" class="inline-add">
    ${csrfField(req)}
    <div class="field"><label for="new-category">New category</label><input id="new-category" name="name" type="text" required maxlength="80"></div>
    <button type="submit">Add category</button>
  </form>`
      : ""
  }
</section>
<section class="card" aria-labelledby="portal-kb-title">
  <h2 id="portal-kb-title">Portal search</h2>
  <form method="post" action="/app/kb/settings">
    ${csrfField(req)}
    <div class="field">
<label for="notFoundText">Not-found guidance</label>
<p class="hint" id="notFoundText-hint">Shown when a customer's search finds nothing, above “Still need help? Create a request”. Leave empty for the default: “${DEFAULT_NOT_FOUND_TEXT}”</p>
<textarea id="notFoundText" name="notFoundText" rows="3" maxlength="${NOT_FOUND_TEXT_MAX}"${describedBy(st.errors, "notFoundText", "notFoundText-hint")}${dis}>${settings.notFoundText ?? ""}</textarea>
${fieldError(LABELS, st.errors, "notFoundText")}
    </div>
    <div class="field">
<label for="searchLanguage">Search language</label>
<p class="hint" id="searchLanguage-hint">${dialect === "postgres" ? "Words are matched by their stem in this language." : "On this database (SQLite) only English is stemmed; other languages match whole words and prefixes."}</p>
<select id="searchLanguage" name="searchLanguage" aria-describedby="searchLanguage-hint"${dis}>${SEARCH_LANGUAGES.map((l) => option(l, l, settings.searchLanguage === l))}</select>
    </div>
    <button type="submit" class="primary"${dis}>Save portal search</button>
  </form>
</section>`;
}

export function insightsMain({ misses, deflection: weeks, feedback }: Insights): Html {
  return html`<h1>Knowledge base</h1>
${kbNav("insights")}
<section class="card" aria-labelledby="misses-title">
  <h2 id="misses-title">Searches that found nothing</h2>
  <p class="hint">What customers looked for on the portal without finding an article: the next articles to write.</p>
  ${
    misses.length
      ? html`<table><thead><tr><th scope="col">Search</th><th scope="col">Times</th><th scope="col">Last</th></tr></thead>
<tbody>${misses.map((m) => html`<tr><td>${m.query}</td><td class="ref">${m.count}</td><td class="updated">${when(m.lastAt)}</td></tr>`)}</tbody></table>`
      : html`<p class="meta">None yet.</p>`
  }
</section>
<section class="card" aria-labelledby="deflection-title">
  <h2 id="deflection-title">Deflection per week</h2>
  <p class="hint">Visits to the submit form that were shown suggested articles, and how many of them ended without a request.</p>
  ${
    weeks.length
      ? html`<table><thead><tr><th scope="col">Week of</th><th scope="col">Visits with suggestions</th><th scope="col">Opened an article</th><th scope="col">No request sent</th><th scope="col">Deflection rate</th></tr></thead>
<tbody>${weeks.map((w) => html`<tr><td>${w.week}</td><td class="ref">${w.visitsWithSuggestions}</td><td class="ref">${w.clicked}</td><td class="ref">${w.deflected}</td><td class="ref">${Math.round(w.rate * 100)}%</td></tr>`)}</tbody></table>`
      : html`<p class="meta">No suggestions shown yet.</p>`
  }
</section>
<section class="card" aria-labelledby="feedback-title">
  <h2 id="feedback-title">Recent “not helpful” comments</h2>
  ${
    feedback.length
      ? html`<ul class="kb-feedback-list">${feedback.map((f) => html`<li><a href="/app/kb/articles/${f.articleId}">${f.title}</a>: “${f.comment}” <span class="meta">${when(f.createdAt)}</span></li>`)}</ul>`
      : html`<p class="meta">None yet.</p>`
  }
</section>`;
}
