import type { AgentActor } from "../actors.ts";
import type { Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// The outbox is read through here only: admins, within their own workspace.

export function outboxVisibleTo(db: Tx, actor: AgentActor) {
  if (actor.role !== "admin") throw forbidden("Only admins see the outbox.");
  return db.selectFrom("outbox_emails").where("outbox_emails.workspace_id", "=", actor.workspaceId);
}
