import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { listArticlesForAgent } from "./kb.articles.ts";

// Help articles an agent links in a reply: published ones a customer can open (not internal),
// found with the knowledge base's own search, each with its absolute portal address.

export interface ArticleLink {
  id: string;
  title: string;
  url: string;
  /** The Markdown link the reply box inserts. */
  markdown: string;
}

export async function articleLinks(ctx: AppContext, actor: AgentActor, q: string): Promise<ArticleLink[]> {
  const [ws, found] = await Promise.all([
    getWorkspace(ctx, actor),
    listArticlesForAgent(ctx, actor, { q, status: "published" }),
  ]);
  return found
    .filter((a) => a.visibility !== "internal")
    .slice(0, 8)
    .map((a) => {
      const url = portalUrl(ctx.config, ws, `/kb/articles/${a.slug}`);
      return { id: a.id, title: a.title, url, markdown: `[${a.title.replace(/[[\]\\]/g, " ")}](${url})` };
    });
}
