import { formatReference } from "../../shared/tickets.ts";
import { systemActor, systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { JobHandler } from "../jobs/job-kinds.ts";
import { type SlaKind, slaSweep } from "../lib/sla.ts";
import { notifyAgents, publishNotified } from "../notifications/notify.ts";
import { ticketsVisibleTo, ticketsWritableBy } from "../tickets/ticket.access.ts";
import { columnsOf, policyRulesOf, SLA_COLUMNS, stateOf, type TicketSla } from "./sla.timers.ts";

// The SLA sweep, a recurring job of the whole server (every minute): each ticket whose sla_check_at
// has come is looked at once, in its own transaction on the locked row; a due reached is marked
// breached (once: the marker is the guard) and a due about to be reached is warned about (once per
// cycle), and the assignee is told, or the ticket's team, or every agent while it has neither.

const BATCH = 100;
const STOPPED = ["resolved", "closed"];

export const SLA_KIND_LABELS: Record<SlaKind, string> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};

/** Sweeps every workspace's tickets due for a look at the context's now; answers how many it marked. */
export async function sweepSla(ctx: AppContext): Promise<number> {
  const all = systemActor("sla sweep");
  let marked = 0;
  // Each ticket looked at moves its sla_check_at past now (or clears it), so every round is new work.
  for (let round = 0; round < 100; round++) {
    const now = ctx.now().toISOString();
    const due = await ticketsVisibleTo(ctx.database.db, all)
      .select(["tickets.id", "tickets.workspace_id"])
      .where("tickets.sla_check_at", "<=", now)
      // A resolved or closed ticket has no running timer, whatever its row still says.
      .where("tickets.status", "not in", STOPPED)
      .orderBy("tickets.sla_check_at")
      .limit(BATCH)
      .execute();
    for (const t of due) marked += await sweepTicket(ctx, t.workspace_id, t.id);
    if (due.length < BATCH) break;
  }
  return marked;
}

async function sweepTicket(ctx: AppContext, workspaceId: string, ticketId: string): Promise<number> {
  const system = systemActorIn("sla sweep", workspaceId);
  const told: string[] = [];
  let reference = "";
  const n = await ctx.database.db.transaction().execute(async (tx) => {
    let q = ticketsVisibleTo(tx, system)
      .select([...SLA_COLUMNS, "tickets.number", "tickets.subject", "tickets.assignee_id", "tickets.team_id"])
      .select("tickets.sla_check_at")
      .where("tickets.id", "=", ticketId);
    if (ctx.database.dialect === "postgres") q = q.forUpdate();
    const t = await q.executeTakeFirst();
    const now = ctx.now();
    // Another process swept it first: its check moved on.
    if (!t?.sla_check_at || t.sla_check_at > now.toISOString()) return 0;
    if (STOPPED.includes(t.status)) return 0;
    const policies = await policyRulesOf(tx, workspaceId);
    const policy = policies.find((p) => p.id === t.sla_policy_id) ?? null;
    const { state, breached, warned } = slaSweep(stateOf(t as TicketSla), policy, now);
    await ticketsWritableBy(tx, system)
      .set(columnsOf(state, policy))
      .where("tickets.id", "=", ticketId)
      .execute();
    reference = formatReference(t.number);
    const audience = t.assignee_id ? { agentIds: [t.assignee_id] } : { team: t.team_id ?? null };
    for (const [kind, kinds] of [
      ["sla_breach", breached],
      ["sla_warning", warned],
    ] as const) {
      if (kinds.length === 0) continue;
      told.push(
        ...(await notifyAgents(ctx, tx, {
          workspaceId,
          kind,
          ticketId,
          audience,
          data: { reference, subject: t.subject, targets: kinds.map((k) => SLA_KIND_LABELS[k]).join(", ") },
        })),
      );
    }
    return breached.length + warned.length;
  });
  if (n > 0) {
    publishNotified(ctx, workspaceId, [...new Set(told)]);
    ctx.live.publish({ workspaceId, topic: "ticket", reference });
  }
  return n;
}

/** Finished sweeps kept (a row a minute would otherwise pile up in scheduled_jobs). */
const SWEEP_ROWS_KEPT_MS = 86_400_000;

export const slaSweepJob: JobHandler = {
  async run(ctx, job) {
    const marked = await sweepSla(ctx);
    // The scheduler's table is not a guarded one: only this kind's finished rows of yesterday go.
    await ctx.database.db
      .deleteFrom("scheduled_jobs")
      .where("kind", "=", "sla_sweep")
      .where("status", "in", ["done", "skipped"])
      .where("run_at", "<", new Date(Date.parse(job.run_at) - SWEEP_ROWS_KEPT_MS).toISOString())
      .execute();
    return marked > 0 ? "done" : "skipped";
  },
  // A sweep missed during downtime is not worth running late: the next minute's does the same.
  staleAfterMs: 10 * 60_000,
};
