import { formatReference } from "../../shared/tickets.ts";
import type { Actor, AgentActor, CustomerActor } from "../actors.ts";
import { hashToken, looksLikeToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { surveyByTokenHash, surveyByUnsubscribeHash, surveysVisibleTo } from "./survey.access.ts";

// The ways to a survey: a link's token (the email), the signed-in customer's own (the portal's
// banner and page), and the agents' view of a ticket's answers. Each answers the one survey its
// key names in the portal's workspace, or nothing.

/** The survey an answer link names, in this workspace; a malformed or unknown token finds none. */
export async function findSurveyByToken(
  ctx: AppContext,
  ws: Workspace,
  token: string,
): Promise<SurveyTable | undefined> {
  if (!looksLikeToken(token)) return undefined;
  const s = await surveyByTokenHash(ctx.database.db, hashToken(token)).selectAll().executeTakeFirst();
  return s && s.workspace_id === ws.id ? s : undefined;
}

/** The survey an unsubscribe link names, in this workspace. */
export async function findSurveyByUnsubscribeToken(
  ctx: AppContext,
  ws: Workspace,
  token: string,
): Promise<SurveyTable | undefined> {
  if (!looksLikeToken(token)) return undefined;
  const s = await surveyByUnsubscribeHash(ctx.database.db, hashToken(token)).selectAll().executeTakeFirst();
  return s && s.workspace_id === ws.id ? s : undefined;
}

/** A signed-in customer's own survey by id (the banner's page); another contact's is none. */
export async function surveyForCustomer(
  ctx: AppContext,
  actor: CustomerActor,
  id: string,
): Promise<SurveyTable | undefined> {
  return surveysVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("surveys.id", "=", id.slice(0, 40))
    .executeTakeFirst();
}

export interface PendingSurvey {
  id: string;
  kind: SurveyTable["kind"];
  reference: string | null;
}

/** The customer's newest survey waiting for an answer (sent, unexpired), for the portal's banner. */
export async function pendingSurveyOf(ctx: AppContext, actor: CustomerActor): Promise<PendingSurvey | null> {
  const s = await surveysVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("surveys.contact_id", "=", actor.contactId)
    .where("surveys.status", "=", "sent")
    .where("surveys.expires_at", ">", ctx.now().toISOString())
    .orderBy("surveys.sent_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!s) return null;
  return { id: s.id, kind: s.kind, reference: await surveyReference(ctx, s, actor) };
}

/**
 * The reference of the request a survey is about (for its question): read as the signed-in
 * customer when there is one, else (an answer link) as the survey's system.
 */
export async function surveyReference(
  ctx: AppContext,
  s: SurveyTable,
  reader: Actor = { kind: "system", reason: "surveys", workspaceId: s.workspace_id },
): Promise<string | null> {
  if (!s.ticket_id) return null;
  const t = await ticketsVisibleTo(ctx.database.db, reader)
    .select("tickets.number")
    .where("tickets.id", "=", s.ticket_id)
    .executeTakeFirst();
  return t ? formatReference(t.number) : null;
}

/** The follow-up request a "Still fixed?" No opened on its closed ticket (its reference), if any. */
export async function followUpReference(ctx: AppContext, s: SurveyTable): Promise<string | null> {
  if (s.answer_outcome !== "follow_up" || !s.ticket_id || !s.answered_at) return null;
  const t = await ticketsVisibleTo(ctx.database.db, {
    kind: "system",
    reason: "surveys",
    workspaceId: s.workspace_id,
  })
    .select("tickets.number")
    .where("tickets.follow_up_of_id", "=", s.ticket_id)
    .where("tickets.contact_id", "=", s.contact_id)
    .where("tickets.created_at", ">=", s.answered_at)
    .orderBy("tickets.created_at")
    .executeTakeFirst();
  return t ? formatReference(t.number) : null;
}

export interface TicketSurveyAnswers {
  satisfaction: { score: number; comment: string | null; answeredAt: string } | null;
  stillFixed: { answer: "yes" | "no"; comment: string | null; answeredAt: string } | null;
}

/** The answers about one ticket, for its agents: the CSAT rating and the newest "Still fixed?". */
export async function surveyAnswerFor(
  ctx: AppContext,
  actor: AgentActor,
  ticketId: string,
): Promise<TicketSurveyAnswers> {
  const rows = await surveysVisibleTo(ctx.database.db, actor)
    .select(["surveys.kind", "surveys.score", "surveys.answer", "surveys.comment", "surveys.answered_at"])
    .where("surveys.ticket_id", "=", ticketId)
    .where("surveys.status", "=", "answered")
    .where("surveys.kind", "in", ["csat", "still_fixed"])
    .orderBy("surveys.answered_at", "desc")
    .execute();
  const csat = rows.find((r) => r.kind === "csat" && r.score !== null);
  const fixed = rows.find((r) => r.kind === "still_fixed" && r.answer !== null);
  return {
    satisfaction: csat
      ? { score: csat.score as number, comment: csat.comment, answeredAt: csat.answered_at as string }
      : null,
    stillFixed: fixed
      ? {
          answer: fixed.answer as "yes" | "no",
          comment: fixed.comment,
          answeredAt: fixed.answered_at as string,
        }
      : null,
  };
}
