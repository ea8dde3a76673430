import { sql } from "kysely";
import type { AgentActor } from "../actors.ts";
import { isPostgres } from "../db/dialect.ts";
import type { Tx } from "../db/schema.ts";

// Who may read which article: decided here only. Every knowledge-base read (lists, article
// pages, search, suggestions, feedback) starts from articlesVisibleTo; anything outside it
// answers the same 404 as what does not exist.

/**
 * A reader of the portal. There are no portal accounts yet, so `customer` is always null and
 * articles with visibility "workspace" stay hidden; when portal sessions exist, set it from the
 * session and those articles open up here, and nowhere else.
 */
export type PortalReader = {
  kind: "portal_reader";
  workspaceId: string;
  customer: null | { contactId: string };
};

export type KbReader = AgentActor | PortalReader;

export const anonymousReader = (workspaceId: string): PortalReader => ({
  kind: "portal_reader",
  workspaceId,
  customer: null,
});

/** The visibilities a portal reader may see. */
export function portalVisibilities(reader: PortalReader): ("public" | "workspace")[] {
  return reader.customer ? ["public", "workspace"] : ["public"];
}

/**
 * Articles the reader may see, as a query on kb_articles (aliased `a`), optionally only among
 * the given ids. Agents: every article
 * of their workspace, drafts and internal ones included. Portal readers: published articles of
 * that workspace with a visibility open to them, outside categories hidden from the portal.
 */
export function articlesVisibleTo(db: Tx, reader: KbReader, opts: { ids?: string[] } = {}) {
  const from = db.selectFrom("kb_articles as a");
  const q = !opts.ids
    ? from.where("a.workspace_id", "=", reader.workspaceId)
    : opts.ids.length === 0
      ? from.where(sql<boolean>`0`)
      : // Some ids (search results): found by primary key, the workspace checked on each row.
        // On SQLite the unary + keeps the planner, which has no statistics here, from walking
        // the workspace's index over every article instead.
        from
          .where("a.id", "in", opts.ids)
          .where(isPostgres(db) ? sql`a.workspace_id` : sql`+a.workspace_id`, "=", reader.workspaceId);
  if (reader.kind === "agent") return q;
  return q
    .where("a.status", "=", "published")
    .where("a.visibility", "in", portalVisibilities(reader))
    .where((eb) =>
      eb.or([
        eb("a.category_id", "is", null),
        eb(
          "a.category_id",
          "in",
          eb
            .selectFrom("kb_categories as c")
            .select("c.id")
            .where("c.workspace_id", "=", reader.workspaceId)
            .where("c.show_on_portal", "=", true),
        ),
      ]),
    );
}

/** Categories the reader may browse: all for agents, those shown on the portal for customers. */
export function categoriesVisibleTo(db: Tx, reader: KbReader) {
  const q = db.selectFrom("kb_categories as c").where("c.workspace_id", "=", reader.workspaceId);
  return reader.kind === "agent" ? q : q.where("c.show_on_portal", "=", true);
}
