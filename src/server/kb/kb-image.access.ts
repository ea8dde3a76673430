import { type Expression, type ExpressionBuilder, type Insertable, type SqlBool, sql } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import type { DB, Tx } from "../db/schema.ts";
import { readableArticleShows } from "./kb.access.ts";

// Who may fetch which image pasted into an article, decided here only. Agents and the system:
// every image of their workspace (a draft's too). Everyone else (visitors, token holders,
// signed-in customers): an image only while an article they may read (kb.access.ts: published,
// of their visibility, outside hidden categories) shows it, by its address in the Markdown.

export function kbImageScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "kb_images">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("kb_images.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("kb_images.workspace_id", "=", actor.workspaceId);
      case "visitor":
      case "token_holder":
      case "customer":
        return eb.and([
          eb("kb_images.workspace_id", "=", actor.workspaceId),
          readableArticleShows(actor, sql.ref("kb_images.id")),
        ]);
      default:
        return unknownActor(actor);
    }
  };
}

export function kbImagesVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("kb_images").where(kbImageScope(actor));
}

export function kbImagesDeletableBy(db: Tx, actor: Actor) {
  return db.deleteFrom("kb_images").where(kbImageScope(actor));
}

/** A new image: only an agent of the workspace uploads one (the service decides). */
export function insertKbImage(db: Tx, row: Insertable<DB["kb_images"]>) {
  return db.insertInto("kb_images").values(row);
}
