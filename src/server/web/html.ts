// Server-rendered pages: a tagged template that escapes every interpolated value unless it is
// already Html. Arrays are joined; null, undefined and false render nothing.

export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false || v === true) return "";
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i] as Value) + (strings[i + 1] ?? "");
  return new Html(out);
}

/** Trusted markup only: never anything a user typed. */
export const unsafeRaw = (markup: string) => new Html(markup);

/**
 * Text someone else chose, shown inside a line of ours (a person's name, a subject, a file's
 * name): isolated, so bidirectional controls in it (an unclosed U+202E) cannot reorder what
 * surrounds it. <bdi> is `unicode-bidi: isolate` with its direction from its own text.
 */
export const bdi = (text: string | null | undefined) => html`<bdi>${text}</bdi>`;

/** Text with its line breaks kept, escaped. */
export const multiline = (text: string) =>
  html`${text.split("\n").map((line, i) => (i ? [unsafeRaw("<br>"), line] : line))}`;
