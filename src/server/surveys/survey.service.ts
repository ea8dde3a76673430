import type { AppContext } from "../context.ts";
import type { SurveyKind, SurveyTable, SurveyTrigger } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { scheduleJob } from "../jobs/scheduler.ts";

// A survey's life: created 'scheduled' with the moment to send it (a survey_send job), sent with
// its one-time link (or at once, inside the resolution email), answered once by link or in the
// portal, or skipped (unsubscribed, asked recently, stale, the ticket moved on) or expired.

export interface NewSurvey {
  workspaceId: string;
  kind: SurveyKind;
  contactId: string;
  companyId: string | null;
  ticketId?: string | null;
  planId?: string | null;
  agentId?: string | null;
  trigger: SurveyTrigger;
  sendAt: Date;
}

/** A survey to send later: its row and its survey_send job, in the caller's transaction. */
export async function createSurvey(ctx: AppContext, tx: Tx, s: NewSurvey): Promise<SurveyTable> {
  const row: SurveyTable = {
    id: newId(),
    workspace_id: s.workspaceId,
    kind: s.kind,
    contact_id: s.contactId,
    company_id: s.companyId,
    ticket_id: s.ticketId ?? null,
    plan_id: s.planId ?? null,
    agent_id: s.agentId ?? null,
    trigger: s.trigger,
    status: "scheduled",
    skip_reason: null,
    token_hash: null,
    unsubscribe_token_hash: null,
    send_at: s.sendAt.toISOString(),
    sent_at: null,
    expires_at: null,
    score: null,
    answer: null,
    comment: null,
    answered_at: null,
    answered_via: null,
    created_at: ctx.now().toISOString(),
  };
  await tx.insertInto("surveys").values(row).execute();
  await scheduleJob(ctx, tx, {
    kind: "survey_send",
    key: `survey:${row.id}`,
    runAt: s.sendAt,
    workspaceId: s.workspaceId,
    payload: { surveyId: row.id },
  });
  return row;
}

/**
 * Whether the contact may be asked a survey of this kind now: not unsubscribed, and (for every
 * kind but "Still fixed?") no survey sent to them within the workspace's quiet days. Answers the
 * reason it may not, or null.
 */
export async function whyNotAsk(
  ctx: AppContext,
  tx: Tx,
  p: { workspaceId: string; contactId: string; kind: SurveyKind; now: Date },
): Promise<"unsubscribed" | "quiet" | null> {
  void ctx;
  void tx;
  void p;
  throw new Error("whyNotAsk: not built yet");
}
