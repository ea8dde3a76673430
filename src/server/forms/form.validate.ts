import type { FieldErrors } from "../errors.ts";
import { type Answers, type FormField, LONG_TEXT_MAX, SHORT_TEXT_MAX } from "./form.schemas.ts";

// The server's check of a form's answers: one check per field type, each field's error keyed by
// its key so the page shows it beside the field. Lengths count code points, as the browser does.

type Raw = Answers[string] | undefined;
type Check = (f: FormField, v: Raw) => { value?: Answers[string]; error?: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// C0 controls but tab and line breaks, and DEL.
const hasControls = (s: string) =>
  [...s].some((ch) => {
    const c = ch.codePointAt(0) ?? 0;
    return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
  });

const codePoints = (s: string) => [...s].length;
const blank = (v: Raw) =>
  v === undefined || v === null || v === "" || v === false || (Array.isArray(v) && v.length === 0);

function text(max: number, single: boolean): Check {
  return (f, v) => {
    if (typeof v !== "string") return { error: "must be text" };
    const s = v.trim();
    if (hasControls(s) || (single && /[\r\n]/.test(s)))
      return { error: "must not contain control characters" };
    const limit = f.maxLength ?? max;
    if (codePoints(s) > limit) return { error: `must be at most ${limit} characters` };
    return { value: s };
  };
}

const CHECKS: Record<FormField["type"], Check> = {
  short_text: text(SHORT_TEXT_MAX, true),
  long_text: text(LONG_TEXT_MAX, false),
  email: (_f, v) =>
    typeof v === "string" && EMAIL.test(v.trim()) && v.trim().length <= 254
      ? { value: v.trim().toLowerCase() }
      : { error: "must be an email address" },
  number: (f, v) => {
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) return { error: "must be a number" };
    if (f.min !== undefined && n < f.min) return { error: `must be at least ${f.min}` };
    if (f.max !== undefined && n > f.max) return { error: `must be at most ${f.max}` };
    return { value: n };
  },
  date: (_f, v) => {
    if (typeof v !== "string" || !DATE.test(v)) return { error: "must be a date (YYYY-MM-DD)" };
    const d = new Date(`${v}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v
      ? { error: "must be a date (YYYY-MM-DD)" }
      : { value: v };
  },
  single_choice: (f, v) =>
    typeof v === "string" && (f.options ?? []).includes(v)
      ? { value: v }
      : { error: "must be one of the choices" },
  multiple_choice: (f, v) => {
    const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : null;
    if (!list?.every((x) => (f.options ?? []).includes(x))) return { error: "must be among the choices" };
    return { value: [...new Set(list)] };
  },
  checkbox: (_f, v) => {
    if (typeof v === "boolean") return { value: v };
    if (v === "1" || v === "on" || v === "true") return { value: true };
    return { error: "must be ticked or not" };
  },
  // A file answer is the key of an upload made through the upload route.
  file: (_f, v) =>
    typeof v === "string" && /^[!-~]{1,200}$/.test(v) ? { value: v } : { error: "must be an uploaded file" },
};

/**
 * Checks every answer against its field. `draft` skips "is required" (a draft may be half done)
 * and keeps what is still wrong out of nothing: a draft stores what was typed.
 */
export function validateAnswers(
  fields: FormField[],
  raw: Record<string, unknown>,
  opts: { draft?: boolean } = {},
): { answers: Answers; errors: FieldErrors | null } {
  const answers: Answers = {};
  const errors: FieldErrors = {};
  for (const f of fields) {
    const v = raw[f.key] as Raw;
    if (blank(v)) {
      if (f.type === "checkbox") answers[f.key] = false;
      if (f.required && !opts.draft) errors[f.key] = "is required";
      continue;
    }
    const r = CHECKS[f.type](f, v);
    if (r.error !== undefined) {
      if (opts.draft) {
        if (typeof v === "string" && codePoints(v) <= LONG_TEXT_MAX) answers[f.key] = v;
      } else errors[f.key] = r.error;
    } else if (r.value !== undefined) answers[f.key] = r.value;
  }
  return { answers, errors: Object.keys(errors).length ? errors : null };
}

/** The checks of a form's own definition that a schema cannot say: unique keys, choices given. */
export function checkFields(fields: FormField[]): FieldErrors | null {
  const errors: FieldErrors = {};
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (seen.has(f.key)) errors[`fields/${i}/key`] = "is used by another field";
    seen.add(f.key);
    if ((f.type === "single_choice" || f.type === "multiple_choice") && !(f.options ?? []).length)
      errors[`fields/${i}/options`] = "must list at least one choice";
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      errors[`fields/${i}/max`] = "must not be below the minimum";
  });
  return Object.keys(errors).length ? errors : null;
}

/** An answer as a line of text: the copy, the company property, a request's extra field. */
export function answerText(f: FormField, v: Answers[string] | undefined): string {
  if (v === undefined || v === null) return "";
  if (f.type === "checkbox") return v === true ? "Yes" : "No";
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object") return v.name;
  return String(v);
}
