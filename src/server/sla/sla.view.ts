import type { AgentActor } from "../actors.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { breachedAtOf, dueOf, SLA_KINDS, targetOf, warnAtOf } from "../lib/sla.ts";
import { policiesVisibleTo } from "./sla.access.ts";
import type { TicketSla } from "./sla.schemas.ts";
import { ruleOf, stateOf, type TicketSla as TicketSlaRow } from "./sla.timers.ts";

// A ticket's SLA for the agents: its policy, each target's due (while pending), when it shows as
// due soon, and its breach. Null when no policy applies.

export const SLA_TARGET_LABELS = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
} as const;

export async function ticketSlaView(db: Tx, actor: AgentActor, t: TicketTable): Promise<TicketSla | null> {
  if (!t.sla_policy_id) return null;
  const p = await policiesVisibleTo(db, actor)
    .selectAll()
    .where("id", "=", t.sla_policy_id)
    .executeTakeFirst();
  if (!p) return null;
  const rule = ruleOf(p);
  const s = stateOf(t as TicketSlaRow);
  return {
    policy: { id: p.id, name: p.name },
    pausedAt: s.pausedAt,
    targets: SLA_KINDS.filter((k) => targetOf(rule, k) !== null).map((k) => {
      const due = dueOf(s, k);
      return {
        kind: k,
        label: SLA_TARGET_LABELS[k],
        dueAt: due,
        warnAt: due ? warnAtOf(due, targetOf(rule, k)) : null,
        breachedAt: breachedAtOf(s, k),
        minutes: targetOf(rule, k),
      };
    }),
  };
}
