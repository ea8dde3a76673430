import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { Tx } from "../db/schema.ts";
import { conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import {
  teamMembersDeletableBy,
  teamMembersVisibleTo,
  teamsDeletableBy,
  teamsVisibleTo,
  teamsWritableBy,
} from "../notifications/notification.access.ts";
import { assignmentSettingsOf } from "./assignment-settings.ts";

// Teams of agents: every agent of the workspace sees them; admins create, rename and delete them
// and choose their members (audited). A deleted team's tickets keep no team (the foreign key), and
// the assignment settings forget it.

export const TEAM_NAME_MAX = 80;

export interface TeamView {
  id: string;
  name: string;
  memberIds: string[];
}

export async function listTeams(
  ctx: AppContext,
  actor: AgentActor,
  db: Tx = ctx.database.db,
): Promise<TeamView[]> {
  const teams = await teamsVisibleTo(db, actor)
    .select(["teams.id", "teams.name"])
    .orderBy("teams.name")
    .execute();
  const members = await teamMembersVisibleTo(db, actor).select(["team_id", "agent_id"]).execute();
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    memberIds: members.filter((m) => m.team_id === t.id).map((m) => m.agent_id),
  }));
}

/** The teams the agent belongs to (the queue's "My teams"). */
export async function teamIdsOf(ctx: AppContext, actor: AgentActor): Promise<string[]> {
  const rows = await teamMembersVisibleTo(ctx.database.db, actor)
    .select("team_id")
    .where("agent_id", "=", actor.agentId)
    .execute();
  return rows.map((r) => r.team_id);
}

function checkName(name: string | undefined): string {
  const n = (name ?? "").trim();
  if (!n) throw validationFailed({ name: "is required" });
  if ([...n].length > TEAM_NAME_MAX)
    throw validationFailed({ name: `must be at most ${TEAM_NAME_MAX} characters` });
  return n;
}

async function setMembers(tx: Tx, actor: AgentActor, teamId: string, ids: string[]) {
  const unique = [...new Set(ids)];
  if (unique.length > 0) {
    const found = await tx
      .selectFrom("agents")
      .select("id")
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "in", unique)
      .execute();
    if (found.length !== unique.length)
      throw validationFailed({ memberIds: "names an agent not in this workspace" });
  }
  await teamMembersDeletableBy(tx, actor).where("team_id", "=", teamId).execute();
  if (unique.length > 0) {
    await tx
      .insertInto("team_members")
      .values(unique.map((agent_id) => ({ team_id: teamId, agent_id, workspace_id: actor.workspaceId })))
      .execute();
  }
}

const adminOnly = (actor: AgentActor) => {
  if (actor.role !== "admin") throw forbidden("Only admins change teams.");
};

const nameTaken = () => conflict("team_name_taken", "A team of that name exists.", { name: "is taken" });

export async function createTeam(
  ctx: AppContext,
  actor: AgentActor,
  input: { name: string; memberIds?: string[] | undefined },
): Promise<TeamView> {
  adminOnly(actor);
  const name = checkName(input.name);
  const id = newId();
  try {
    await ctx.database.db.transaction().execute(async (tx) => {
      const now = nowIso(ctx);
      await tx
        .insertInto("teams")
        .values({ id, workspace_id: actor.workspaceId, name, created_at: now, updated_at: now })
        .execute();
      await setMembers(tx, actor, id, input.memberIds ?? []);
      await recordAudit(ctx, tx, actor, {
        action: "team.created",
        target: { type: "team", id },
        summary: `Team ${name} created`,
        details: { name, memberIds: input.memberIds ?? [] },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
  return getTeam(ctx, actor, id);
}

export async function getTeam(ctx: AppContext, actor: AgentActor, id: string): Promise<TeamView> {
  const team = (await listTeams(ctx, actor)).find((t) => t.id === id);
  if (!team) throw notFound("No such team.");
  return team;
}

export async function updateTeam(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: { name?: string | undefined; memberIds?: string[] | undefined },
): Promise<TeamView> {
  adminOnly(actor);
  const name = patch.name === undefined ? undefined : checkName(patch.name);
  try {
    await ctx.database.db.transaction().execute(async (tx) => {
      const row = await teamsWritableBy(tx, actor)
        .set({ ...(name ? { name } : {}), updated_at: nowIso(ctx) })
        .where("teams.id", "=", id)
        .returning(["teams.name"])
        .executeTakeFirst();
      if (!row) throw notFound("No such team.");
      if (patch.memberIds) await setMembers(tx, actor, id, patch.memberIds);
      await recordAudit(ctx, tx, actor, {
        action: "team.changed",
        target: { type: "team", id },
        summary: `Team ${row.name} changed`,
        details: { name, memberIds: patch.memberIds },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
  return getTeam(ctx, actor, id);
}

export async function deleteTeam(ctx: AppContext, actor: AgentActor, id: string): Promise<void> {
  adminOnly(actor);
  await ctx.database.db.transaction().execute(async (tx) => {
    const ws = await tx
      .selectFrom("workspaces")
      .select(["assignment_mode", "assignment_teams"])
      .where("id", "=", actor.workspaceId)
      .executeTakeFirstOrThrow();
    const row = await teamsDeletableBy(tx, actor)
      .where("teams.id", "=", id)
      .returning("teams.name")
      .executeTakeFirst();
    if (!row) throw notFound("No such team.");
    const { teamsByType } = assignmentSettingsOf(ws);
    const kept = Object.fromEntries(Object.entries(teamsByType).filter(([, t]) => t !== id));
    await tx
      .updateTable("workspaces")
      .set({ assignment_teams: JSON.stringify(kept) })
      .where("id", "=", actor.workspaceId)
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "team.deleted",
      target: { type: "team", id },
      summary: `Team ${row.name} deleted`,
    });
  });
}
