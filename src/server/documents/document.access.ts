import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import { nothing } from "../db/access.ts";
import type { DB, Tx } from "../db/schema.ts";

// Each company's documents and their versions are read and changed through here only. Agents and
// the system see their workspace's. A signed-in customer sees their own company's: its own
// uploads and the team's published deliverables, never a draft and never a deleted document.
// Tokens and visitors see none: a document is downloaded only in a signed-in session.

export function documentScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "documents">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("documents.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("documents.workspace_id", "=", actor.workspaceId);
      case "customer":
        return actor.companyId === null
          ? nothing()
          : eb.and([
              eb("documents.workspace_id", "=", actor.workspaceId),
              eb("documents.company_id", "=", actor.companyId),
              eb("documents.status", "=", "published"),
              eb("documents.deleted_at", "is", null),
            ]);
      case "token_holder":
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

export function documentsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("documents").where(documentScope(actor));
}

/** Changing a document (publish, rename, delete, a new version): the same scope; the service says who may. */
export function documentsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("documents").where(documentScope(actor));
}

export function documentsDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("documents").where(documentScope(actor));
}

export function documentVersionsVisibleTo(db: Tx, actor: Actor) {
  return db
    .selectFrom("document_versions")
    .where((eb) =>
      eb(
        "document_versions.document_id",
        "in",
        (eb as unknown as ExpressionBuilder<DB, never>)
          .selectFrom("documents")
          .select("documents.id")
          .where(documentScope(actor)),
      ),
    );
}

/** Setting a version's thumbnail key, or removing versions with their document. */
export function documentVersionsWritableBy(db: Tx, actor: Actor) {
  return db
    .updateTable("document_versions")
    .where((eb) =>
      eb(
        "document_versions.document_id",
        "in",
        (eb as unknown as ExpressionBuilder<DB, never>)
          .selectFrom("documents")
          .select("documents.id")
          .where(documentScope(actor)),
      ),
    );
}
