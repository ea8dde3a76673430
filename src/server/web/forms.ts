import type { FieldErrors } from "../errors.ts";
import { type Html, html } from "./html.ts";

// Form pieces shared by every server-rendered page: an error summary announced to screen
// readers, the error beside its field, and the aria wiring between the two.

export type Labels = Record<string, string>;

const utcFormat = (locale: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
/** English pages keep en-GB's day-month order; a customer's page may be in another language. */
const dateFmts = new Map<string, Intl.DateTimeFormat>([["en", utcFormat("en-GB")]]);

/**
 * The same moments come back on every page (a ticket's, a task's, a document's): each is formatted
 * once (Intl's formatting is most of a page's rendering), in a bounded map.
 */
const formatted = new Map<string, string>();
function utcText(iso: string, locale: string): string {
  const key = locale === "en" ? iso : `${locale} ${iso}`;
  let text = formatted.get(key);
  if (text === undefined) {
    let fmt = dateFmts.get(locale);
    if (!fmt) {
      fmt = utcFormat(locale);
      dateFmts.set(locale, fmt);
    }
    text = fmt.format(new Date(iso));
    if (formatted.size >= 10_000) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/**
 * A moment in UTC, with the exact instant for time.js to write in the reader's zone; `locale`
 * (a customer page's language: en, de, fr) words the UTC text.
 */
export const when = (iso: string, locale = "en") =>
  html`<time datetime="${iso}">${utcText(iso, locale)} UTC</time>`;

/** Field names as ids: "admin.email" → "admin-email". */
export const fieldId = (field: string) => field.replace(/[^A-Za-z0-9_-]/g, "-");

export function errorSummary(labels: Labels, errors: FieldErrors | undefined, message?: string): Html {
  if (!errors && !message) return html``;
  const entries = Object.entries(errors ?? {});
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
  <h2>${message ?? (entries.length === 1 ? "There is a problem" : `There are ${entries.length} problems`)}</h2>
  ${entries.length ? html`<ul>${entries.map(([f, m]) => html`<li><a href="#${fieldId(f)}">${labels[f] ?? f} ${m}</a></li>`)}</ul>` : ""}
</div>`;
}

export function fieldError(labels: Labels, errors: FieldErrors | undefined, field: string): Html {
  const m = errors?.[field];
  return m
    ? html`<p class="field-error" id="${fieldId(field)}-error"><span class="visually-hidden">Error:</span> ${labels[field] ?? field} ${m}</p>`
    : html``;
}

export function describedBy(errors: FieldErrors | undefined, field: string, ...more: string[]): Html {
  const ids = [...more, ...(errors?.[field] ? [`${fieldId(field)}-error`] : [])];
  return html`${ids.length ? html` aria-describedby="${ids.join(" ")}"` : ""}${errors?.[field] ? html` aria-invalid="true"` : ""}`;
}

/** A string field of a parsed form body; anything else (missing, repeated) is undefined. */
export function formString(body: unknown, key: string): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  return typeof v === "string" ? v : undefined;
}

/** Text from a textarea with the browser's CRLF line breaks made plain. */
export const formText = (body: unknown, key: string) => (formString(body, key) ?? "").replace(/\r\n/g, "\n");
