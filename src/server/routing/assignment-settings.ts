import { TICKET_TYPES, type TicketType } from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { WorkspaceTable } from "../db/schema.ts";
import { forbidden, validationFailed } from "../errors.ts";
import { teamsVisibleTo } from "../notifications/notification.access.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { updateWorkspaceAudited } from "../workspaces/workspace.service.ts";

// Settings → Assignment: how new tickets find an agent (by hand, round robin, fewest open
// tickets) and which team a ticket type belongs to. Admins change it; every change is audited.

export const ASSIGNMENT_MODES = ["manual", "round_robin", "least_open"] as const;
export type AssignmentMode = (typeof ASSIGNMENT_MODES)[number];
export const MODE_LABELS: Record<AssignmentMode, string> = {
  manual: "Manual: agents assign tickets themselves",
  round_robin: "Round robin: each available agent in turn",
  least_open: "Least open: the available agent with the fewest open tickets",
};

export interface AssignmentSettings {
  mode: AssignmentMode;
  /** Ticket type → team id. */
  teamsByType: Record<string, string>;
}

const isMode = (s: string): s is AssignmentMode => (ASSIGNMENT_MODES as readonly string[]).includes(s);

/** The stored settings, read leniently: an unknown mode is manual, a malformed map is empty. */
export function assignmentSettingsOf(ws: Pick<WorkspaceTable, "assignment_mode" | "assignment_teams">) {
  let teams: Record<string, string> = {};
  try {
    const v = JSON.parse(ws.assignment_teams) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, id] of Object.entries(v)) {
        if ((TICKET_TYPES as readonly string[]).includes(k) && typeof id === "string") teams[k] = id;
      }
    }
  } catch {
    teams = {};
  }
  return {
    mode: isMode(ws.assignment_mode) ? ws.assignment_mode : "manual",
    teamsByType: teams,
  } as AssignmentSettings;
}

export interface AssignmentPatch {
  mode?: AssignmentMode | undefined;
  /** Type → team id, or null to take the type out of every team. */
  teamsByType?: Partial<Record<TicketType, string | null>> | undefined;
}

/** Admins only. A team must be one of the workspace's. */
export async function updateAssignmentSettings(
  ctx: AppContext,
  actor: AgentActor,
  ws: Workspace,
  patch: AssignmentPatch,
): Promise<AssignmentSettings> {
  if (actor.role !== "admin") throw forbidden("Only admins change how tickets are assigned.");
  const now = assignmentSettingsOf(ws);
  const teams = { ...now.teamsByType };
  for (const [type, id] of Object.entries(patch.teamsByType ?? {})) {
    if (!(TICKET_TYPES as readonly string[]).includes(type)) {
      throw validationFailed({ teamsByType: `has an unknown ticket type: ${type}` });
    }
    if (id === null || id === undefined || id === "") delete teams[type];
    else teams[type] = id;
  }
  const mode = patch.mode ?? now.mode;
  const updated = await updateWorkspaceAudited(
    ctx,
    actor,
    { assignment_mode: mode, assignment_teams: JSON.stringify(teams) },
    () => ({
      action: "settings.assignment",
      summary: `Assignment: ${mode}${Object.keys(teams).length ? `, ${Object.keys(teams).length} type(s) by team` : ""}`,
      details: { mode, teamsByType: teams },
    }),
    async (tx) => {
      const ids = [...new Set(Object.values(teams))];
      if (ids.length === 0) return;
      const found = await teamsVisibleTo(tx, actor).select("teams.id").where("teams.id", "in", ids).execute();
      if (found.length !== ids.length)
        throw validationFailed({ teamsByType: "names a team that does not exist" });
    },
  );
  return assignmentSettingsOf(updated);
}
