import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import { type PeriodSummary, periodSummary } from "../analytics/metrics.ts";
import { companiesVisibleTo } from "../companies/company.access.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { SurveyKind } from "../db/schema.surveys.ts";
import { articlesVisibleTo } from "../kb/kb.access.ts";
import { addMonths, monthRange } from "../lib/local-dates.ts";
import { surveysVisibleTo } from "../surveys/survey.access.ts";
import type { SurveySettings } from "../surveys/survey-settings.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import type { CesMonthData, MonthNumbersData } from "./monthly-report.schemas.ts";

// The sections of the monthly improvement report, each read for one month of one workspace:
// ticket types by CSAT, articles by "No" share, detractors, the CES trend and the month's numbers
// against the month before, each with its rule-based proposed action. monthly-report.ts puts
// them together, stores and sends the report.

export type ReportActor = AgentActor | WorkspaceSystemActor;

/** At most this many rows a section lists (the counts cover them all). */
const LIST_MAX = { kb: 5, comments: 5, detractors: 50, types: 20 };
/** A ticket type whose CSAT is below this gets a proposed review. */
const CSAT_REVIEW_BELOW = 4;
/** Months of CES the trend shows, the reported one last. */
export const CES_MONTHS = 6;
/** A change of volume or time of at least this much gets a proposed action. */
const NOTABLE_CHANGE = 0.1;

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type Range = { from: string; to: string };

/** Answered surveys of a kind within the range, with a score. */
const answered = (ctx: AppContext, actor: ReportActor, kind: SurveyKind, range: Range) =>
  surveysVisibleTo(ctx.database.db, actor)
    .where("surveys.kind", "=", kind)
    .where("surveys.status", "=", "answered")
    .where("surveys.answered_at", ">=", range.from)
    .where("surveys.answered_at", "<", range.to)
    .where("surveys.score", "is not", null);

/** Whether anything happened: tickets created, surveys answered, article votes cast. */
export async function activityOf(ctx: AppContext, actor: ReportActor, range: Range): Promise<number> {
  const db = ctx.database.db;
  const [tickets, answers, votes] = await Promise.all([
    ticketsVisibleTo(db, actor)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tickets.created_at", ">=", range.from)
      .where("tickets.created_at", "<", range.to)
      .executeTakeFirstOrThrow(),
    surveysVisibleTo(db, actor)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("surveys.status", "=", "answered")
      .where("surveys.answered_at", ">=", range.from)
      .where("surveys.answered_at", "<", range.to)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("kb_feedback")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("workspace_id", "=", actor.workspaceId)
      .where("created_at", ">=", range.from)
      .where("created_at", "<", range.to)
      .executeTakeFirstOrThrow(),
  ]);
  return Number(tickets.n) + Number(answers.n) + Number(votes.n);
}

/** Ticket types by their average CSAT of the month, lowest first (one rating is enough to list). */
export async function csatSection(ctx: AppContext, actor: ReportActor, range: Range) {
  const ratings = await answered(ctx, actor, "csat", range)
    .select(["surveys.ticket_id", "surveys.score"])
    .where("surveys.ticket_id", "is not", null)
    .execute();
  const types = await ticketsVisibleTo(ctx.database.db, actor)
    .select(["tickets.id", "tickets.type"])
    .where(
      "tickets.id",
      "in",
      answered(ctx, actor, "csat", range)
        .select("surveys.ticket_id")
        .where("surveys.ticket_id", "is not", null),
    )
    .execute();
  const typeOf = new Map(types.map((t) => [t.id, t.type]));
  const byType = new Map<string, { sum: number; count: number }>();
  for (const r of ratings) {
    const type = typeOf.get(r.ticket_id as string);
    if (type === undefined) continue;
    const t = byType.get(type) ?? { sum: 0, count: 0 };
    t.sum += Number(r.score);
    t.count++;
    byType.set(type, t);
  }
  const all = [...byType.entries()]
    .map(([type, t]) => ({ type, exact: t.sum / t.count, count: t.count }))
    .sort((a, b) => a.exact - b.exact || b.count - a.count || a.type.localeCompare(b.type));
  const items = all
    .slice(0, LIST_MAX.types)
    .map((t) => ({ type: t.type, average: round(t.exact), count: t.count }));
  const worst = all[0];
  const action =
    worst && worst.exact < CSAT_REVIEW_BELOW
      ? `Review the '${worst.type}' answers: CSAT ${round(worst.exact).toFixed(1)} from ${worst.count} ${worst.count === 1 ? "rating" : "ratings"}`
      : null;
  return { items, action };
}

/** Articles with the highest "No" share of the month, among those with enough votes. */
export async function kbSection(ctx: AppContext, actor: ReportActor, range: Range, settings: SurveySettings) {
  const db = ctx.database.db;
  const inMonth = () =>
    db
      .selectFrom("kb_feedback")
      .where("workspace_id", "=", actor.workspaceId)
      .where("created_at", ">=", range.from)
      .where("created_at", "<", range.to);
  const [totals, noes] = await Promise.all([
    inMonth()
      .select(["article_id", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("article_id")
      .execute(),
    inMonth()
      .select(["article_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("helpful", "=", false)
      .groupBy("article_id")
      .execute(),
  ]);
  const noOf = new Map(noes.map((r) => [r.article_id, Number(r.n)]));
  const minVotes = Math.max(1, settings.kb_min_votes);
  const rated = totals
    .map((t) => ({ articleId: t.article_id, votes: Number(t.n), noVotes: noOf.get(t.article_id) ?? 0 }))
    .filter((t) => t.votes >= minVotes && t.noVotes > 0)
    .map((t) => ({ ...t, noRate: t.noVotes / t.votes }))
    .sort((a, b) => b.noRate - a.noRate || b.votes - a.votes || a.articleId.localeCompare(b.articleId));
  const ids = rated.map((r) => r.articleId);
  const titles = new Map(
    ids.length
      ? (await articlesVisibleTo(db, actor, { ids }).select(["a.id", "a.title"]).execute()).map((a) => [
          a.id,
          a.title,
        ])
      : [],
  );
  const worst = rated.filter((r) => titles.has(r.articleId)).slice(0, LIST_MAX.kb);
  const comments = worst.length
    ? await inMonth()
        .select(["article_id", "comment", "created_at"])
        .where("helpful", "=", false)
        .where("comment", "is not", null)
        .where(
          "article_id",
          "in",
          worst.map((w) => w.articleId),
        )
        .orderBy("created_at", "desc")
        .execute()
    : [];
  const items = worst.map((w) => ({
    articleId: w.articleId,
    title: titles.get(w.articleId) as string,
    votes: w.votes,
    noVotes: w.noVotes,
    noRate: round(w.noRate, 3),
    comments: comments
      .filter((c) => c.article_id === w.articleId)
      .slice(0, LIST_MAX.comments)
      .map((c) => ({ comment: c.comment as string, createdAt: c.created_at })),
  }));
  const first = items[0];
  const action =
    first && first.noVotes * 100 > settings.kb_no_rate_pct * first.votes
      ? `Rewrite '${first.title}': ${Math.round(first.noRate * 100)}% found it unhelpful`
      : null;
  return { minVotes, items, action };
}

/** NPS answers at or below the detractor line, with who gave them. */
export async function detractorSection(
  ctx: AppContext,
  actor: ReportActor,
  range: Range,
  settings: SurveySettings,
) {
  const db = ctx.database.db;
  const base = () =>
    answered(ctx, actor, "nps", range).where("surveys.score", "<=", settings.nps_detractor_max);
  const [{ n }, rows] = await Promise.all([
    base()
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    base()
      .select([
        "surveys.id",
        "surveys.score",
        "surveys.comment",
        "surveys.answered_at",
        "surveys.contact_id",
        "surveys.company_id",
      ])
      .orderBy("surveys.answered_at", "desc")
      .orderBy("surveys.id")
      .limit(LIST_MAX.detractors)
      .execute(),
  ]);
  const contactIds = [...new Set(rows.map((r) => r.contact_id))];
  const companyIds = [...new Set(rows.map((r) => r.company_id).filter((c): c is string => c !== null))];
  const [contacts, companies] = await Promise.all([
    contactIds.length
      ? contactsVisibleTo(db, actor)
          .select(["contacts.id", "contacts.name"])
          .where("contacts.id", "in", contactIds)
          .execute()
      : [],
    companyIds.length
      ? companiesVisibleTo(db, actor)
          .select(["companies.id", "companies.name"])
          .where("companies.id", "in", companyIds)
          .execute()
      : [],
  ]);
  const contactName = new Map(contacts.map((c) => [c.id, c.name]));
  const companyName = new Map(companies.map((c) => [c.id, c.name]));
  const count = Number(n);
  return {
    count,
    items: rows.map((r) => ({
      surveyId: r.id,
      score: Number(r.score),
      comment: r.comment,
      answeredAt: r.answered_at as string,
      contactId: r.contact_id,
      contactName: contactName.get(r.contact_id) ?? null,
      companyId: r.company_id,
      companyName: r.company_id ? (companyName.get(r.company_id) ?? null) : null,
    })),
    action:
      count === 0 ? null : count === 1 ? "Call back the detractor" : `Call back the ${count} detractors`,
  };
}

/**
 * Declining CES: the month's average is lower than the month before's, and the trend of the last
 * three months (least-squares slope over those with answers, at least two) points down. A dip
 * after a rise (4.0, 6.0, 5.5) is not a decline; (6.0, 5.8, 4.9) is.
 */
export function cesDeclining(months: CesMonthData[]): boolean {
  const last = months.at(-1)?.average;
  const prev = months.at(-2)?.average;
  if (last == null || prev == null || !(last < prev)) return false;
  const points = months
    .slice(-3)
    .map((m, x) => ({ x, y: m.average }))
    .filter((p): p is { x: number; y: number } => p.y !== null);
  if (points.length < 2) return false;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den > 0 && num / den < 0;
}

export async function cesSection(ctx: AppContext, actor: ReportActor, ws: Workspace, month: string) {
  const list = Array.from({ length: CES_MONTHS }, (_, i) => addMonths(month, i - (CES_MONTHS - 1)));
  const months: CesMonthData[] = await Promise.all(
    list.map(async (m) => {
      const r = await answered(ctx, actor, "ces", monthRange(m, ws.time_zone))
        .select((eb) => [eb.fn.avg<number>("surveys.score").as("average"), eb.fn.countAll<number>().as("n")])
        .executeTakeFirstOrThrow();
      const count = Number(r.n);
      return { month: m, average: count ? round(Number(r.average), 2) : null, count };
    }),
  );
  const declining = cesDeclining(months);
  const last = months.at(-1)?.average;
  const prev = months.at(-2)?.average;
  return {
    months,
    declining,
    action:
      declining && last != null && prev != null
        ? `CES fell from ${prev.toFixed(1)} to ${last.toFixed(1)}: look at onboarding steps that need most effort`
        : null,
  };
}

const numbersOf = (s: PeriodSummary): MonthNumbersData => ({
  created: s.created,
  resolved: s.resolved,
  backlog: s.backlog,
  firstResponseMedian: s.firstResponse.median,
  resolutionMedian: s.resolution.median,
  deflectionRate: s.deflection.rate,
  csatAverage: s.csat.average,
  npsScore: s.nps.score,
});

/** "2.5 h", "40 min", "3.2 days". */
export function duration(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 2 * 86_400) return `${round(seconds / 3600)} h`;
  return `${round(seconds / 86_400)} days`;
}

const grew = (cur: number | null, prev: number | null) =>
  cur !== null && prev !== null && prev > 0 && (cur - prev) / prev >= NOTABLE_CHANGE;

/** The rule-based actions of the month's numbers against the month before's. */
export function numberActions(cur: MonthNumbersData, prev: MonthNumbersData): string[] {
  const out: string[] = [];
  if (grew(cur.created, prev.created)) {
    const pct = Math.round(((cur.created - prev.created) / prev.created) * 100);
    out.push(`Tickets rose ${pct}% (${cur.created} against ${prev.created}): look at the types that grew`);
  }
  if (grew(cur.firstResponseMedian, prev.firstResponseMedian)) {
    out.push(
      `First responses took longer (median ${duration(cur.firstResponseMedian as number)} against ${duration(prev.firstResponseMedian as number)}): check cover at the busiest hours`,
    );
  }
  if (grew(cur.resolutionMedian, prev.resolutionMedian)) {
    out.push(
      `Resolutions took longer (median ${duration(cur.resolutionMedian as number)} against ${duration(prev.resolutionMedian as number)}): look at the tickets that waited longest`,
    );
  }
  if (grew(cur.backlog, prev.backlog)) {
    out.push(
      `The backlog grew from ${prev.backlog} to ${cur.backlog}: plan time to clear the oldest tickets`,
    );
  }
  if (
    cur.deflectionRate !== null &&
    prev.deflectionRate !== null &&
    prev.deflectionRate - cur.deflectionRate >= 0.05
  ) {
    out.push(
      `Deflection fell from ${Math.round(prev.deflectionRate * 100)}% to ${Math.round(cur.deflectionRate * 100)}%: check the searches that found nothing`,
    );
  }
  return out;
}

export async function numbersSection(ctx: AppContext, actor: ReportActor, ws: Workspace, month: string) {
  try {
    const [cur, prev] = await Promise.all([
      periodSummary(ctx, actor, monthRange(month, ws.time_zone)),
      periodSummary(ctx, actor, monthRange(addMonths(month, -1), ws.time_zone)),
    ]);
    const current = numbersOf(cur);
    const previous = numbersOf(prev);
    return { current, previous, unavailable: null, actions: numberActions(current, previous) };
  } catch (err) {
    ctx.log.warn(
      { err, month },
      "monthly report: the analytics summary failed; the report goes without its numbers",
    );
    const why = err instanceof Error ? err.message : String(err);
    return {
      current: null,
      previous: null,
      unavailable: `Volumes, response times and deflection could not be read (${why}).`,
      actions: [],
    };
  }
}
