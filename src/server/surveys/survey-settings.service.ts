import { TICKET_TYPES } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import { changedKeys, recordAudit } from "../audit/audit.ts";
import type { AppContext } from "../context.ts";
import type { SurveySettingsTable } from "../db/schema.surveys.ts";
import { type FieldErrors, forbidden, validationFailed } from "../errors.ts";
import { isTimeZone } from "../i18n/time-zones.ts";
import { type BusinessHours, parseBusinessHours } from "../lib/business-hours.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { SLACK_WEBHOOK_MASK, slackWebhookUrlProblem } from "./slack-webhook-url.ts";
import { type SurveySettings, surveySettingsOf } from "./survey-settings.ts";

// The survey settings as agents read them and admins change them: what is asked and when, the
// thresholds of the follow-ups and who hears of them, and the workspace's clock (time zone and
// business hours, which due dates and reports are counted in). A change is one upsert of the
// survey_settings row (and the workspace's clock) in one transaction.

export interface SurveySettingsView {
  csatEnabled: boolean;
  csatDelivery: "resolution_email" | "separate_email";
  csatDelayMinutes: number;
  npsEnabled: boolean;
  npsFirstDays: number;
  npsEveryDays: number;
  cesEnabled: boolean;
  cesAfterPlan: boolean;
  cesTicketTypes: string[];
  stillFixedDays: number;
  quietDays: number;
  csatFollowUpMax: number;
  npsDetractorMax: number;
  csLeadAgentId: string | null;
  /**
   * The webhook is a secret: admins read only its masked form (SLACK_WEBHOOK_MASK), other agents
   * null. In a change: a URL replaces it, null (or "") clears it, the mask or leaving it out keeps it.
   */
  slackWebhookUrl: string | null;
  /** Whether a Slack webhook is set (read only). */
  slackWebhookSet: boolean;
  kbNoRatePct: number;
  kbNoDays: number;
  kbMinVotes: number;
  reportAgentIds: string[];
  timeZone: string;
  businessHours: BusinessHours;
}

export type SurveySettingsPatch = Partial<Omit<SurveySettingsView, "slackWebhookSet">>;

/** Each field of the view and its column. */
const COLUMNS = {
  csatEnabled: "csat_enabled",
  csatDelivery: "csat_delivery",
  csatDelayMinutes: "csat_delay_minutes",
  npsEnabled: "nps_enabled",
  npsFirstDays: "nps_first_days",
  npsEveryDays: "nps_every_days",
  cesEnabled: "ces_enabled",
  cesAfterPlan: "ces_after_plan",
  cesTicketTypes: "ces_ticket_types",
  stillFixedDays: "still_fixed_days",
  quietDays: "quiet_days",
  csatFollowUpMax: "csat_follow_up_max",
  npsDetractorMax: "nps_detractor_max",
  csLeadAgentId: "cs_lead_agent_id",
  slackWebhookUrl: "slack_webhook_url",
  kbNoRatePct: "kb_no_rate_pct",
  kbNoDays: "kb_no_days",
  kbMinVotes: "kb_min_votes",
  reportAgentIds: "report_agent_ids",
} as const satisfies Record<string, keyof SurveySettings>;

type SettingField = keyof typeof COLUMNS;

export function viewOf(s: SurveySettings, clock: { time_zone: string; business_hours: string }) {
  const v = {} as Record<string, unknown>;
  for (const [field, column] of Object.entries(COLUMNS)) v[field] = s[column];
  return {
    ...(v as Omit<SurveySettingsView, "timeZone" | "businessHours" | "slackWebhookSet">),
    slackWebhookSet: !!s.slack_webhook_url,
    timeZone: clock.time_zone,
    businessHours: parseBusinessHours(clock.business_hours),
  } as SurveySettingsView;
}

/** The settings as stored, the webhook's address in clear: for the change below only. */
async function storedView(ctx: AppContext, actor: AgentActor): Promise<SurveySettingsView> {
  const ws = await getWorkspace(ctx, actor);
  return viewOf(await surveySettingsOf(ctx, actor.workspaceId), ws);
}

/** The settings as `actor` may read them: the Slack webhook masked for admins, hidden from others. */
export async function getSurveySettings(ctx: AppContext, actor: AgentActor): Promise<SurveySettingsView> {
  const v = await storedView(ctx, actor);
  const shown = v.slackWebhookSet && actor.role === "admin" ? SLACK_WEBHOOK_MASK : null;
  return { ...v, slackWebhookUrl: shown };
}

/** Agents of the workspace among `ids` who are not active (or not of it). */
async function notActiveAgents(ctx: AppContext, workspaceId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await ctx.database.db
    .selectFrom("agents")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("active", "=", true)
    .where("id", "in", ids)
    .execute();
  const ok = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !ok.has(id));
}

/** What the schema cannot say: agents of this workspace, a Slack webhook, a known zone… */
async function problems(
  ctx: AppContext,
  actor: AgentActor,
  next: SurveySettingsView,
  patch: SurveySettingsPatch,
) {
  const errors: FieldErrors = {};
  if (patch.csLeadAgentId && (await notActiveAgents(ctx, actor.workspaceId, [patch.csLeadAgentId])).length) {
    errors.csLeadAgentId = "is not an active agent of this workspace";
  }
  if (patch.reportAgentIds) {
    const bad = await notActiveAgents(ctx, actor.workspaceId, patch.reportAgentIds);
    if (bad.length) errors.reportAgentIds = "must be active agents of this workspace";
  }
  if (patch.slackWebhookUrl) {
    const p = slackWebhookUrlProblem(patch.slackWebhookUrl);
    if (p) errors.slackWebhookUrl = p;
  }
  if (patch.cesTicketTypes) {
    const known = new Set<string>(TICKET_TYPES);
    if (patch.cesTicketTypes.some((t) => !known.has(t))) {
      errors.cesTicketTypes = `must be among ${TICKET_TYPES.join(", ")}`;
    }
  }
  if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) {
    errors.timeZone = "must be an IANA time zone, e.g. Europe/Berlin";
  }
  if (patch.businessHours) {
    const h = patch.businessHours;
    if (!h.days.length) errors["businessHours.days"] = "must have at least one day";
    if (!(h.open < h.close)) errors["businessHours.close"] = "must be after the opening time";
  }
  if (next.npsEveryDays < 1) errors.npsEveryDays = "must be at least 1";
  return errors;
}

/** Admins only. Fields left out stay as they are. */
export async function updateSurveySettings(
  ctx: AppContext,
  actor: AgentActor,
  input: SurveySettingsPatch,
): Promise<SurveySettingsView> {
  if (actor.role !== "admin") throw forbidden("Only admins change the survey settings.");
  const current = await storedView(ctx, actor);
  // The masked address sent back as it was read keeps the stored one.
  const { slackWebhookUrl: hook, ...rest } = input;
  const patch: SurveySettingsPatch = hook === SLACK_WEBHOOK_MASK ? rest : input;
  const next: SurveySettingsView = { ...current, ...patch };
  const errors = await problems(ctx, actor, next, patch);
  if (Object.keys(errors).length) throw validationFailed(errors);
  const now = ctx.now().toISOString();
  const row: SurveySettingsTable = {
    workspace_id: actor.workspaceId,
    csat_enabled: next.csatEnabled,
    csat_delivery: next.csatDelivery,
    csat_delay_minutes: next.csatDelayMinutes,
    nps_enabled: next.npsEnabled,
    nps_first_days: next.npsFirstDays,
    nps_every_days: next.npsEveryDays,
    ces_enabled: next.cesEnabled,
    ces_after_plan: next.cesAfterPlan,
    ces_ticket_types: JSON.stringify([...new Set(next.cesTicketTypes)]),
    still_fixed_days: next.stillFixedDays,
    quiet_days: next.quietDays,
    csat_follow_up_max: next.csatFollowUpMax,
    nps_detractor_max: next.npsDetractorMax,
    cs_lead_agent_id: next.csLeadAgentId,
    slack_webhook_url: next.slackWebhookUrl || null,
    kb_no_rate_pct: next.kbNoRatePct,
    kb_no_days: next.kbNoDays,
    kb_min_votes: next.kbMinVotes,
    report_agent_ids: JSON.stringify([...new Set(next.reportAgentIds)]),
    updated_at: now,
  };
  const { workspace_id: _, ...update } = row;
  const changed = changedKeys(
    current,
    next,
    (Object.keys(next) as (keyof SurveySettingsView)[]).filter((k) => k !== "slackWebhookSet"),
  );
  await ctx.database.db.transaction().execute(async (tx) => {
    await recordAudit(ctx, tx, actor, {
      action: "settings.surveys",
      summary: changed.length
        ? `Survey settings changed: ${changed.join(", ")}`
        : "Survey settings saved unchanged",
      // The webhook is a secret: named when changed, its address never written here.
      details: Object.fromEntries(changed.map((k) => [k, k === "slackWebhookUrl" ? "(changed)" : next[k]])),
    });
    await tx
      .insertInto("survey_settings")
      .values(row)
      .onConflict((oc) => oc.column("workspace_id").doUpdateSet(update))
      .execute();
    if (patch.timeZone !== undefined || patch.businessHours !== undefined) {
      const h = next.businessHours;
      await tx
        .updateTable("workspaces")
        .set({
          time_zone: next.timeZone,
          business_hours: JSON.stringify({ days: [...new Set(h.days)].sort(), open: h.open, close: h.close }),
          updated_at: now,
        })
        .where("id", "=", actor.workspaceId)
        .execute();
    }
  });
  return getSurveySettings(ctx, actor);
}

export const SETTING_FIELDS = Object.keys(COLUMNS) as SettingField[];
