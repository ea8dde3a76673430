import type { AppContext } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { surveysVisibleTo } from "./survey.access.ts";
import { newSurveyRow } from "./survey.create.ts";
import { createSurvey, enqueueSurveyEmail, skipSurvey, surveyLinks, whyNotAsk } from "./survey.service.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// What a resolution asks: CSAT, at most once per ticket (a ticket resolved again after a reopen
// is not asked again), either as the button of the resolution email, written 'sent' in the
// resolution's transaction, or as its own email up to an hour later (csat_delivery); and, when
// the workspace asks it, "Still fixed?" a few days later. The answer is about the ticket's assignee.

const DAY_MS = 24 * 3600_000;

export interface ResolutionSurveyLinks {
  rateUrl: string;
  unsubscribeUrl: string;
}

/**
 * Called in the transaction that resolves `ticket` (its row before the change). With
 * `resolutionEmail` the CSAT rides in that email: the links to put in it are returned (null when
 * none is asked). Without one (a reply that resolves says so in its own email), a CSAT due at once
 * is sent as its own email.
 */
export async function onTicketResolved(
  ctx: AppContext,
  tx: Tx,
  p: {
    ws: Workspace;
    ticket: Pick<TicketTable, "id" | "workspace_id" | "contact_id" | "company_id">;
    agentId: string | null;
    resolutionEmail: boolean;
    /** The ticket's new resolved_at: the resolution a "Still fixed?" asks about. */
    resolvedAt: string;
  },
): Promise<ResolutionSurveyLinks | null> {
  const settings = await surveySettingsOf(ctx, p.ws.id, tx);
  const now = ctx.now();
  const about = {
    workspaceId: p.ws.id,
    contactId: p.ticket.contact_id,
    companyId: p.ticket.company_id,
    ticketId: p.ticket.id,
    agentId: p.agentId,
    trigger: "resolution" as const,
  };
  const asked = await surveysVisibleTo(tx, { kind: "system", reason: "surveys", workspaceId: p.ws.id })
    .select(["surveys.id", "surveys.kind", "surveys.status"])
    .where("surveys.ticket_id", "=", p.ticket.id)
    .where("surveys.kind", "in", ["csat", "still_fixed"])
    .execute();

  // A "Still fixed?" still waiting asks about an earlier resolution: this one asks anew.
  for (const s of asked) {
    if (s.kind === "still_fixed" && s.status === "scheduled") {
      await skipSurvey(tx, { id: s.id, workspace_id: p.ws.id }, "resolved_again");
    }
  }
  if (settings.still_fixed_days > 0) {
    await createSurvey(ctx, tx, {
      ...about,
      kind: "still_fixed",
      sendAt: new Date(now.getTime() + settings.still_fixed_days * DAY_MS),
      ticketResolvedAt: p.resolvedAt,
    });
  }

  if (!settings.csat_enabled || asked.some((s) => s.kind === "csat")) return null;
  if (settings.csat_delivery === "separate_email") {
    const delay = Math.min(60, Math.max(0, settings.csat_delay_minutes));
    await createSurvey(ctx, tx, { ...about, kind: "csat", sendAt: new Date(now.getTime() + delay * 60_000) });
    return null;
  }
  // In the resolution email (or, resolved by a reply, its own email now): sent at once.
  const reason = await whyNotAsk(ctx, tx, {
    workspaceId: p.ws.id,
    contactId: p.ticket.contact_id,
    kind: "csat",
    now,
  });
  const links = reason ? null : surveyLinks(ctx, p.ws, now);
  const row = {
    ...newSurveyRow(ctx, { ...about, kind: "csat", sendAt: now }),
    status: "skipped" as const,
    skip_reason: reason,
    created_at: now.toISOString(),
    ...(links ? links.sent : {}),
  };
  await tx.insertInto("surveys").values(row).execute();
  if (!links) return null;
  if (!p.resolutionEmail) {
    await enqueueSurveyEmail(ctx, tx, { ws: p.ws, survey: row, links });
    return null;
  }
  return { rateUrl: links.rateUrl, unsubscribeUrl: links.unsubscribeUrl };
}
