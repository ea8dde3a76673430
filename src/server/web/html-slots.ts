import { randomBytes } from "node:crypto";
import { escapeHtml, type Html, unsafeRaw } from "./html.ts";

// Markup that is the same on every answer but for a few values (a nonce, a form's one-time keys):
// rendered once with a stand-in for each value, then filled in per answer. A stand-in is letters
// and digits only, so html`` writes it unchanged, and unguessable, so nothing else on the page
// (a workspace's own text or CSS) can look like one; a value filled in is escaped as html``
// escapes it (Html goes in as it is). The markup is therefore the page rendered with the values
// themselves. A stand-in the rendering changed, cut or dropped is an error at once.

const MARK = randomBytes(12).toString("hex");
const STAND_IN = new RegExp(`s${MARK}n(\\d+)e`, "g");

export class HtmlSlots<K extends string> {
  /** The markup between the values: one more part than slots. */
  readonly #parts: string[];
  /** Each gap's value, by name. */
  readonly #slots: K[];

  private constructor(parts: string[], slots: K[]) {
    this.#parts = parts;
    this.#slots = slots;
  }

  /** Renders once, with a stand-in for each named value; each must appear in the markup. */
  static render<const K extends string>(
    names: readonly K[],
    render: (standIns: Record<K, string>) => Html,
  ): HtmlSlots<K> {
    const standIns = Object.fromEntries(names.map((n, i) => [n, `s${MARK}n${i}e`])) as Record<K, string>;
    const markup = render(standIns).value;
    const parts: string[] = [];
    const slots: K[] = [];
    let from = 0;
    for (const m of markup.matchAll(STAND_IN)) {
      parts.push(markup.slice(from, m.index));
      slots.push(names[Number(m[1])] as K);
      from = m.index + m[0].length;
    }
    parts.push(markup.slice(from));
    const missing = names.filter((n) => !slots.includes(n));
    // What is left of a stand-in cut short or changed in case.
    const piece = MARK.slice(0, 16);
    if (missing.length || parts.some((p) => p.toLowerCase().includes(piece))) {
      throw new Error(`HtmlSlots: the markup changed or left out ${missing.join(", ") || "a stand-in"}`);
    }
    return new HtmlSlots(parts, slots);
  }

  /** The markup with these values in their places. */
  fill(values: Record<K, string | Html>): Html {
    const parts = this.#parts;
    let out = parts[0] as string;
    for (let i = 0; i < this.#slots.length; i++) {
      const v = values[this.#slots[i] as K];
      out += (typeof v === "string" ? escapeHtml(v) : v.value) + (parts[i + 1] as string);
    }
    return unsafeRaw(out);
  }
}
