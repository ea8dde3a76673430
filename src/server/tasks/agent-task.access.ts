import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// The agents' follow-up tasks (a low CSAT's call, a detractor's follow-up, one an agent adds) are
// read and changed through here only. They are the team's: agents and the system see their
// workspace's; customers, token holders and visitors never see one. Whose list a task is on is
// the service's filter (agent_id), not a wall: a colleague may pick up an absent agent's task.

export function agentTaskScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "agent_tasks">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("agent_tasks.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("agent_tasks.workspace_id", "=", actor.workspaceId);
      case "customer":
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function agentTasksVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("agent_tasks").where(agentTaskScope(actor));
}

export function agentTasksWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("agent_tasks").where(agentTaskScope(actor));
}
