import type { Kysely } from "kysely";
import { renderMarkdown } from "../../src/server/kb/kb.markdown.ts";

// Articles' plain text (body_text, the search snippets' source) is built from the Markdown's
// own tokens since this version: inline pieces keep their spacing and punctuation ("Sign in,
// then" where the HTML-stripped text read "Sign in , then"). Existing articles get it once here,
// 200 at a time in id order. The search index holds the same words either way: nothing to reindex.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  let after = "";
  for (;;) {
    const rows: { id: string; body: string; body_text: string }[] = await db
      .selectFrom("kb_articles")
      .select(["id", "body", "body_text"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(200)
      .execute();
    for (const r of rows) {
      const text = renderMarkdown(r.body).text;
      if (text !== r.body_text) {
        await db.updateTable("kb_articles").set({ body_text: text }).where("id", "=", r.id).execute();
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < 200) return;
    after = last.id;
  }
}
