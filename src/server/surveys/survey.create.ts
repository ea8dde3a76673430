import type { AppContext } from "../context.ts";
import type { SurveyKind, SurveyTable, SurveyTrigger } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { scheduleJob } from "../jobs/scheduler.ts";

// A survey to send later, apart from the rest of its life (survey.service.ts) so that what asks
// one (a closing's CES among them) needs nothing of how answers are applied.

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
  /** "Still fixed?": the resolution it asks about (the ticket's resolved_at). */
  ticketResolvedAt?: string | null;
}

/** The row of a survey scheduled for `sendAt`, not yet sent: what every survey starts as. */
export function newSurveyRow(ctx: AppContext, s: NewSurvey): SurveyTable {
  return {
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
    ticket_resolved_at: s.ticketResolvedAt ?? null,
  };
}

/** A survey to send later: its row and its survey_send job, in the caller's transaction. */
export async function createSurvey(ctx: AppContext, tx: Tx, s: NewSurvey): Promise<SurveyTable> {
  const row = newSurveyRow(ctx, s);
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
