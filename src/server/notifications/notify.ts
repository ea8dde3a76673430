import { systemActorIn } from "../actors.ts";
import { NO_PASSWORD_YET } from "../agents/agent.service.ts";
import type { AppContext } from "../context.ts";
import { nowIso } from "../context.ts";
import { executeBatched } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import type { TemplateCall } from "../email/email.templates.ts";
import { absoluteUrl, enqueueEmails } from "../email/outbox.ts";
import { newId } from "../ids.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { insertNotifications, teamMembersVisibleTo } from "./notification.access.ts";
import { type NotificationKind, notificationPrefs } from "./notification-kinds.ts";

// Telling agents: one call in the transaction of the change that causes it. Only active agents
// who have accepted their invitation are told, never the agent who caused it, and each only on
// the channels they chose (notification-kinds.ts): a row for the bell, and an email of their own
// (never several agents in one To:), queued in the outbox in the same transaction. Once the
// transaction commits, the caller says so on the live bus with `publishNotified`, and the bells
// of those agents update.

export interface AgentNotice {
  workspaceId: string;
  kind: NotificationKind;
  ticketId: string | null;
  /** Named agents, or a team's members (team null: every agent of the workspace). */
  audience: { agentIds: string[] } | { team: string | null };
  /** The agent whose action this is: never told of their own doing. */
  actorAgentId?: string | null | undefined;
  /** What the line says, fixed now: reference, subject, who did it (`by`: absent, the actor's name is read here). */
  data: Record<string, string | number | null>;
  /** The workspace, when the caller holds it (the email's brand); read here otherwise. */
  ws?: Workspace | undefined;
  /**
   * The email for the agents who chose email for this kind, one each: a template of its own (the
   * new ticket's, the customer's reply) and its thread. Absent: the plain notice (agent_notice).
   */
  email?:
    | {
        call: TemplateCall;
        thread?: { ticketId: string; threadId: string | null; lastInbound?: string | null | undefined };
      }
    | undefined;
}

/** The agents told (app or email), for the caller to publish after commit. */
export async function notifyAgents(ctx: AppContext, tx: Tx, given: AgentNotice): Promise<string[]> {
  const system = systemActorIn("notify agents", given.workspaceId);
  let q = tx
    .selectFrom("agents")
    .select(["agents.id", "agents.notify_prefs", "agents.email", "agents.name"])
    .where("agents.workspace_id", "=", given.workspaceId)
    .where("agents.active", "=", true)
    .where("agents.password_hash", "!=", NO_PASSWORD_YET);
  const audience = given.audience;
  if ("agentIds" in audience) {
    if (audience.agentIds.length === 0) return [];
    q = q.where("agents.id", "in", audience.agentIds);
  } else if (audience.team !== null) {
    q = q.where(
      "agents.id",
      "in",
      teamMembersVisibleTo(tx, system)
        .select("team_members.agent_id")
        .where("team_members.team_id", "=", audience.team),
    );
  }
  if (given.actorAgentId) q = q.where("agents.id", "!=", given.actorAgentId);
  const agents = await q.execute();
  if (agents.length === 0) return [];
  const notice = given.data.by === undefined && given.actorAgentId ? await namingActor(tx, given) : given;
  const now = nowIso(ctx);
  const inApp = agents.filter((a) => notificationPrefs(a.notify_prefs)[notice.kind].app);
  if (inApp.length > 0) {
    await executeBatched(
      ctx.database,
      tx,
      insertNotifications(
        tx,
        inApp.map((a) => ({
          id: newId(),
          workspace_id: notice.workspaceId,
          agent_id: a.id,
          kind: notice.kind,
          ticket_id: notice.ticketId,
          data: JSON.stringify(notice.data),
          read_at: null,
          created_at: now,
        })),
      ),
    );
  }
  const byEmail = agents.filter((a) => notificationPrefs(a.notify_prefs)[notice.kind].email);
  if (byEmail.length > 0) await emailEach(ctx, tx, notice, byEmail);
  return inApp.map((a) => a.id);
}

/** The notice with its actor's name as `by` (agents are not a guarded table). */
async function namingActor(tx: Tx, notice: AgentNotice): Promise<AgentNotice> {
  const actor = await tx
    .selectFrom("agents")
    .select("name")
    .where("workspace_id", "=", notice.workspaceId)
    .where("id", "=", notice.actorAgentId as string)
    .executeTakeFirst();
  return { ...notice, data: { ...notice.data, by: actor?.name ?? null } };
}

/** One email per agent, each only to that agent. */
async function emailEach(
  ctx: AppContext,
  tx: Tx,
  notice: AgentNotice,
  agents: { email: string; name: string }[],
): Promise<void> {
  const ws =
    notice.ws ??
    (await tx.selectFrom("workspaces").selectAll().where("id", "=", notice.workspaceId).executeTakeFirst());
  if (!ws) return;
  const reference = typeof notice.data.reference === "string" ? notice.data.reference : null;
  const call: TemplateCall = notice.email?.call ?? {
    kind: "agent_notice",
    params: {
      brand: brandingOf(ws),
      kind: notice.kind,
      reference,
      subject: textOf(notice.data.subject),
      by: textOf(notice.data.by),
      excerpt: textOf(notice.data.excerpt),
      event: textOf(notice.data.event),
      ticketUrl: reference ? absoluteUrl(ctx, `/app/tickets/${reference}`) : null,
      profileUrl: absoluteUrl(ctx, "/app/profile"),
    },
  };
  const thread =
    notice.email?.thread ?? (notice.ticketId ? { ticketId: notice.ticketId, threadId: null } : undefined);
  await enqueueEmails(
    ctx,
    tx,
    agents.map((a) => ({
      ...call,
      ws,
      audience: "agent" as const,
      to: [{ address: a.email, name: a.name }],
      thread,
      autoSubmitted: true,
    })),
  );
}

const textOf = (v: string | number | null | undefined) =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : null;

/** After commit: the bells of these agents update (every process, on Redis). */
export function publishNotified(ctx: AppContext, workspaceId: string, agentIds: string[]): void {
  if (agentIds.length > 0) ctx.live.publish({ workspaceId, topic: "notifications", agentIds });
}
