import { sql } from "kysely";
import type { Database } from "../db/connection.ts";
import type { Tx } from "../db/schema.ts";

// The words of a search and the workspace's vocabulary (kb_terms): what a query's words are, and
// what an unknown word may have meant. Corrections come from the engine (kb.engines.ts): by edit
// distance on SQLite, by pg_trgm similarity on PostgreSQL. See decision 0008.

/** PostgreSQL text-search configurations a workspace may choose; SQLite stems only English. */
export const SEARCH_LANGUAGES = [
  "english",
  "simple",
  "danish",
  "dutch",
  "finnish",
  "french",
  "german",
  "italian",
  "norwegian",
  "portuguese",
  "russian",
  "spanish",
  "swedish",
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

/** A workspace's search language until it chooses one (no kb_settings row). */
export const DEFAULT_SEARCH_LANGUAGE: SearchLanguage = "english";

const MAX_TERMS = 8;
const MAX_TERM_LENGTH = 40;

/** Words of a text, letters and digits only: nothing of the user's reaches the match syntax. */
export function words(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => w.length <= MAX_TERM_LENGTH);
}

export const searchTerms = (q: string) => words(q).slice(0, MAX_TERMS);

/** Optimal string alignment distance (a swap counts one), giving up above max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const w = b.length + 1;
  let prev2 = new Array<number>(w).fill(0);
  let prev = Array.from({ length: w }, (_, j) => j);
  let cur = new Array<number>(w).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length] as number;
}

/** How far a word may be from the one meant: none for short words, 1 up to 5 letters, else 2. */
export const allowedDistance = (term: string) => (term.length < 4 ? 0 : term.length <= 5 ? 1 : 2);

/** One word of the query and what it may also be: corrections, and a prefix for the last word. */
export interface TermGroup {
  term: string;
  alternatives: string[];
  prefix: boolean;
  /** Articles holding the word (0 when only a correction or a longer word matches it). */
  articles: number;
  /** Whether anything in the workspace can match it: the word, a correction or, last, a longer word. */
  matchable: boolean;
}

/** What the engine answers about the words of a query and the vocabulary. */
export interface Corrector {
  /** The words the workspace's vocabulary holds among `terms`, with their article counts. */
  known(
    database: Database,
    workspaceId: string,
    terms: string[],
  ): Promise<{ term: string; articles: number }[]>;
  /** Vocabulary words close to a word that is not in it. */
  candidates(db: Tx, workspaceId: string, term: string): Promise<string[]>;
  /** Whether the word matches anything once stemmed ("invoices" when only "invoice" is written). */
  matchesStemmed(db: Tx, workspaceId: string, term: string, language: SearchLanguage): Promise<boolean>;
}

/** The words the vocabulary holds among `terms`, with their article counts. */
export async function knownTerms(db: Tx, workspaceId: string, terms: string[]) {
  const rows = await db
    .selectFrom("kb_terms")
    .select(["term", "articles"])
    .where("workspace_id", "=", workspaceId)
    .where("term", "in", terms)
    .execute();
  return rows.map((r) => ({ term: r.term, articles: Number(r.articles) }));
}

/** Vocabulary words with the same first letter and a length within reach: a range read on the key. */
export function sameFirstLetter(db: Tx, workspaceId: string, term: string, max: number) {
  const first = String.fromCodePoint(term.codePointAt(0) as number);
  return db
    .selectFrom("kb_terms")
    .select(["term", "articles"])
    .where("workspace_id", "=", workspaceId)
    .where("term", ">=", first)
    .where("term", "<", `${first}\u{10FFFF}`)
    .where(sql<number>`length(term)`, ">=", term.length - max)
    .where(sql<number>`length(term)`, "<=", term.length + max)
    .execute();
}

/** The two nearest words within reach, the more common first among equals. */
export function rankCandidates(
  term: string,
  rows: { term: string; articles: number }[],
  max: number,
): string[] {
  return rows
    .map((r) => ({ ...r, d: editDistance(term, r.term, max) }))
    .filter((r, i, all) => r.d <= max && r.term !== term && all.findIndex((o) => o.term === r.term) === i)
    .sort((x, y) => x.d - y.d || y.articles - x.articles)
    .slice(0, 2)
    .map((r) => r.term);
}

/** Moves an article's words in the vocabulary from `before` to `after`, inside its transaction. */
export async function updateVocabulary(tx: Tx, workspaceId: string, before: string[], after: string[]) {
  const had = new Set(before);
  const has = new Set(after);
  // One upsert per chunk with +1 for new words and -1 for dropped ones, in term order: saves of
  // different articles lock vocabulary rows in the same order, so they cannot deadlock.
  const deltas = [
    ...after.filter((w) => !had.has(w)).map((term) => ({ term, d: 1 })),
    ...before.filter((w) => !has.has(w)).map((term) => ({ term, d: -1 })),
  ].sort((x, y) => (x.term < y.term ? -1 : x.term > y.term ? 1 : 0));
  for (let i = 0; i < deltas.length; i += 500) {
    const chunk = deltas.slice(i, i + 500);
    await tx
      .insertInto("kb_terms")
      .values(chunk.map(({ term, d }) => ({ workspace_id: workspaceId, term, articles: d })))
      .onConflict((oc) =>
        oc
          .columns(["workspace_id", "term"])
          .doUpdateSet({ articles: sql`kb_terms.articles + excluded.articles` }),
      )
      .execute();
  }
  const dropped = deltas.filter((x) => x.d < 0).map((x) => x.term);
  for (let i = 0; i < dropped.length; i += 500) {
    await tx
      .deleteFrom("kb_terms")
      .where("workspace_id", "=", workspaceId)
      .where("term", "in", dropped.slice(i, i + 500))
      .where("articles", "<=", 0)
      .execute();
  }
}

/** Each word, with corrections when the workspace's vocabulary does not know it. */
export async function plan(
  engine: Corrector,
  database: Database,
  workspaceId: string,
  terms: string[],
  language: SearchLanguage,
): Promise<TermGroup[]> {
  const db = database.db;
  const known = new Map((await engine.known(database, workspaceId, terms)).map((r) => [r.term, r.articles]));
  const typedLast = terms.at(-1);
  // The words the vocabulary does not hold are looked at side by side: on PostgreSQL each is a
  // few round trips of its own.
  return Promise.all(
    [...new Set(terms)].map(async (term): Promise<TermGroup> => {
      // The word typed last, even when it was also typed earlier.
      const last = term === typedLast;
      let alternatives: string[] = [];
      let started = false;
      if (!known.has(term)) {
        // The last word may be half typed: a word it starts is not a typo.
        started =
          last &&
          Boolean(
            await db
              .selectFrom("kb_terms")
              .select("term")
              .where("workspace_id", "=", workspaceId)
              .where("term", ">", term)
              .where("term", "<", `${term}\u{10FFFF}`)
              .limit(1)
              .executeTakeFirst(),
          );
        // A form of a written word ("invoices") needs no correction: the stemmer finds it.
        if (!started) started = await engine.matchesStemmed(db, workspaceId, term, language);
        if (!started && term.length >= 4) alternatives = await engine.candidates(db, workspaceId, term);
      }
      const articles = known.get(term) ?? 0;
      return {
        term,
        alternatives,
        prefix: last,
        articles,
        matchable: articles > 0 || started || alternatives.length > 0,
      };
    }),
  );
}
