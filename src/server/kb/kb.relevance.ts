import type { TermGroup } from "./kb.vocabulary.ts";

// How a search result reads and whether it really answered: the snippet around the words that
// matched, with their places marked, and the rule for a weak best match, which the insights
// count as a search that found nothing (kb.portal.ts).

/**
 * Words that carry no meaning of their own in a question (English, German, French). They may
 * match, but they neither count towards a match's strength nor get highlighted.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  [
    // English
    "a an and are as at be but by can cannot do does for from get got has have how i if in into is it its me my no not of on or our so than that the their them then there these they this to too up us was we what when where which who why will with without you your",
    // German
    "aber als am an auch auf aus bei bin bis da das dass dem den der des die doch du ein eine einem einen einer es für hat habe haben ich ihr im in ist ja kann kein keine mein meine mit nach nicht noch nur oder sich sie sind so über um und uns von vor wann war warum was wie wir wo zu zum zur",
    // French
    "au aux avec ce ces cette comment dans de des du elle en est et il je la le les leur lui ma mais me mes mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes ton tu un une vos votre vous y",
  ]
    .join(" ")
    .split(" "),
);

export const meaningful = (term: string) => !STOP_WORDS.has(term);

/**
 * A best match is weak when a query of two or more meaningful words (stop words left out)
 * finds an article holding fewer than half of them, each word counting when the article holds
 * it as the engine matches it (stemmed, corrected, or started for the last word). "refund
 * policy for annual plan" answered only by "Password policy" (1 of 4) is weak: the customer
 * still sees the result, and the insights list the query among the searches that found nothing.
 */
export function isWeak(meaningfulTerms: number, matched: number): boolean {
  return meaningfulTerms >= 2 && matched * 2 < meaningfulTerms;
}

/**
 * A rough stem for highlighting in any language: the word without a common ending, so
 * "passwords" marks "password" and "resetting" marks "reset". The engines' own stemmers decide
 * what matches; this only decides what is marked in the text shown.
 */
export function stemKey(word: string): string {
  const w = word.toLowerCase();
  for (const end of ["ing", "ies", "es", "ed", "s", "e", "y"]) {
    if (w.length - end.length >= 3 && w.endsWith(end)) return w.slice(0, -end.length);
  }
  return w;
}

/** Whether a word of the text is one the search matched: the word, a correction, or its start. */
function matcherOf(groups: TermGroup[]): (word: string) => boolean {
  const chosen = groups.some((g) => meaningful(g.term)) ? groups.filter((g) => meaningful(g.term)) : groups;
  const exact = new Set<string>();
  const stems = new Set<string>();
  const prefixes: string[] = [];
  for (const g of chosen) {
    for (const w of [g.term, ...g.alternatives]) {
      exact.add(w);
      if (w.length >= 3) stems.add(stemKey(w));
    }
    if (g.prefix && g.term.length >= 2) prefixes.push(g.term);
  }
  return (word) => {
    const w = word.normalize("NFKC").toLowerCase();
    return exact.has(w) || stems.has(stemKey(w)) || prefixes.some((p) => w.startsWith(p));
  };
}

/** A piece of an article's text and where, in it, the matched words are: [start, end) offsets. */
export interface Snippet {
  text: string;
  marks: { start: number; end: number }[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Up to about `length` characters of plain text around the first matched word, cut at word
 * boundaries, with an ellipsis where it was cut and each matched word marked. The text is never
 * HTML: views escape it and wrap the marked ranges in <mark>.
 */
export function snippetOf(text: string, groups: TermGroup[], length = 180): Snippet {
  const isMatch = matcherOf(groups);
  const found: { start: number; end: number }[] = [];
  for (const m of text.matchAll(WORD)) {
    if (isMatch(m[0])) found.push({ start: m.index, end: m.index + m[0].length });
  }
  const first = found[0]?.start ?? 0;
  // A little context before the first match, starting on a word.
  let start = first > 60 ? text.lastIndexOf(" ", first - 40) + 1 : 0;
  if (start < 0) start = 0;
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const space = text.lastIndexOf(" ", end);
    if (space > start + length / 2) end = space;
  }
  const lead = start > 0 ? "…" : "";
  const body = text.slice(start, end).trim();
  const shift =
    lead.length - start - (text.slice(start, end).length - text.slice(start, end).trimStart().length);
  const marks = found
    .filter((f) => f.start >= start && f.end <= end)
    .map((f) => ({ start: f.start + shift, end: f.end + shift }));
  return { text: `${lead}${body}${end < text.length ? "…" : ""}`, marks };
}
