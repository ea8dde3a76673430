import type { Static } from "typebox";
import type { AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import { ReadCache } from "../db/prepared.ts";
import type { Tx } from "../db/schema.ts";
import { articlesVisibleTo } from "./kb.access.ts";
import { ARTICLE_COLUMNS, indexedOf, requireAdmin } from "./kb.common.ts";
import type { KbSettings, SettingsPatch } from "./kb.schemas.ts";
import { indexArticle } from "./kb.search.ts";
import { DEFAULT_SEARCH_LANGUAGE, type SearchLanguage } from "./kb.vocabulary.ts";

// A workspace's knowledge-base settings: the search language (the index is built in it) and the
// guidance shown when a search finds nothing.

export const DEFAULT_NOT_FOUND_TEXT =
  "We could not find an article for that. Try other words, or create a request and our team will help you.";

/**
 * Every portal search and page reads the settings: outside a transaction they are kept until the
 * database changes (ReadCache: on SQLite exact, on PostgreSQL by the change clock of REDIS_URL, so
 * another process's change holds at once too; PostgreSQL without Redis reads every time).
 * Shared between callers: never mutated.
 */
const SETTINGS_READS = new ReadCache<KbSettings>(1000, { exact: true, onPostgres: true, share: 0.05 });

export function getKbSettings(ctx: AppContext, workspaceId: string, tx?: Tx): Promise<KbSettings> {
  if (tx) return readKbSettings(ctx, workspaceId, tx);
  const cached = SETTINGS_READS.get(ctx.database, workspaceId, () => readKbSettings(ctx, workspaceId));
  return cached instanceof Promise ? cached : Promise.resolve(cached);
}

async function readKbSettings(ctx: AppContext, workspaceId: string, tx?: Tx): Promise<KbSettings> {
  const row = await (tx ?? ctx.database.db)
    .selectFrom("kb_settings")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .executeTakeFirst();
  const searchLanguage = (row?.search_language ?? DEFAULT_SEARCH_LANGUAGE) as SearchLanguage;
  return {
    searchLanguage,
    // FTS5 has the porter stemmer (English) only; PostgreSQL stems every configuration but simple.
    stemming:
      ctx.database.dialect === "postgres" ? searchLanguage !== "simple" : searchLanguage === "english",
    notFoundText: row?.not_found_text ?? null,
    effectiveNotFoundText: row?.not_found_text ?? DEFAULT_NOT_FOUND_TEXT,
  };
}

export async function updateKbSettings(
  ctx: AppContext,
  actor: AgentActor,
  patch: Static<typeof SettingsPatch>,
): Promise<KbSettings> {
  requireAdmin(actor);
  return ctx.database.db.transaction().execute(async (tx) => {
    const before = await getKbSettings(ctx, actor.workspaceId, tx);
    const next = {
      search_language: patch.searchLanguage ?? before.searchLanguage,
      not_found_text:
        patch.notFoundText === undefined ? before.notFoundText : patch.notFoundText?.trim() || null,
      updated_at: nowIso(ctx),
    };
    await tx
      .insertInto("kb_settings")
      .values({ workspace_id: actor.workspaceId, ...next })
      .onConflict((oc) => oc.column("workspace_id").doUpdateSet(next))
      .execute();
    await recordAudit(ctx, tx, actor, {
      action: "settings.kb",
      summary: `Knowledge base: search language ${next.search_language}`,
      details: { searchLanguage: next.search_language, notFoundText: next.not_found_text },
    });
    if (next.search_language !== before.searchLanguage) {
      // The index is built in the workspace's language: rebuild it in the new one.
      const rows = await articlesVisibleTo(tx, actor).select(ARTICLE_COLUMNS).execute();
      for (const r of rows) {
        const doc = indexedOf(r);
        await indexArticle(ctx, actor, tx, doc, next.search_language as SearchLanguage, doc);
      }
    }
    return getKbSettings(ctx, actor.workspaceId, tx);
  });
}
