// SLA timers as pure functions of a ticket's timer state, its policy, the working calendar and
// the time: which policy applies, when each target falls due, how a pause (Waiting on the
// customer) moves the dues, and which dues a sweep finds breached or about to be.
// Everything is counted in minutes; instants are ISO strings as the rows store them.

import { addBusinessMinutes, businessMinutesBetween, type WorkCalendar } from "./business-hours.ts";

export type SlaClock = "business" | "calendar";
export const SLA_KINDS = ["first_response", "next_response", "resolution"] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

export interface SlaPolicyRule {
  id: string;
  priority: string;
  /** Narrowed to one ticket type; null: any. */
  ticketType: string | null;
  /** Narrowed to one company; null: any. */
  companyId: string | null;
  firstResponseMinutes: number | null;
  nextResponseMinutes: number | null;
  resolutionMinutes: number | null;
  clock: SlaClock;
}

/** The policy for a ticket: of those for its priority, the most specific (company, then type). */
export function choosePolicy<P extends SlaPolicyRule>(
  policies: readonly P[],
  t: { priority: string; type: string; companyId: string | null },
): P | null {
  let best: P | null = null;
  let bestScore = -1;
  for (const p of policies) {
    if (p.priority !== t.priority) continue;
    if (p.ticketType !== null && p.ticketType !== t.type) continue;
    if (p.companyId !== null && p.companyId !== t.companyId) continue;
    const score = (p.companyId ? 2 : 0) + (p.ticketType ? 1 : 0);
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

/** A ticket's timers as its row keeps them (migration 0029). */
export interface SlaState {
  policyId: string | null;
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** When the next response's clock started (the customer's message). */
  nextResponseFromAt: string | null;
  pausedAt: string | null;
  /** Working minutes paused so far (counted in the policy's clock), added when a due is recomputed. */
  pausedMinutes: number;
  firstResponseBreachedAt: string | null;
  nextResponseBreachedAt: string | null;
  resolutionBreachedAt: string | null;
  /** Kinds already warned about in their current cycle. */
  warned: SlaKind[];
}

export const EMPTY_SLA: SlaState = {
  policyId: null,
  firstResponseDueAt: null,
  nextResponseDueAt: null,
  resolutionDueAt: null,
  nextResponseFromAt: null,
  pausedAt: null,
  pausedMinutes: 0,
  firstResponseBreachedAt: null,
  nextResponseBreachedAt: null,
  resolutionBreachedAt: null,
  warned: [],
};

export function addClockMinutes(start: Date, minutes: number, clock: SlaClock, cal: WorkCalendar): Date {
  return clock === "business"
    ? addBusinessMinutes(start, minutes, cal)
    : new Date(start.getTime() + minutes * 60_000);
}

export function clockMinutesBetween(from: Date, to: Date, clock: SlaClock, cal: WorkCalendar): number {
  return clock === "business"
    ? businessMinutesBetween(from, to, cal)
    : Math.max(0, (to.getTime() - from.getTime()) / 60_000);
}

const DUE_FIELD = {
  first_response: "firstResponseDueAt",
  next_response: "nextResponseDueAt",
  resolution: "resolutionDueAt",
} as const;
const BREACH_FIELD = {
  first_response: "firstResponseBreachedAt",
  next_response: "nextResponseBreachedAt",
  resolution: "resolutionBreachedAt",
} as const;

export const dueOf = (s: SlaState, k: SlaKind) => s[DUE_FIELD[k]];
export const breachedAtOf = (s: SlaState, k: SlaKind) => s[BREACH_FIELD[k]];

export const targetOf = (p: SlaPolicyRule, k: SlaKind) =>
  k === "first_response"
    ? p.firstResponseMinutes
    : k === "next_response"
      ? p.nextResponseMinutes
      : p.resolutionMinutes;

/** What happened to the ticket, as the timers see it. */
export type SlaEvent =
  /** Opened, or its priority, type or company changed: the policy is chosen again. */
  | { kind: "opened"; createdAt: string; firstResponseAt: string | null; status: string }
  | { kind: "agent_replied" }
  | { kind: "customer_replied" }
  | { kind: "status"; from: string; to: string };

const STOPPED = new Set(["resolved", "closed"]);

/**
 * The timers after an event at `now`. A resolved or closed ticket has no pending due; reopening
 * starts the resolution target again; Waiting stops the clock, and leaving it moves every pending
 * due by the working time it was paused.
 */
export function slaAfter(
  s: SlaState,
  event: SlaEvent,
  policy: SlaPolicyRule | null,
  cal: WorkCalendar,
  now: Date,
): SlaState {
  const at = (start: string | Date, minutes: number | null, extra = 0) =>
    policy && minutes !== null
      ? addClockMinutes(new Date(start), minutes + extra, policy.clock, cal).toISOString()
      : null;
  const n: SlaState = { ...s, warned: [...s.warned] };
  const nowIso = now.toISOString();
  switch (event.kind) {
    case "opened": {
      const changed = (policy?.id ?? null) !== s.policyId;
      if (!changed && s.policyId !== null) return n;
      n.policyId = policy?.id ?? null;
      n.warned = [];
      if (STOPPED.has(event.status))
        return { ...n, firstResponseDueAt: null, nextResponseDueAt: null, resolutionDueAt: null };
      n.firstResponseDueAt =
        event.firstResponseAt === null
          ? at(event.createdAt, policy?.firstResponseMinutes ?? null, s.pausedMinutes)
          : null;
      n.resolutionDueAt =
        s.resolutionDueAt !== null || s.policyId === null
          ? at(event.createdAt, policy?.resolutionMinutes ?? null, s.pausedMinutes)
          : null;
      n.nextResponseDueAt =
        n.nextResponseFromAt !== null && s.nextResponseDueAt !== null
          ? at(n.nextResponseFromAt, policy?.nextResponseMinutes ?? null)
          : null;
      // Paused, the new dues move from the pause's start when it ends, like the old ones.
      return n;
    }
    case "agent_replied":
      // The first and the next response are met (late ones keep their breach marker).
      n.firstResponseDueAt = null;
      n.nextResponseDueAt = null;
      n.nextResponseFromAt = null;
      n.warned = n.warned.filter((k) => k === "resolution");
      return n;
    case "customer_replied":
      // A new message waits for an answer, unless the first response is still owed.
      if (
        n.firstResponseDueAt === null &&
        n.nextResponseDueAt === null &&
        policy?.nextResponseMinutes != null
      ) {
        n.nextResponseFromAt = nowIso;
        n.nextResponseDueAt = at(now, policy.nextResponseMinutes);
        n.nextResponseBreachedAt = null;
        n.warned = n.warned.filter((k) => k !== "next_response");
      }
      return n;
    case "status": {
      const { from, to } = event;
      if (STOPPED.has(to)) {
        n.firstResponseDueAt = null;
        n.nextResponseDueAt = null;
        n.resolutionDueAt = null;
        n.pausedAt = null;
        n.warned = [];
        return n;
      }
      if (STOPPED.has(from)) {
        // Reopened: the resolution target runs again from now; a customer's message adds its own.
        n.resolutionDueAt = at(now, policy?.resolutionMinutes ?? null);
        n.resolutionBreachedAt = null;
        n.pausedAt = to === "waiting" ? nowIso : null;
        return n;
      }
      if (to === "waiting" && n.pausedAt === null) {
        n.pausedAt = nowIso;
        return n;
      }
      if (to !== "waiting" && n.pausedAt !== null) return resumed(n, policy, cal, now);
      return n;
    }
  }
}

/** The clock runs again: each pending due moves by the working time paused. */
function resumed(s: SlaState, policy: SlaPolicyRule | null, cal: WorkCalendar, now: Date): SlaState {
  const pausedAt = new Date(s.pausedAt as string);
  const clock = policy?.clock ?? "calendar";
  const paused = clockMinutesBetween(pausedAt, now, clock, cal);
  const n: SlaState = { ...s, pausedAt: null, pausedMinutes: Math.round(s.pausedMinutes + paused) };
  for (const k of SLA_KINDS) {
    const due = dueOf(s, k);
    if (due === null || breachedAtOf(s, k) !== null) continue;
    // What was left of the target when the clock stopped is left again now.
    const left = clockMinutesBetween(pausedAt, new Date(due), clock, cal);
    n[DUE_FIELD[k]] = addClockMinutes(now, left, clock, cal).toISOString();
  }
  return n;
}

/** The earliest pending due, or null while paused or with none pending: the queue's sort key. */
export function nextDueOf(s: SlaState): string | null {
  if (s.pausedAt !== null) return null;
  let best: string | null = null;
  for (const k of SLA_KINDS) {
    const d = dueOf(s, k);
    if (d !== null && (best === null || d < best)) best = d;
  }
  return best;
}

/** When a due is warned about: an hour before it, or when 80% of a shorter target is used. */
export function warnAtOf(due: string, targetMinutes: number | null): string {
  const lead = Math.min(60, Math.max(1, Math.round((targetMinutes ?? 300) * 0.2)));
  return new Date(Date.parse(due) - lead * 60_000).toISOString();
}

/** The next moment a sweep has something to do for this ticket (a warning or a breach), or null. */
export function checkAtOf(s: SlaState, policy: SlaPolicyRule | null): string | null {
  if (s.pausedAt !== null) return null;
  let best: string | null = null;
  for (const k of SLA_KINDS) {
    const due = dueOf(s, k);
    if (due === null || breachedAtOf(s, k) !== null) continue;
    const t = s.warned.includes(k) ? due : warnAtOf(due, policy ? targetOf(policy, k) : null);
    if (best === null || t < best) best = t;
  }
  return best;
}

/** What a sweep at `now` finds: dues newly breached and newly warned about, with the state after. */
export function slaSweep(
  s: SlaState,
  policy: SlaPolicyRule | null,
  now: Date,
): { state: SlaState; breached: SlaKind[]; warned: SlaKind[] } {
  const n: SlaState = { ...s, warned: [...s.warned] };
  const breached: SlaKind[] = [];
  const warned: SlaKind[] = [];
  if (s.pausedAt !== null) return { state: n, breached, warned };
  const nowIso = now.toISOString();
  for (const k of SLA_KINDS) {
    const due = dueOf(s, k);
    if (due === null || breachedAtOf(s, k) !== null) continue;
    if (due <= nowIso) {
      n[BREACH_FIELD[k]] = due;
      breached.push(k);
      if (!n.warned.includes(k)) n.warned.push(k);
    } else if (!n.warned.includes(k) && warnAtOf(due, policy ? targetOf(policy, k) : null) <= nowIso) {
      n.warned.push(k);
      warned.push(k);
    }
  }
  return { state: n, breached, warned };
}
