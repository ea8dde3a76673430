import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { Tx } from "../db/schema.ts";
import { absoluteUrl, enqueueEmail, type Recipient } from "../email/outbox.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import type { JobHandler } from "../jobs/job-kinds.ts";
import { addMonths, isMonth, localMonth, monthRange } from "../lib/local-dates.ts";
import { monthlyReportsVisibleTo } from "../surveys/survey.access.ts";
import { type SurveySettings, surveySettingsOf } from "../surveys/survey-settings.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import type { MonthlyReportData } from "./monthly-report.schemas.ts";
import {
  activityOf,
  cesSection,
  csatSection,
  detractorSection,
  kbSection,
  numbersSection,
  type ReportActor,
} from "./report-sections.ts";

// The monthly improvement report (job kind monthly_report, on the 1st of each month for the month
// before, in the workspace's time zone): what the month's surveys, article feedback and numbers
// say, each section with a proposed action. Stored once per workspace and month (a second run
// does nothing) and emailed to the leads (survey settings report_agent_ids, else the admins). A
// month in which nothing happened (no tickets, no answers, no votes) is stored, empty, and not
// emailed. Volumes, response times and deflection come from analytics (periodSummary) for the
// month and the month before.

const _round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The report of `month` for the actor's workspace: the stored one, or built, stored and emailed now. */
export async function buildMonthlyReport(
  ctx: AppContext,
  actor: ReportActor,
  month: string,
): Promise<{ report: MonthlyReportData; created: boolean }> {
  if (!isMonth(month)) throw validationFailed({ month: "must be a month as YYYY-MM" });
  const stored = await storedReport(ctx, actor, month);
  if (stored) return { report: stored, created: false };
  const ws = await workspaceOf(ctx, actor.workspaceId);
  const settings = await surveySettingsOf(ctx, ws.id);
  const report = await computeReport(ctx, actor, ws, settings, month);
  const created = await ctx.database.db.transaction().execute(async (tx) => {
    const r = await tx
      .insertInto("monthly_reports")
      .values({
        id: newId(),
        workspace_id: ws.id,
        month,
        data: JSON.stringify(report),
        created_at: ctx.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(["workspace_id", "month"]).doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    if (!report.empty) await emailLeads(ctx, tx, ws, settings, report);
    return true;
  });
  if (!created) {
    // Another run stored it first: that one is the report.
    return { report: (await storedReport(ctx, actor, month)) ?? report, created: false };
  }
  return { report, created };
}

export const monthlyReportJob: JobHandler = {
  async run(ctx, job) {
    const month = job.payload.month;
    if (!job.workspace_id) throw new Error("monthly_report: the job has no workspace");
    if (typeof month !== "string" || !isMonth(month)) {
      throw new Error(`monthly_report: payload.month must be YYYY-MM, got ${JSON.stringify(month)}`);
    }
    const { created } = await buildMonthlyReport(
      ctx,
      systemActorIn("monthly report", job.workspace_id),
      month,
    );
    return created ? "done" : "skipped";
  },
};

/** The month before the current one on the workspace's clock: what "last month's report" is. */
export async function previousMonth(ctx: AppContext, workspaceId: string): Promise<string> {
  const ws = await workspaceOf(ctx, workspaceId);
  return addMonths(localMonth(ctx.now(), ws.time_zone), -1);
}

/** The stored reports, newest month first. */
export async function listMonthlyReports(ctx: AppContext, actor: ReportActor) {
  const rows = await monthlyReportsVisibleTo(ctx.database.db, actor)
    .select(["monthly_reports.month", "monthly_reports.created_at"])
    .orderBy("monthly_reports.month", "desc")
    .limit(240)
    .execute();
  return rows.map((r) => ({ month: r.month, createdAt: r.created_at }));
}

/** One stored report; 404 when there is none for that month. */
export async function getMonthlyReport(ctx: AppContext, actor: ReportActor, month: string) {
  const report = isMonth(month) ? await storedReport(ctx, actor, month) : undefined;
  if (!report) throw notFound("No report for that month");
  return report;
}

async function storedReport(ctx: AppContext, actor: ReportActor, month: string) {
  const row = await monthlyReportsVisibleTo(ctx.database.db, actor)
    .select("monthly_reports.data")
    .where("monthly_reports.month", "=", month)
    .executeTakeFirst();
  return row ? (JSON.parse(row.data) as MonthlyReportData) : undefined;
}

async function workspaceOf(ctx: AppContext, workspaceId: string): Promise<Workspace> {
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  if (!ws) throw notFound("No such workspace");
  return ws;
}

async function computeReport(
  ctx: AppContext,
  actor: ReportActor,
  ws: Workspace,
  settings: SurveySettings,
  month: string,
): Promise<MonthlyReportData> {
  const range = monthRange(month, ws.time_zone);
  const [csatByType, kbArticles, detractors, ces, numbers, activity] = await Promise.all([
    csatSection(ctx, actor, range),
    kbSection(ctx, actor, range, settings),
    detractorSection(ctx, actor, range, settings),
    cesSection(ctx, actor, ws, month),
    numbersSection(ctx, actor, ws, month),
    activityOf(ctx, actor, range),
  ]);
  return {
    month,
    timeZone: ws.time_zone,
    from: range.from,
    to: range.to,
    generatedAt: ctx.now().toISOString(),
    empty: activity === 0,
    csatByType,
    kbArticles,
    detractors,
    ces,
    numbers,
  };
}

/** Every proposed action of a report, in the order of its sections. */
export function actionsOf(r: MonthlyReportData): string[] {
  return [
    r.csatByType.action,
    r.kbArticles.action,
    r.detractors.action,
    r.ces.action,
    ...r.numbers.actions,
  ].filter((a): a is string => Boolean(a));
}

/** "November 2026". */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, 15)),
  );
}

/** The leads: the chosen agents still active, else the active admins. */
async function leadsOf(tx: Tx, ws: Workspace, settings: SurveySettings): Promise<Recipient[]> {
  const base = () =>
    tx
      .selectFrom("agents")
      .select(["email", "name"])
      .where("workspace_id", "=", ws.id)
      .where("active", "=", true);
  const chosen = settings.report_agent_ids.length
    ? await base().where("id", "in", settings.report_agent_ids).orderBy("email").execute()
    : [];
  const rows = chosen.length ? chosen : await base().where("role", "=", "admin").orderBy("email").execute();
  return rows.map((r) => ({ address: r.email, name: r.name }));
}

async function emailLeads(
  ctx: AppContext,
  tx: Tx,
  ws: Workspace,
  settings: SurveySettings,
  r: MonthlyReportData,
) {
  await enqueueEmail(ctx, tx, {
    kind: "monthly_report",
    params: {
      brand: brandingOf(ws),
      monthLabel: monthLabel(r.month),
      actions: actionsOf(r),
      url: absoluteUrl(ctx, `/app/insights/reports/${r.month}`),
    },
    ws,
    audience: "agent",
    to: await leadsOf(tx, ws, settings),
    autoSubmitted: true,
  });
}
