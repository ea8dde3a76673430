import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { SlaPolicyTable } from "../db/schema.sla.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { parseBusinessHours, type WorkCalendar } from "../lib/business-hours.ts";
import {
  checkAtOf,
  choosePolicy,
  nextDueOf,
  SLA_KINDS,
  type SlaEvent,
  type SlaKind,
  type SlaPolicyRule,
  type SlaState,
  slaAfter,
} from "../lib/sla.ts";
import { zoneOrUtc } from "../lib/zoned-time.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { holidaysVisibleTo, policiesVisibleTo } from "./sla.access.ts";

// A ticket's SLA timers kept right in the transaction of each change to it: one call, `syncSla`,
// after the change is written, with the ticket as it was before (null: just opened) and what an
// agent or customer said, if anything. It reads the row as it is now, works out the events (a
// reply, a status change, a new priority, type or company) and writes the timers back.

export type TicketSla = Pick<
  TicketTable,
  | "id"
  | "workspace_id"
  | "status"
  | "priority"
  | "type"
  | "company_id"
  | "created_at"
  | "first_response_at"
  | "sla_policy_id"
  | "first_response_due_at"
  | "next_response_due_at"
  | "resolution_due_at"
  | "next_response_from_at"
  | "sla_paused_at"
  | "sla_paused_minutes"
  | "first_response_breached_at"
  | "next_response_breached_at"
  | "resolution_breached_at"
  | "sla_warned"
>;

export const SLA_COLUMNS = [
  "tickets.id",
  "tickets.workspace_id",
  "tickets.status",
  "tickets.priority",
  "tickets.type",
  "tickets.company_id",
  "tickets.created_at",
  "tickets.first_response_at",
  "tickets.sla_policy_id",
  "tickets.first_response_due_at",
  "tickets.next_response_due_at",
  "tickets.resolution_due_at",
  "tickets.next_response_from_at",
  "tickets.sla_paused_at",
  "tickets.sla_paused_minutes",
  "tickets.first_response_breached_at",
  "tickets.next_response_breached_at",
  "tickets.resolution_breached_at",
  "tickets.sla_warned",
] as const;

export function ruleOf(p: SlaPolicyTable): SlaPolicyRule {
  return {
    id: p.id,
    priority: p.priority,
    ticketType: p.ticket_type,
    companyId: p.company_id,
    firstResponseMinutes: p.first_response_minutes,
    nextResponseMinutes: p.next_response_minutes,
    resolutionMinutes: p.resolution_minutes,
    clock: p.clock,
  };
}

export function stateOf(t: TicketSla): SlaState {
  return {
    policyId: t.sla_policy_id ?? null,
    firstResponseDueAt: t.first_response_due_at ?? null,
    nextResponseDueAt: t.next_response_due_at ?? null,
    resolutionDueAt: t.resolution_due_at ?? null,
    nextResponseFromAt: t.next_response_from_at ?? null,
    pausedAt: t.sla_paused_at ?? null,
    pausedMinutes: Number(t.sla_paused_minutes ?? 0),
    firstResponseBreachedAt: t.first_response_breached_at ?? null,
    nextResponseBreachedAt: t.next_response_breached_at ?? null,
    resolutionBreachedAt: t.resolution_breached_at ?? null,
    warned: (t.sla_warned ?? "")
      .split(",")
      .filter((k): k is SlaKind => (SLA_KINDS as readonly string[]).includes(k)),
  };
}

/** The row's columns for a state, with the queue's next due and the sweep's next look. */
export function columnsOf(s: SlaState, policy: SlaPolicyRule | null) {
  return {
    sla_policy_id: s.policyId,
    first_response_due_at: s.firstResponseDueAt,
    next_response_due_at: s.nextResponseDueAt,
    resolution_due_at: s.resolutionDueAt,
    next_response_from_at: s.nextResponseFromAt,
    sla_paused_at: s.pausedAt,
    sla_paused_minutes: s.pausedMinutes,
    first_response_breached_at: s.firstResponseBreachedAt,
    next_response_breached_at: s.nextResponseBreachedAt,
    resolution_breached_at: s.resolutionBreachedAt,
    sla_warned: s.warned.join(","),
    next_due_at: nextDueOf(s),
    sla_check_at: checkAtOf(s, policy),
  };
}

/** A workspace's working calendar: its business hours, zone and holidays. */
export async function workCalendarOf(tx: Tx, workspaceId: string): Promise<WorkCalendar> {
  const system = systemActorIn("sla timers", workspaceId);
  // Workspaces are not a guarded table.
  const ws = await tx
    .selectFrom("workspaces")
    .select(["time_zone", "business_hours"])
    .where("id", "=", workspaceId)
    .executeTakeFirstOrThrow();
  const days = await holidaysVisibleTo(tx, system).select("day").execute();
  return {
    hours: parseBusinessHours(ws.business_hours),
    timeZone: zoneOrUtc(ws.time_zone),
    holidays: new Set(days.map((d) => d.day)),
  };
}

export async function policyRulesOf(tx: Tx, workspaceId: string): Promise<SlaPolicyRule[]> {
  const rows = await policiesVisibleTo(tx, systemActorIn("sla timers", workspaceId))
    .selectAll()
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(ruleOf);
}

/**
 * Brings one ticket's timers up to date after a change written in `tx`. `before`: the row before
 * the change (null when it was just opened); `said`: an agent's public reply or a customer's message.
 */
export async function syncSla(
  ctx: AppContext,
  tx: Tx,
  ticket: { id: string; workspace_id: string },
  before: Pick<TicketTable, "status" | "priority" | "type" | "company_id"> | null,
  said?: "agent_replied" | "customer_replied",
  /** The workspace's policies as the caller read them for this change (policyRulesOf). */
  known?: SlaPolicyRule[],
): Promise<void> {
  const system = systemActorIn("sla timers", ticket.workspace_id);
  const policies = known ?? (await policyRulesOf(tx, ticket.workspace_id));
  // A workspace without policies keeps no timers: a new ticket of it costs one read more, no write.
  if (policies.length === 0 && before === null) return;
  const t = (await ticketsVisibleTo(tx, system)
    .select(SLA_COLUMNS)
    .where("tickets.id", "=", ticket.id)
    .executeTakeFirst()) as TicketSla | undefined;
  if (!t) return;
  if (policies.length === 0 && !t.sla_policy_id) return;
  const cal = await workCalendarOf(tx, ticket.workspace_id);
  const now = ctx.now();
  let policy = policies.find((p) => p.id === t.sla_policy_id) ?? null;
  let s = stateOf(t);
  const events: SlaEvent[] = [];
  if (said === "agent_replied") events.push({ kind: "agent_replied" });
  if (before && before.status !== t.status)
    events.push({ kind: "status", from: before.status, to: t.status });
  const rechoose =
    before === null ||
    before.priority !== t.priority ||
    before.type !== t.type ||
    before.company_id !== t.company_id;
  if (said === "customer_replied") events.push({ kind: "customer_replied" });
  for (const e of events) {
    if (e.kind === "customer_replied" && rechoose) continue;
    s = slaAfter(s, e, policy, cal, now);
  }
  if (rechoose) {
    policy = choosePolicy(policies, { priority: t.priority, type: t.type, companyId: t.company_id });
    const opened: SlaEvent = {
      kind: "opened",
      createdAt: t.created_at,
      firstResponseAt: t.first_response_at,
      status: t.status,
    };
    s = slaAfter(s, opened, policy, cal, now);
    if (before === null && t.status === "waiting")
      s = slaAfter(s, { kind: "status", from: "open", to: "waiting" }, policy, cal, now);
    if (said === "customer_replied") s = slaAfter(s, { kind: "customer_replied" }, policy, cal, now);
  }
  await ticketsWritableBy(tx, system).set(columnsOf(s, policy)).where("tickets.id", "=", ticket.id).execute();
}
