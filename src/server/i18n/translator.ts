import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type TOptions } from "i18next";
import type { WorkspaceTable } from "../db/schema.ts";
import { escapeHtml, Html, unsafeRaw } from "../web/html.ts";
import { ticketWordOf } from "../workspaces/portal-settings.ts";
import { DEFAULT_LOCALE, LOCALES, type Locale } from "./locales.ts";

// Everything a customer reads, in their language: i18next over the message catalogues in
// catalogues/<locale>/<namespace>.json (plurals by Intl.PluralRules, interpolation by name),
// loaded once at start. Keys are "<namespace>:<path>". Every message may use the workspace's word
// for "ticket": {{ticket}} and {{tickets}} mid-sentence, {{Ticket}} and {{Tickets}} to start one.
// Where a language's words agree with the noun's gender (fr "Nouvelle demande", "Nouveau cas"),
// the message has a variant per gender (key_female, key_male, key_neuter: i18next's context),
// chosen by the word's gender; the plain key is the catalogue word's own.

const CATALOGUES = path.join(path.dirname(fileURLToPath(import.meta.url)), "catalogues");

/** Every catalogue, by locale and namespace (the catalogue test reads it too). */
export function loadCatalogues(): Record<Locale, Record<string, Record<string, unknown>>> {
  const out = {} as Record<Locale, Record<string, Record<string, unknown>>>;
  for (const locale of LOCALES) {
    out[locale] = {};
    for (const file of readdirSync(path.join(CATALOGUES, locale))) {
      if (!file.endsWith(".json")) continue;
      out[locale][file.slice(0, -5)] = JSON.parse(readFileSync(path.join(CATALOGUES, locale, file), "utf8"));
    }
  }
  return out;
}

const resources = loadCatalogues();
const engine = i18next.createInstance();
void engine.init({
  initAsync: false,
  resources,
  lng: DEFAULT_LOCALE,
  fallbackLng: DEFAULT_LOCALE,
  supportedLngs: [...LOCALES],
  ns: Object.keys(resources[DEFAULT_LOCALE]),
  defaultNS: "common",
  // Pages escape what they insert (html``); th() below escapes the values itself.
  interpolation: { escapeValue: false },
  returnNull: false,
});

export type Vars = Record<string, string | number | null | undefined>;

export interface Translator {
  locale: Locale;
  /** A message as text (the page's html`` escapes it). */
  t(key: string, vars?: Vars): string;
  /**
   * A message whose catalogue text carries markup (<strong>, <a href="{{href}}">): the values are
   * escaped, but for Html ones (a name already isolated in <bdi>), which go in as they are.
   */
  th(key: string, vars?: Vars | Record<string, Vars[string] | Html>): Html;
}

/** The mid-sentence form of a word: lower-cased except in German, where nouns keep their capital, and acronyms. */
function midSentence(word: string, locale: Locale): string {
  if (locale === "de" || word.length < 2 || word[1] === word[1]?.toUpperCase()) return word;
  return (word[0] as string).toLocaleLowerCase(locale) + word.slice(1);
}
const capital = (word: string, locale: Locale) => (word[0] ?? "").toLocaleUpperCase(locale) + word.slice(1);

/** The words for "ticket" a message may use, the workspace's or the catalogue's, and their gender. */
function ticketVars(locale: Locale, ws: Pick<WorkspaceTable, "ticket_words"> | undefined): Vars {
  const own = ws ? ticketWordOf(ws, locale) : null;
  const one = own?.one ?? engine.t("common:ticket.one", { lng: locale });
  const other = own?.other ?? engine.t("common:ticket.other", { lng: locale });
  return {
    // The catalogue's word has the catalogue's gender, so the plain key fits it.
    context: own?.gender ?? undefined,
    ticket: midSentence(one, locale),
    tickets: midSentence(other, locale),
    Ticket: capital(one, locale),
    Tickets: capital(other, locale),
  };
}

/**
 * One translator per workspace row and language: the rows pages read are kept until the database
 * changes (ReadCache), so a page's translator, and what is worked out from it once (the script's
 * words: clientMessages), is made once per settings and language, not per request.
 */
const MADE = new WeakMap<object, Map<Locale, Translator>>();

/** The translator for one reader: their language and the workspace's wording. */
export function translatorFor(locale: Locale, ws?: Pick<WorkspaceTable, "ticket_words">): Translator {
  if (!ws) return makeTranslator(locale, undefined);
  let byLocale = MADE.get(ws);
  if (!byLocale) {
    byLocale = new Map();
    MADE.set(ws, byLocale);
  }
  let made = byLocale.get(locale);
  if (!made) {
    made = makeTranslator(locale, ws);
    byLocale.set(locale, made);
  }
  return made;
}

function makeTranslator(locale: Locale, ws: Pick<WorkspaceTable, "ticket_words"> | undefined): Translator {
  const words = ticketVars(locale, ws);
  const t = (key: string, vars?: Vars) =>
    engine.t(key, { lng: locale, ...words, ...vars } as TOptions) as string;
  return {
    locale,
    t,
    th: (key, vars) => {
      const escaped: Vars = {};
      for (const [k, v] of Object.entries({ ...words, ...vars }))
        escaped[k] = v instanceof Html ? v.value : typeof v === "string" ? escapeHtml(v) : v;
      return unsafeRaw(engine.t(key, { lng: locale, ...escaped } as TOptions) as string);
    },
  };
}
