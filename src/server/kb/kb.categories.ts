import type { Static } from "typebox";
import type { Actor, AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { KbCategoryTable, Tx } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { categoriesVisibleTo, categoriesWritableBy } from "./kb.access.ts";
import { requireAdmin, slugFor, slugRace } from "./kb.common.ts";
import type { CategoryInput, CategoryPatch, CategoryView } from "./kb.schemas.ts";

// Categories: listed for everyone who may browse them (kb.access.ts decides which), added,
// changed and ordered by admins.

export const categoryView = (c: KbCategoryTable): CategoryView => ({
  id: c.id,
  name: c.name,
  slug: c.slug,
  description: c.description,
  position: c.position,
  showOnPortal: Boolean(c.show_on_portal),
  articleSort: c.article_sort,
});

export async function listCategories(ctx: AppContext, actor: Actor): Promise<CategoryView[]> {
  const rows = await categoriesVisibleTo(ctx.database.db, actor)
    .selectAll("c")
    .orderBy("c.position")
    .orderBy("c.name")
    .execute();
  return rows.map(categoryView);
}

export async function createCategory(
  ctx: AppContext,
  actor: AgentActor,
  input: Static<typeof CategoryInput>,
): Promise<CategoryView> {
  requireAdmin(actor);
  return slugRace(() =>
    ctx.database.db.transaction().execute(async (tx) => {
      const now = nowIso(ctx);
      const last = await categoriesVisibleTo(tx, actor)
        .select((eb) => eb.fn.max("c.position").as("max"))
        .executeTakeFirst();
      const owner = (slug: string) =>
        categoriesVisibleTo(tx, actor).select("c.id").where("c.slug", "=", slug).executeTakeFirst();
      const row: KbCategoryTable = {
        id: newId(),
        workspace_id: actor.workspaceId,
        name: input.name.trim(),
        slug: await slugFor(owner, input.slug, input.name),
        description: (input.description ?? "").trim(),
        position: Number(last?.max ?? -1) + 1,
        show_on_portal: input.showOnPortal ?? true,
        article_sort: input.articleSort ?? "manual",
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto("kb_categories").values(row).execute();
      return categoryView(row);
    }),
  );
}

async function categoryFor(tx: Tx, actor: AgentActor, id: string): Promise<KbCategoryTable> {
  const row = await categoriesVisibleTo(tx, actor).selectAll("c").where("c.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("No such category.");
  return row;
}

export async function updateCategory(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  patch: Static<typeof CategoryPatch>,
): Promise<CategoryView> {
  requireAdmin(actor);
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await categoryFor(tx, actor, id);
    const next: KbCategoryTable = {
      ...row,
      name: patch.name?.trim() ?? row.name,
      description: patch.description?.trim() ?? row.description,
      show_on_portal: patch.showOnPortal ?? Boolean(row.show_on_portal),
      article_sort: patch.articleSort ?? row.article_sort,
      updated_at: nowIso(ctx),
    };
    await categoriesWritableBy(tx, actor)
      .set({
        name: next.name,
        description: next.description,
        show_on_portal: next.show_on_portal,
        article_sort: next.article_sort,
        updated_at: next.updated_at,
      })
      .where("c.id", "=", row.id)
      .execute();
    return categoryView(next);
  });
}

/** Puts the workspace's categories in the given order; every category must be named once. */
export async function reorderCategories(
  ctx: AppContext,
  actor: AgentActor,
  ids: string[],
): Promise<CategoryView[]> {
  requireAdmin(actor);
  await ctx.database.db.transaction().execute(async (tx) => {
    const rows = await categoriesVisibleTo(tx, actor).select("c.id").execute();
    const all = new Set(rows.map((r) => r.id));
    if (new Set(ids).size !== ids.length || ids.length !== all.size || ids.some((i) => !all.has(i))) {
      throw validationFailed({ ids: "must list every category of the workspace once" });
    }
    for (const [position, id] of ids.entries()) {
      await categoriesWritableBy(tx, actor).set({ position }).where("c.id", "=", id).execute();
    }
  });
  return listCategories(ctx, actor);
}
