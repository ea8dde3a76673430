import { sql } from "kysely";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { ticketsVisibleTo } from "./ticket.access.ts";

// The queue views' counts (faster.ts queueViews) on a large workspace. Counting every unresolved
// ticket is one pass over a partial index (tickets_unresolved_counts_idx, migration 0034) grouped
// by assignee, whether the customer spoke last, team and status: a few rows, from which each agent's
// counts are summed. The rows are kept per workspace and thrown away when:
// - the live bus says anything changed in the workspace (every ticket change publishes after its
//   commit; with Redis that includes the other processes' changes);
// - the workspace's newest ticket number or latest update differs from when they were read (two
//   index lookups per call: catches a change whose event was missed, in any process);
// - they are older than MAX_AGE_MS.
// Agents see every ticket of their workspace (ticketScope), so the rows are the same for all.

export const MAX_AGE_MS = 5_000;

export interface CountRow {
  assigneeId: string | null;
  teamId: string | null;
  waitingForUs: boolean;
  n: number;
}

interface Entry {
  rows: CountRow[];
  stamp: string;
  at: number;
}

interface Cache {
  entries: Map<string, Entry>;
  /** Bumped by every live event of the workspace: a read that straddles one is not kept. */
  generations: Map<string, number>;
}

const caches = new WeakMap<AppContext, Cache>();

function cacheOf(ctx: AppContext): Cache {
  let cache = caches.get(ctx);
  if (!cache) {
    const c: Cache = { entries: new Map(), generations: new Map() };
    ctx.live.subscribe((event) => {
      c.entries.delete(event.workspaceId);
      c.generations.set(event.workspaceId, (c.generations.get(event.workspaceId) ?? 0) + 1);
    });
    caches.set(ctx, c);
    cache = c;
  }
  return cache;
}

/** What changes when any ticket of the workspace is created or changed: two index lookups. */
async function stampOf(ctx: AppContext, actor: AgentActor): Promise<string> {
  // One max() each: SQLite answers a lone max() from the index's end, two would scan.
  const newest = await ticketsVisibleTo(ctx.database.db, actor)
    .select(sql<number | null>`max(tickets.number)`.as("n"))
    .executeTakeFirstOrThrow();
  const updated = await ticketsVisibleTo(ctx.database.db, actor)
    .select(sql<string | null>`max(tickets.updated_at)`.as("u"))
    .executeTakeFirstOrThrow();
  return `${newest.n ?? 0}|${updated.u ?? ""}`;
}

async function readRows(ctx: AppContext, actor: AgentActor): Promise<CountRow[]> {
  // The status test is written out (not bound) so that it matches the partial index's.
  const rows = await ticketsVisibleTo(ctx.database.db, actor)
    .where(sql<boolean>`tickets.status in ('open', 'in_progress', 'waiting')`)
    .select([
      "tickets.assignee_id",
      "tickets.last_message_by",
      "tickets.team_id",
      "tickets.status",
      sql<number>`count(*)`.as("n"),
    ])
    .groupBy(["tickets.assignee_id", "tickets.last_message_by", "tickets.team_id", "tickets.status"])
    .execute();
  return rows.map((r) => ({
    assigneeId: r.assignee_id ?? null,
    teamId: r.team_id ?? null,
    // Waiting on the customer is not waiting for us (the SLA clock is paused too).
    waitingForUs: r.last_message_by === "contact" && r.status !== "waiting",
    n: Number(r.n),
  }));
}

/** The unresolved tickets of the agent's workspace, counted by assignee, waiting and team. */
export async function unresolvedCounts(ctx: AppContext, actor: AgentActor): Promise<CountRow[]> {
  const cache = cacheOf(ctx);
  const ws = actor.workspaceId;
  const generation = cache.generations.get(ws) ?? 0;
  const stamp = await stampOf(ctx, actor);
  const kept = cache.entries.get(ws);
  if (kept && kept.stamp === stamp && Date.now() - kept.at < MAX_AGE_MS) return kept.rows;
  const at = Date.now();
  const rows = await readRows(ctx, actor);
  // The stamp was read first: a change committed meanwhile moves it, and the next call reads again.
  if ((cache.generations.get(ws) ?? 0) === generation) cache.entries.set(ws, { rows, stamp, at });
  return rows;
}
