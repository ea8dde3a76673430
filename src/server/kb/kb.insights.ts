import { sql } from "kysely";
import type { Static } from "typebox";
import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { getWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { articlesVisibleTo } from "./kb.access.ts";
import type { PortalKb } from "./kb.portal.ts";
import type {
  DeflectionEventInput,
  DeflectionWeek,
  KbInsights,
  NegativeFeedback,
  SearchMiss,
} from "./kb.schemas.ts";

// Deflection (did the submit form's suggestions spare a ticket?) and what agents learn from the
// portal: the events the submit form logs, searches that found nothing (recorded by kb.portal.ts),
// deflection per week and recent negative feedback.

export async function recordDeflectionEvent(
  ctx: AppContext,
  kb: PortalKb,
  input: Static<typeof DeflectionEventInput>,
): Promise<void> {
  const ids = [...new Set(input.articleIds ?? [])];
  // Only the reader's own articles are logged: an id from elsewhere is dropped, not stored.
  const known = ids.length
    ? (await articlesVisibleTo(ctx.database.db, kb.actor, { ids }).select("a.id").execute()).map((r) => r.id)
    : [];
  const now = nowIso(ctx);
  const rows = (known.length ? known : [null]).map((articleId) => ({
    id: newId(),
    workspace_id: kb.workspaceId,
    visit_id: input.visitId,
    type: input.type,
    article_id: articleId,
    created_at: now,
  }));
  await ctx.database.db.insertInto("kb_deflection_events").values(rows).execute();
}

const SUBMITTED_VISIT = new PreparedWrite(
  ["id", "workspaceId", "visitId", "at"],
  (db, p) =>
    db.insertInto("kb_deflection_events").values({
      id: p.id,
      workspace_id: p.workspaceId,
      visit_id: p.visitId,
      type: "submitted",
      article_id: null,
      created_at: p.at,
    }),
  { batched: true },
);

/** The same, in the submission's own transaction (no commit of its own). */
export async function recordSubmittedVisitIn(
  ctx: AppContext,
  tx: Tx,
  v: { workspaceId: string; visitId: string; at: string },
): Promise<void> {
  await SUBMITTED_VISIT.execute(ctx.database, tx, { id: newId(), ...v });
}

/** A ticket was submitted in this visit: it was not deflected. */
export async function recordSubmittedVisit(ctx: AppContext, slug: string, visitId: string): Promise<void> {
  const ws = await getWorkspaceBySlug(ctx, slug);
  await ctx.database.db
    .insertInto("kb_deflection_events")
    .values({
      id: newId(),
      workspace_id: ws.id,
      visit_id: visitId,
      type: "submitted",
      article_id: null,
      created_at: nowIso(ctx),
    })
    .execute();
}

/** Everything the insights show, read side by side: for the API and the app's page alike. */
export async function kbInsights(ctx: AppContext, actor: AgentActor): Promise<KbInsights> {
  const [misses, deflection, feedback] = await Promise.all([
    searchMisses(ctx, actor),
    deflectionByWeek(ctx, actor),
    recentNegativeFeedback(ctx, actor),
  ]);
  return { misses, deflection, feedback };
}

/** Monday of the week, YYYY-MM-DD (UTC). */
const mondayOf = (iso: string) => {
  const d = new Date(iso);
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
};

async function deflectionByWeek(ctx: AppContext, actor: AgentActor, weeks = 12): Promise<DeflectionWeek[]> {
  const since = new Date(ctx.now().getTime() - weeks * 7 * 86_400_000).toISOString();
  const rows = await ctx.database.db
    .selectFrom("kb_deflection_events")
    .select(["visit_id", "type"])
    .select((eb) => eb.fn.min("created_at").as("first_at"))
    .where("workspace_id", "=", actor.workspaceId)
    .where("created_at", ">=", since)
    .groupBy(["visit_id", "type"])
    .execute();
  const visits = new Map<string, { shownAt?: string; clicked: boolean; submitted: boolean }>();
  for (const r of rows) {
    const v = visits.get(r.visit_id) ?? { clicked: false, submitted: false };
    if (r.type === "shown") v.shownAt = String(r.first_at);
    if (r.type === "clicked") v.clicked = true;
    if (r.type === "submitted") v.submitted = true;
    visits.set(r.visit_id, v);
  }
  const byWeek = new Map<string, DeflectionWeek>();
  for (const v of visits.values()) {
    if (!v.shownAt) continue;
    const week = mondayOf(v.shownAt);
    const w = byWeek.get(week) ?? { week, visitsWithSuggestions: 0, clicked: 0, deflected: 0, rate: 0 };
    w.visitsWithSuggestions++;
    if (v.clicked) w.clicked++;
    if (!v.submitted) w.deflected++;
    byWeek.set(week, w);
  }
  return [...byWeek.values()]
    .map((w) => ({ ...w, rate: Math.round((w.deflected / w.visitsWithSuggestions) * 1000) / 1000 }))
    .sort((a, b) => b.week.localeCompare(a.week));
}

async function searchMisses(ctx: AppContext, actor: AgentActor, limit = 50): Promise<SearchMiss[]> {
  const rows = await ctx.database.db
    .selectFrom("kb_search_misses")
    .select(["query", "count", "last_at"])
    .where("workspace_id", "=", actor.workspaceId)
    .orderBy("count", "desc")
    .orderBy("last_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ query: r.query, count: Number(r.count), lastAt: r.last_at }));
}

async function recentNegativeFeedback(
  ctx: AppContext,
  actor: AgentActor,
  limit = 20,
): Promise<NegativeFeedback[]> {
  const rows = await articlesVisibleTo(ctx.database.db, actor)
    .innerJoin("kb_feedback as f", "f.article_id", "a.id")
    .select(["a.id", "a.title", "f.comment", "f.created_at"])
    .where("f.helpful", "=", false)
    .where("f.comment", "is not", null)
    .orderBy("f.created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    articleId: r.id,
    title: r.title,
    comment: r.comment as string,
    createdAt: r.created_at,
  }));
}

// Retention (lifecycle/retention.ts): searches that found nothing, last seen before the cutoff,
// and deflection events older than it are operational logs; they go in batches.

/** Each pruned log: the column naming a row within the workspace, and the one dating it. */
const PRUNABLE = {
  kb_search_misses: { key: "query", at: "last_at" },
  kb_deflection_events: { key: "id", at: "created_at" },
} as const;

/** Deletes up to `limit` of the workspace's rows of `table` dated before `before`; answers how many. */
async function pruneBefore(
  db: Tx,
  actor: WorkspaceSystemActor,
  table: keyof typeof PRUNABLE,
  p: { before: string; limit: number },
): Promise<number> {
  const { key, at } = PRUNABLE[table];
  const r = await db
    .deleteFrom(table)
    .where("workspace_id", "=", actor.workspaceId)
    // The oldest batch, chosen in the same statement (its columns are the subquery's own table).
    .where(
      sql.ref(key),
      "in",
      sql`(select ${sql.ref(key)} from ${sql.table(table)}
        where workspace_id = ${actor.workspaceId} and ${sql.ref(at)} < ${p.before} limit ${p.limit})`,
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes up to `limit` of the workspace's misses last searched before `before`; answers how many. */
export const pruneSearchMisses = (
  db: Tx,
  actor: WorkspaceSystemActor,
  p: { before: string; limit: number },
) => pruneBefore(db, actor, "kb_search_misses", p);

/** Deletes up to `limit` of the workspace's deflection events before `before`; answers how many. */
export const pruneDeflectionEvents = (
  db: Tx,
  actor: WorkspaceSystemActor,
  p: { before: string; limit: number },
) => pruneBefore(db, actor, "kb_deflection_events", p);
