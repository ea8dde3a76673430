import type { FastifyReply, FastifyRequest } from "fastify";
import type { CustomerActor, VisitorActor } from "../../actors.ts";
import type { AppContext } from "../../context.ts";
import { countView } from "../../kb/kb.access.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { agentOfWorkspace } from "./kb-images.routes.ts";

// An article's views, counted on its portal page: not an agent's (by the agents' cookie), and not
// again when the same browser reloads it within a day (a cookie of the article ids it read, for
// the knowledge base's path only; it holds nothing else).

const SEEN = "portico_kb_seen";
const KEEP = 40;

export async function countArticleView(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  ws: Workspace,
  actor: CustomerActor | VisitorActor,
  articleId: string,
): Promise<void> {
  if (req.method !== "GET") return;
  const mark = articleId.replace(/-/g, "").slice(-12);
  const seen = (req.cookies[SEEN] ?? "").split(".").filter((s) => /^[0-9a-f]{12}$/.test(s));
  if (seen.includes(mark)) return;
  if (await agentOfWorkspace(ctx, req, ws)) return;
  await countView(ctx.database.db, actor, articleId);
  reply.setCookie(SEEN, [...seen.slice(-(KEEP - 1)), mark].join("."), {
    path: `/portal/${ws.slug}/kb`,
    httpOnly: true,
    sameSite: "lax",
    secure: ctx.config.cookieSecure,
    maxAge: 24 * 3600,
  });
}
