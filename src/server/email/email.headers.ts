// Header values from user text (names, subjects) never carry a line break or a control
// character: a CR/LF in a subject would otherwise start a header of its own.

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of header text: control characters become spaces, runs of space collapse, capped. */
export function headerText(value: string, max = 200): string {
  const line = value.replace(CONTROL, " ").replace(/\s+/g, " ").trim();
  const points = [...line];
  return points.length > max ? `${points.slice(0, max - 1).join("")}…` : line;
}

/** The domain part of an address, lower-cased. */
export const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

/** `support@acme.test` + token → `support+token@acme.test`; an existing +tag is replaced. */
export function plusAddress(address: string, tag: string): string {
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at).split("+")[0];
  return `${local}+${tag}${address.slice(at)}`;
}

/** Splits `local+tag@domain` into the base address and the tag (null when there is none). */
export function splitPlusAddress(address: string): { base: string; tag: string | null } {
  const at = address.lastIndexOf("@");
  if (at < 1) return { base: address, tag: null };
  const local = address.slice(0, at);
  const plus = local.indexOf("+");
  if (plus < 0) return { base: address, tag: null };
  return { base: `${local.slice(0, plus)}${address.slice(at)}`, tag: local.slice(plus + 1) || null };
}

// A Message-ID's characters: printable ASCII without space and angle brackets. Anything else (a
// NUL, 8-bit bytes) is no id of ours and is never stored or looked up.
const ID_CHARS = "[\\x21-\\x3b\\x3d\\x3f-\\x7e]{1,250}";
const ONE_ID = new RegExp(`^${ID_CHARS}$`);

/**
 * A Message-ID without its brackets, or null when it is not one. Case is kept: mail clients
 * compare ids exactly, and answer with them exactly as we stored them.
 */
export function normalizeMessageId(raw: string): string | null {
  const id = raw.trim().replace(/^<|>$/g, "").trim();
  return ONE_ID.test(id) ? id : null;
}

/** Every Message-ID in an In-Reply-To or References value (either a string or a list), in order. */
export function messageIdsIn(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(" ") : value;
  const ids = [...text.matchAll(new RegExp(`<(${ID_CHARS})>`, "g"))].map((m) => m[1] as string);
  return [...new Set(ids)].slice(-50);
}
