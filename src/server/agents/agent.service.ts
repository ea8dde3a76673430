import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from "../auth/passwords.ts";
import { normalizeEmail } from "../contacts/email.ts";
import { type AgentActor, type AppContext, nowIso, type SystemActor } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { AgentTable, Tx } from "../db/schema.ts";
import { conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";

export type AgentRole = "admin" | "agent";

export interface AgentView {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  active: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export const agentView = (
  a: Pick<AgentTable, "id" | "email" | "name" | "role" | "active" | "last_login_at" | "created_at">,
): AgentView => ({
  id: a.id,
  email: a.email,
  name: a.name,
  role: a.role,
  active: Boolean(a.active),
  lastLoginAt: a.last_login_at,
  createdAt: a.created_at,
});

/** The only way agent rows are read: always within the caller's workspace. */
export function agentsVisibleTo(ctx: AppContext, actor: AgentActor) {
  return ctx.database.db.selectFrom("agents").where("agents.workspace_id", "=", actor.workspaceId);
}

export function checkPassword(password: string): string | null {
  if ([...password].length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if ([...password].length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  return null;
}

export interface NewAgent {
  email: string;
  name: string;
  role: AgentRole;
  password: string;
}

/** The field errors of a new agent, or null; nothing is written. */
export function checkNewAgent(input: NewAgent): Record<string, string> | null {
  const fields: Record<string, string> = {};
  const pwError = checkPassword(input.password);
  if (pwError) fields.password = pwError;
  if (!input.name.trim()) fields.name = "is required";
  if (!normalizeEmail(input.email)) fields.email = "must be a valid email address";
  return Object.keys(fields).length ? fields : null;
}

/** Inserts a checked agent inside the caller's transaction. */
export async function insertAgent(
  ctx: AppContext,
  tx: Tx,
  workspaceId: string,
  input: NewAgent,
): Promise<AgentView> {
  const fields = checkNewAgent(input);
  if (fields) throw validationFailed(fields);
  const now = nowIso(ctx);
  const row: AgentTable = {
    id: newId(),
    workspace_id: workspaceId,
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email) as string,
    name: input.name.trim(),
    role: input.role,
    password_hash: await hashPassword(input.password, ctx.config.passwordHashCost),
    active: true,
    last_login_at: null,
    created_at: now,
    updated_at: now,
  };
  try {
    await tx.insertInto("agents").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw conflict("agent_exists", "An agent with that email is already in this workspace.", {
        email: "is already an agent here",
      });
    }
    throw err;
  }
  return agentView(row);
}

/** Admins add agents to their workspace; the CLI (system) adds them to the workspace it names. */
export async function addAgent(
  ctx: AppContext,
  actor: AgentActor | (SystemActor & { workspaceId: string }),
  input: NewAgent,
): Promise<AgentView> {
  if (actor.kind === "agent" && actor.role !== "admin") throw forbidden("Only admins add agents.");
  return insertAgent(ctx, ctx.database.db, actor.workspaceId, input);
}

export async function listAgents(ctx: AppContext, actor: AgentActor): Promise<AgentView[]> {
  const rows = await agentsVisibleTo(ctx, actor).selectAll().orderBy("name").orderBy("id").execute();
  return rows.map(agentView);
}

export async function setAgentActive(
  ctx: AppContext,
  actor: AgentActor,
  agentId: string,
  active: boolean,
): Promise<AgentView> {
  if (actor.role !== "admin") throw forbidden("Only admins change agents.");
  if (agentId === actor.agentId && !active) {
    throw conflict("cannot_deactivate_self", "You cannot deactivate yourself.");
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable("agents")
      .set({ active, updated_at: nowIso(ctx) })
      .where("workspace_id", "=", actor.workspaceId)
      .where("id", "=", agentId)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw notFound("No such agent.");
    // A deactivated agent is signed out everywhere at once.
    if (!active) await tx.deleteFrom("agent_sessions").where("agent_id", "=", agentId).execute();
    return agentView(updated);
  });
}
