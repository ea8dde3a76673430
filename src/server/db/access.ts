import { type Expression, type SqlBool, sql } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";

// Building blocks of the access functions (`*.access.ts`): what "nothing" and "the workspace"
// look like in a where clause, the same on SQLite and PostgreSQL.

/** The condition of an actor that may see none of an entity: the query still runs, and finds nothing. */
export const nothing = (): Expression<SqlBool> => sql<SqlBool>`1 = 0`;

/**
 * The scope of a table only the team reads (teams and their members, SLA policies, holidays): an
 * agent, and the system acting in a workspace, that workspace's rows; the server's system actor
 * every row; customers, token holders and visitors none. `workspaceColumn` names the table's
 * workspace column ("teams.workspace_id").
 */
export function teamOnlyScope(actor: Actor, workspaceColumn: string): Expression<SqlBool> {
  switch (actor.kind) {
    case "agent":
      return sql<SqlBool>`${sql.ref(workspaceColumn)} = ${actor.workspaceId}`;
    case "system":
      return actor.workspaceId === undefined
        ? sql<SqlBool>`1 = 1`
        : sql<SqlBool>`${sql.ref(workspaceColumn)} = ${actor.workspaceId}`;
    case "customer":
    case "token_holder":
    case "visitor":
      return nothing();
    default:
      return unknownActor(actor);
  }
}
