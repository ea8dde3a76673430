import type { AppContext } from "../context.ts";
import { articlesVisibleTo } from "./kb.access.ts";
import { listCategories } from "./kb.categories.ts";
import type { PortalKb } from "./kb.portal.ts";

// The portal home's topics: each category the reader may browse with how many articles they may
// read in it (empty ones left out), and how many articles are in no category.

export interface PortalTopic {
  name: string;
  slug: string;
  description: string;
  count: number;
}

export async function portalTopics(
  ctx: AppContext,
  kb: PortalKb,
): Promise<{ topics: PortalTopic[]; uncategorised: number }> {
  const [categories, counts] = await Promise.all([
    listCategories(ctx, kb.actor),
    articlesVisibleTo(ctx.database.db, kb.actor)
      .select((eb) => ["a.category_id", eb.fn.countAll<number | string>().as("n")])
      .groupBy("a.category_id")
      .execute(),
  ]);
  const byCategory = new Map(counts.map((r) => [r.category_id, Number(r.n)]));
  const topics = categories
    .map((c) => ({
      name: c.name,
      slug: c.slug,
      description: c.description,
      count: byCategory.get(c.id) ?? 0,
    }))
    .filter((c) => c.count > 0);
  return { topics, uncategorised: byCategory.get(null) ?? 0 };
}
