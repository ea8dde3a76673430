import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { SurveyTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";
import { surveysWritableBy } from "./survey.access.ts";

// "Still fixed?" asks about one resolution of its ticket (surveys.ticket_resolved_at).

/**
 * Whether `resolvedAt` (the ticket's now) is the resolution a "Still fixed?" asks about. A survey
 * made before the column existed (null) asks about whichever resolution the ticket has.
 */
export function sameResolution(
  s: Pick<SurveyTable, "ticket_resolved_at">,
  resolvedAt: string | Date | null,
): boolean {
  if (!s.ticket_resolved_at) return true;
  return resolvedAt !== null && new Date(resolvedAt).getTime() === new Date(s.ticket_resolved_at).getTime();
}

// A ticket reopened (its status leaves resolved or closed for an open one): the "Still fixed?"
// questions about its resolution no longer ask anything. Those not yet sent are skipped
// 'reopened'; those sent and not answered expire, so their link says so. A later resolution
// asks anew.

export async function onTicketReopened(
  _ctx: AppContext,
  tx: Tx,
  ticket: { id: string; workspace_id: string },
): Promise<void> {
  const actor = systemActorIn("surveys", ticket.workspace_id);
  await surveysWritableBy(tx, actor)
    .set({ status: "skipped", skip_reason: "reopened" })
    .where("surveys.ticket_id", "=", ticket.id)
    .where("surveys.kind", "=", "still_fixed")
    .where("surveys.status", "=", "scheduled")
    .execute();
  await surveysWritableBy(tx, actor)
    .set({ status: "expired" })
    .where("surveys.ticket_id", "=", ticket.id)
    .where("surveys.kind", "=", "still_fixed")
    .where("surveys.status", "=", "sent")
    .execute();
}
