import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n/locales.ts";
import { type Translator, translatorFor } from "../i18n/translator.ts";

// The customer emails' language and the admin's wording, pure: what the outbox stores with an
// email's inputs (so a queued email renders later as it was meant), the placeholders each email
// offers to the admin's subject and intro, and how a time reads in the reader's language and zone.

/** The customer emails, with the placeholders their subject and intro may use. */
export const CUSTOMER_EMAILS = {
  ticket_confirmation: ["reference", "subject", "name", "portal", "ticket"],
  agent_reply: ["reference", "subject", "name", "portal", "ticket"],
  ticket_resolved: ["reference", "subject", "name", "portal", "ticket"],
  survey_request: ["reference", "subject", "name", "portal", "ticket"],
  open_requests: ["name", "portal", "ticket"],
  customer_invitation: ["name", "portal", "ticket"],
  customer_magic_link: ["name", "portal", "ticket"],
  customer_password_reset: ["name", "portal", "ticket"],
  customer_verify_email: ["name", "portal", "ticket"],
  task_reminder: ["name", "portal", "ticket"],
} as const satisfies Record<string, readonly Placeholder[]>;

export type Placeholder = "reference" | "subject" | "name" | "portal" | "ticket";
export type CustomerEmailKind = keyof typeof CUSTOMER_EMAILS;
export const CUSTOMER_EMAIL_KINDS = Object.keys(CUSTOMER_EMAILS) as CustomerEmailKind[];
export const isCustomerEmail = (kind: string): kind is CustomerEmailKind =>
  Object.hasOwn(CUSTOMER_EMAILS, kind);

export const WORDING_SUBJECT_MAX = 200;
export const WORDING_INTRO_MAX = 2000;

/** An email's language as stored with its inputs (outbox template_data's `lang`). */
export interface EmailLang {
  locale: Locale;
  /** IANA zone the times are written in: the contact's, else the workspace's. */
  timeZone: string;
  /** The workspace's words for "ticket" (workspaces.ticket_words), so the email says its own. */
  ticketWords: string;
  /** The admin's subject and intro for this email and language; null: the catalogue's. */
  subject: string | null;
  intro: string | null;
}

/** What an email queued before languages were stored reads as. */
export const ENGLISH: EmailLang = {
  locale: DEFAULT_LOCALE,
  timeZone: "UTC",
  ticketWords: "{}",
  subject: null,
  intro: null,
};

export const translatorOf = (lang: EmailLang): Translator =>
  translatorFor(isLocale(lang.locale) ? lang.locale : DEFAULT_LOCALE, { ticket_words: lang.ticketWords });

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The admin's text with its placeholders filled (plain text: the HTML escapes it after). */
export const fillPlaceholders = (text: string, values: Partial<Record<Placeholder, string>>): string =>
  text.replace(PLACEHOLDER, (_, name: string) => values[name as Placeholder] ?? "");

/** What is wrong with an admin's subject or intro, or null: unknown placeholders, length, lines. */
export function wordingProblem(
  kind: CustomerEmailKind,
  field: "subject" | "intro",
  text: string,
): string | null {
  const max = field === "subject" ? WORDING_SUBJECT_MAX : WORDING_INTRO_MAX;
  if (text.length > max) return `must be at most ${max} characters`;
  if (field === "subject" && /[\r\n]/.test(text)) return "must be one line";
  const offered: readonly string[] = CUSTOMER_EMAILS[kind];
  const unknown = [...text.matchAll(PLACEHOLDER)]
    .map((m) => m[1] as string)
    .filter((n) => !offered.includes(n));
  if (unknown.length)
    return `unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(", ")}; this email offers ${offered
      .map((n) => `{{${n}}}`)
      .join(", ")}`;
  const opened = (text.match(/\{\{/g) ?? []).length;
  const closed = (text.match(/\}\}/g) ?? []).length;
  if (opened !== closed) return "has an unclosed placeholder: write them as {{name}}";
  return null;
}

/** Formatters by locale and zone: building one costs far more than formatting with it. */
const WHEN_FORMATS = new Map<string, Intl.DateTimeFormat>();
/** Locales × zones in use are few; a cache that grows past this starts again. */
const WHEN_FORMATS_MAX = 256;

/** A moment as the reader reads it: "6 Dec 2026, 18:03 CET", in their language and zone. */
export function formatWhen(iso: string, lang: Pick<EmailLang, "locale" | "timeZone">): string {
  const locale = lang.locale === "en" ? "en-GB" : lang.locale;
  const key = `${locale}\u0000${lang.timeZone}`;
  let format = WHEN_FORMATS.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = {
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    };
    try {
      format = new Intl.DateTimeFormat(locale, { ...options, timeZone: lang.timeZone });
    } catch {
      // A zone this runtime does not know: UTC, said as such.
      format = new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" });
    }
    if (WHEN_FORMATS.size >= WHEN_FORMATS_MAX) WHEN_FORMATS.clear();
    WHEN_FORMATS.set(key, format);
  }
  return format.format(new Date(iso));
}
