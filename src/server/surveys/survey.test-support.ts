import { parseReference } from "../../shared/tickets.ts";
import type { SurveySettingsTable } from "../db/schema.surveys.ts";
import type { TestEnv } from "../test/harness.ts";
import { SURVEY_DEFAULTS } from "./survey-settings.ts";

// What the survey tests share: a workspace's settings written as they would be saved (without
// the API's checks, so a test may point the Slack webhook at its own local server), and a
// ticket's row by its reference.

export async function setSurveySettings(
  t: TestEnv,
  workspaceId: string,
  patch: Partial<SurveySettingsTable>,
) {
  const row: SurveySettingsTable = {
    ...SURVEY_DEFAULTS,
    ces_ticket_types: "[]",
    report_agent_ids: "[]",
    ...patch,
    workspace_id: workspaceId,
    updated_at: t.ctx.now().toISOString(),
  };
  const { workspace_id: _, ...update } = row;
  await t.ctx.database.db
    .insertInto("survey_settings")
    .values(row)
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet(update))
    .execute();
}

export async function ticketRow(t: TestEnv, workspaceId: string, reference: string) {
  return t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", parseReference(reference) as number)
    .executeTakeFirstOrThrow();
}
