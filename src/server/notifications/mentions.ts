import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { excerptOf } from "./notice-text.ts";
import { notifyAgents } from "./notify.ts";

// @mentions in an internal note: "@Ann Lee" (an agent's name) or "@ann@example.com" (their
// email), any case, not inside a longer word. Each agent mentioned is told (kind "mention") as
// they chose; the writer never is, nor an agent who cannot be told (notifyAgents decides).

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The agents a text mentions, among these. */
export function mentionedAgents<A extends { id: string; name: string; email: string }>(
  text: string,
  agents: A[],
): A[] {
  if (!text.includes("@")) return [];
  return agents.filter((a) => {
    const names = [a.email, a.name.trim()].filter((n) => n.length > 0).map(escapeRegExp);
    return new RegExp(
      `(?:^|[^\\p{L}\\p{N}_.@])@(?:${names.join("|")})(?![\\p{L}\\p{N}_@-]|\\.[\\p{L}\\p{N}])`,
      "iu",
    ).test(text);
  });
}

/** Tells the agents an internal note mentions; answers those told in the app (publish after commit). */
export async function notifyMentions(
  ctx: AppContext,
  tx: Tx,
  p: {
    workspaceId: string;
    ticketId: string;
    reference: string;
    subject: string;
    body: string;
    authorAgentId: string;
    authorName: string;
  },
): Promise<string[]> {
  if (!p.body.includes("@")) return [];
  const agents = await tx
    .selectFrom("agents")
    .select(["id", "name", "email"])
    .where("workspace_id", "=", p.workspaceId)
    .where("active", "=", true)
    .execute();
  const named = mentionedAgents(p.body, agents).map((a) => a.id);
  return notifyAgents(ctx, tx, {
    workspaceId: p.workspaceId,
    kind: "mention",
    ticketId: p.ticketId,
    audience: { agentIds: named },
    actorAgentId: p.authorAgentId,
    data: { reference: p.reference, subject: p.subject, by: p.authorName, excerpt: excerptOf(p.body) },
  });
}
