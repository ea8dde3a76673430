import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { DB, Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// A workspace's old addresses (workspace_redirects: previous slugs and verified domains) are read
// and written through here only. An address is the whole server's, not one workspace's: an admin
// who takes a name (a new slug, a newly verified domain) takes it from whichever workspace's old
// address it was, so an admin's writes match the name, not the workspace. Agents read their own
// workspace's rows; the host table (host-routing.ts) reads every row as the system.

export type RedirectKind = "slug" | "domain";

export interface RedirectRow {
  kind: RedirectKind;
  value: string;
  workspace_id: string;
}

export function redirectScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "workspace_redirects">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("workspace_redirects.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "visitor":
      case "token_holder":
        return eb.lit(false);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("workspace_redirects.workspace_id", "=", actor.workspaceId);
      default:
        return unknownActor(actor);
    }
  };
}

/** Only a workspace's admin changes which names lead to it. */
function writerWorkspace(actor: Actor): string {
  switch (actor.kind) {
    case "agent":
      if (actor.role !== "admin") throw forbidden("Only admins change the portal's address.");
      return actor.workspaceId;
    case "customer":
    case "visitor":
    case "token_holder":
    case "system":
      throw forbidden("Only admins change the portal's address.");
    default:
      return unknownActor(actor);
  }
}

/** Which workspace an old address leads to now, whichever it is (admins, to refuse taking it). */
export async function redirectOwner(
  tx: Tx,
  actor: Actor,
  kind: RedirectKind,
  value: string,
): Promise<string | undefined> {
  writerWorkspace(actor);
  const row = await tx
    .selectFrom("workspace_redirects")
    .select("workspace_id")
    .where("kind", "=", kind)
    .where("value", "=", value)
    .executeTakeFirst();
  return row?.workspace_id;
}

/** Forgets an old address, whichever workspace's it was: the admin's workspace now answers to it. */
export async function dropRedirect(tx: Tx, actor: Actor, kind: RedirectKind, value: string): Promise<void> {
  writerWorkspace(actor);
  await tx.deleteFrom("workspace_redirects").where("kind", "=", kind).where("value", "=", value).execute();
}

/** Keeps an old address leading to the admin's workspace (the row moves to it if it was another's). */
export async function keepRedirect(
  ctx: AppContext,
  tx: Tx,
  actor: Actor,
  kind: RedirectKind,
  value: string,
): Promise<void> {
  const workspaceId = writerWorkspace(actor);
  await dropRedirect(tx, actor, kind, value);
  await tx
    .insertInto("workspace_redirects")
    .values({ kind, value, workspace_id: workspaceId, created_at: nowIso(ctx) })
    .execute();
}

/** The old addresses the actor may see: every workspace's for the host table. */
export function redirectsVisibleTo(ctx: AppContext, actor: Actor): Promise<RedirectRow[]> {
  return ctx.database.db
    .selectFrom("workspace_redirects")
    .select(["kind", "value", "workspace_id"])
    .where(redirectScope(actor))
    .execute();
}
