import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing, teamOnlyScope } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// An agent's notifications are that agent's alone: another agent, even an admin, never reads or
// marks them. The system (the notifier, retention) reaches its workspace's, or every workspace's.
// Customers, token holders and visitors never see one. Teams and their members are the
// workspace's: every agent of it sees them (an admin changes them, which the service decides).

export function notificationScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "notifications">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb.and([
          eb("notifications.workspace_id", "=", actor.workspaceId),
          eb("notifications.agent_id", "=", actor.agentId),
        ]);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("notifications.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function notificationsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("notifications").where(notificationScope(actor));
}

export function notificationsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("notifications").where(notificationScope(actor));
}

export function notificationsDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("notifications").where(notificationScope(actor));
}

/** A new notification: only the system (the notifier, acting in a workspace) writes them. */
export function insertNotifications(db: Tx, rows: Insertable<DB["notifications"]>[]) {
  return db.insertInto("notifications").values(rows);
}

const teamScope = (actor: Actor) => teamOnlyScope(actor, "teams.workspace_id");

export function teamsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("teams").where(teamScope(actor));
}

export function teamsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("teams").where(teamScope(actor));
}

export function teamsDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("teams").where(teamScope(actor));
}

const memberScope = (actor: Actor) => teamOnlyScope(actor, "team_members.workspace_id");

export function teamMembersVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("team_members").where(memberScope(actor));
}

export function teamMembersDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("team_members").where(memberScope(actor));
}

/**
 * An erasure (lifecycle/contact-erase.ts): the notices of these tickets forget what they said of
 * them (subject, who, an excerpt), keeping only the reference their line links to. `tickets`
 * are the erased tickets with their references; the actor is the erasure's, in its workspace.
 */
export async function eraseTicketNotices(
  db: Tx,
  actor: Actor,
  tickets: { id: string; reference: string }[],
): Promise<number> {
  let n = 0;
  for (const t of tickets) {
    const r = await notificationsWritableBy(db, actor)
      .set({ data: JSON.stringify({ reference: t.reference }) })
      .where("notifications.ticket_id", "=", t.id)
      .executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}

/** How long a read notification is kept: older read ones are deleted by the daily retention job. */
export const READ_NOTIFICATION_KEEP_DAYS = 90;

/**
 * Deletes up to `limit` of the scope's read notifications made before `before` (retention);
 * unread ones stay whatever their age. Answers how many.
 */
export async function pruneReadNotifications(
  db: Tx,
  actor: Actor,
  p: { before: string; limit: number },
): Promise<number> {
  const ids = notificationsVisibleTo(db, actor)
    .select("notifications.id")
    .where("notifications.read_at", "is not", null)
    .where("notifications.created_at", "<", p.before)
    .limit(p.limit);
  const r = await notificationsDeletableBy(db, actor)
    .where("notifications.id", "in", (eb) => eb.selectFrom(ids.as("old")).select("old.id"))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
