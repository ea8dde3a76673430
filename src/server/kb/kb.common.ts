import type { AgentActor } from "../actors.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { KbArticleTable } from "../db/schema.ts";
import { conflict, forbidden } from "../errors.ts";
import type { IndexedArticle } from "./kb.engines.ts";

// What the knowledge base's use cases share: an article row's columns, tags and index document,
// addresses (slugs), and the admin check of the settings and categories.

export type ArticleRow = KbArticleTable;

/**
 * An article's own columns. Not `a.*`: on PostgreSQL that also reads the search vectors
 * (`document`, `heads`), and a save that spreads the row would write them back before
 * indexArticle writes them again.
 */
export const ARTICLE_COLUMNS = [
  "a.id",
  "a.workspace_id",
  "a.category_id",
  "a.slug",
  "a.title",
  "a.body",
  "a.body_html",
  "a.body_text",
  "a.tags",
  "a.status",
  "a.visibility",
  "a.position",
  "a.author_id",
  "a.helpful_yes",
  "a.helpful_no",
  "a.view_count",
  "a.published_at",
  "a.created_at",
  "a.updated_at",
] as const satisfies readonly `a.${keyof KbArticleTable}`[];

export const tagsOf = (r: Pick<ArticleRow, "tags">): string[] => JSON.parse(r.tags) as string[];

export const cleanTags = (tags: string[] | undefined) => [
  ...new Set((tags ?? []).map((t) => t.trim()).filter(Boolean)),
];

/** What the search index holds of an article row. */
export const indexedOf = (r: ArticleRow): IndexedArticle => ({
  articleId: r.id,
  workspaceId: r.workspace_id,
  title: r.title,
  tags: tagsOf(r),
  text: r.body_text,
});

export const requireAdmin = (actor: AgentActor) => {
  if (actor.role !== "admin") throw forbidden("Only admins may change this.");
};

export function slugify(text: string): string {
  return (
    text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "article"
  );
}

/** Finds the id holding an address in the workspace, if any (through the entity's access function). */
type SlugOwner = (slug: string) => Promise<{ id: string } | undefined>;

/**
 * The address of an article or category: the one given, refused when another holds it, or one
 * made from the title (with -2, -3… until free).
 */
export async function slugFor(
  owner: SlugOwner,
  given: string | undefined,
  title: string,
  exceptId?: string,
): Promise<string> {
  if (given === undefined) {
    const base = slugify(title);
    for (let n = 1; n < 1000; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      const taken = await owner(slug);
      if (!taken || taken.id === exceptId) return slug;
    }
    throw conflict("slug_taken", "Choose another address for this.", { slug: "is taken" });
  }
  const taken = await owner(given);
  if (taken && taken.id !== exceptId)
    throw conflict("slug_taken", "That address is taken.", { slug: "is taken" });
  return given;
}

/** Two saves racing for the same address: the loser gets the same 409 as a taken slug. */
export async function slugRace<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("slug_taken", "That address is taken.", { slug: "is taken" });
    throw err;
  }
}
