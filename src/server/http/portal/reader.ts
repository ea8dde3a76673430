import { isTimeZone } from "../../i18n/time-zones.ts";
import type { Translator, Vars } from "../../i18n/translator.ts";
import { type Html, html } from "../../web/html.ts";

// How the signed-in portal speaks to one customer: their language (the translator) and their
// times, written in their language and in the zone they chose on their account (else UTC, which
// time.js turns into the browser's zone). A chosen zone travels as data-zone, so time.js keeps it.

export interface Reader extends Translator {
  /** A moment as a <time> element, in the reader's language and zone. */
  when(iso: string): Html;
  /**
   * A message with markup of ours in its placeholders ({{who}}, {{link}}), so each language puts
   * them where its word order wants: the message's text escaped, the pieces as given.
   */
  parts(key: string, slots: Record<string, Html>, vars?: Vars): Html;
}

const MARK = "\u0001";

export function readerFor(t: Translator, zone: string | null | undefined): Reader {
  const own = isTimeZone(zone) ? zone : null;
  const format = new Intl.DateTimeFormat(t.locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: own ?? "UTC",
  });
  return {
    ...t,
    parts: (key, slots, vars) => {
      const marks: Vars = {};
      for (const name of Object.keys(slots)) marks[name] = `${MARK}${name}${MARK}`;
      const pieces = t.t(key, { ...vars, ...marks }).split(new RegExp(`${MARK}(\\w+)${MARK}`));
      return html`${pieces.map((piece, i) => (i % 2 ? (slots[piece] ?? "") : piece))}`;
    },
    when: (iso) => {
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return html`<time datetime="${iso}">${iso}</time>`;
      return own
        ? html`<time datetime="${iso}" data-zone="${own}">${format.format(d)}</time>`
        : html`<time datetime="${iso}">${format.format(d)} UTC</time>`;
    },
  };
}
