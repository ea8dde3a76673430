import { type Expression, type SqlBool, sql } from "kysely";

// Building blocks of the access functions (`*.access.ts`): what "nothing" and "the workspace"
// look like in a where clause, the same on SQLite and PostgreSQL.

/** The condition of an actor that may see none of an entity: the query still runs, and finds nothing. */
export const nothing = (): Expression<SqlBool> => sql<SqlBool>`1 = 0`;
