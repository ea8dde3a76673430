import type { AppContext } from "../context.ts";
import type { SurveySettingsTable } from "../db/schema.surveys.ts";
import type { Tx } from "../db/schema.ts";

// A workspace's survey settings: its row, or these defaults until an admin saves one. The
// workspace id comes from an actor already resolved (agent, system or portal), so this is a
// read of configuration, not of anyone's data.

export type SurveySettings = Omit<SurveySettingsTable, "ces_ticket_types" | "report_agent_ids"> & {
  ces_ticket_types: string[];
  report_agent_ids: string[];
};

export const SURVEY_DEFAULTS: Omit<SurveySettings, "workspace_id" | "updated_at"> = {
  csat_enabled: true,
  csat_delivery: "resolution_email",
  csat_delay_minutes: 60,
  nps_enabled: true,
  nps_first_days: 30,
  nps_every_days: 90,
  ces_enabled: true,
  ces_after_plan: true,
  ces_ticket_types: [],
  still_fixed_days: 3,
  quiet_days: 7,
  csat_follow_up_max: 2,
  nps_detractor_max: 6,
  cs_lead_agent_id: null,
  slack_webhook_url: null,
  kb_no_rate_pct: 30,
  kb_no_days: 7,
  kb_min_votes: 5,
  report_agent_ids: [],
};

const list = (json: string): string[] => {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
};

export async function surveySettingsOf(
  ctx: AppContext,
  workspaceId: string,
  tx?: Tx,
): Promise<SurveySettings> {
  const row = await (tx ?? ctx.database.db)
    .selectFrom("survey_settings")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  if (!row) return { ...SURVEY_DEFAULTS, workspace_id: workspaceId, updated_at: "" };
  return {
    ...row,
    csat_enabled: Boolean(row.csat_enabled),
    nps_enabled: Boolean(row.nps_enabled),
    ces_enabled: Boolean(row.ces_enabled),
    ces_after_plan: Boolean(row.ces_after_plan),
    ces_ticket_types: list(row.ces_ticket_types),
    report_agent_ids: list(row.report_agent_ids),
  };
}
