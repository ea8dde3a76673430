import type { Translator } from "../../i18n/translator.ts";
import type { PortalTopic } from "../../kb/kb.portal-topics.ts";
import { QUERY_MAX } from "../../kb/kb.schemas.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";

// The portal's front door, /portal/{slug}: the search box first and big, then the help topics
// with their article counts, then the way to a new request, and for a signed-in customer how
// many of theirs are open. Every word from the `home` catalogue, in the reader's language.

export interface HomeView {
  /** The help articles, unless the admin hid them: the search and the topics. */
  kb: { topics: PortalTopic[]; uncategorised: number } | null;
  /** A signed-in customer's open requests. */
  openRequests: number | null;
}

function search(ws: Workspace, t: Translator): Html {
  return html`<form role="search" class="kb-search big home-search" method="get" action="/portal/${ws.slug}/kb/search">
  <label for="home-q">${t.t("home:searchLabel")}</label>
  <div class="kb-search-row">
    <input id="home-q" name="q" type="search" maxlength="${QUERY_MAX}" autocomplete="off" enterkeyhint="search">
    <button type="submit" class="primary">${t.t("home:searchButton")}</button>
  </div>
</form>`;
}

function topics(ws: Workspace, t: Translator, kb: NonNullable<HomeView["kb"]>): Html {
  if (!kb.topics.length && !kb.uncategorised) return html``;
  return html`<section class="home-topics" aria-labelledby="home-topics">
<h2 id="home-topics">${t.t("home:topics")}</h2>
<ul class="kb-categories">${kb.topics.map(
    (c) => html`<li class="kb-category">
  <h3><a href="/portal/${ws.slug}/kb/categories/${c.slug}">${c.name}</a></h3>
  <p class="meta">${t.t("home:articles", { count: c.count })}</p>
  ${c.description ? html`<p>${c.description}</p>` : ""}
</li>`,
  )}${
    kb.uncategorised
      ? html`<li class="kb-category">
  <h3><a href="/portal/${ws.slug}/kb">${t.t("home:moreArticles")}</a></h3>
  <p class="meta">${t.t("home:articles", { count: kb.uncategorised })}</p>
</li>`
      : ""
  }</ul>
</section>`;
}

function yours(ws: Workspace, t: Translator, open: number): Html {
  return html`<section class="kb-help home-yours" aria-labelledby="home-yours">
  <h2 id="home-yours">${t.t("home:yours.heading")}</h2>
  <p>${open ? t.t("home:yours.open", { count: open }) : t.t("home:yours.none")}</p>
  <p><a href="/portal/${ws.slug}/requests">${t.t("home:yours.link")}</a></p>
</section>`;
}

export function homeMain(ws: Workspace, t: Translator, v: HomeView): Html {
  return html`<div class="kb-hero home-hero">
  <h1>${t.t("home:heading")}</h1>
  ${v.kb ? search(ws, t) : ""}
</div>
${v.kb ? topics(ws, t, v.kb) : ""}
<div class="home-next">
<section class="kb-help home-create" aria-labelledby="home-create">
  <h2 id="home-create">${t.t("home:create.heading")}</h2>
  <p>${t.t("home:create.text")}</p>
  <p><a class="button primary" href="/portal/${ws.slug}/submit">${t.t("home:create.link")}</a></p>
</section>
${v.openRequests === null ? "" : yours(ws, t, v.openRequests)}
</div>`;
}
