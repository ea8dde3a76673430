// The languages the portal and customer emails speak, and how a reader's is chosen: pure.

export const LOCALES = ["en", "de", "fr"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** Each language in its own words, for the switcher and the settings. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", de: "Deutsch", fr: "Français" };
/** Each language's name in English, for the agents' app. */
export const LANGUAGE_IN_ENGLISH: Record<Locale, string> = { en: "English", de: "German", fr: "French" };

export const isLocale = (v: unknown): v is Locale =>
  typeof v === "string" && (LOCALES as readonly string[]).includes(v);

/**
 * The best of our languages for an Accept-Language header (RFC 9110: ranges with q-values; a
 * region falls back to its language, "*" to none), or null when it asks for none we have.
 */
export function negotiateLocale(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranges = header
    .split(",")
    .slice(0, 20)
    .map((part, i) => {
      const [range = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find(Boolean);
      return { lang: range.trim().toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) if (isLocale(r.lang)) return r.lang;
  return null;
}

/** The language to speak: the reader's choice (account or switcher), else the browser's, else the workspace's. */
export function chooseLocale(
  chosen: unknown,
  acceptLanguage: string | undefined,
  workspaceDefault: unknown,
): Locale {
  if (isLocale(chosen)) return chosen;
  return negotiateLocale(acceptLanguage) ?? (isLocale(workspaceDefault) ? workspaceDefault : DEFAULT_LOCALE);
}
