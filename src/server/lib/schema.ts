import { type TSchema, Type } from "typebox";

// Building blocks of schemas (TypeBox): the domain modules declare their bodies and answers with
// them once, and that one declaration validates the request, types the handler and documents
// the route in OpenAPI.

// No C0 controls (beyond tab and line breaks in multi-line text), no DEL, no NUL; at least one
// visible character. ajv counts maxLength in code points, as the pages do.
const LINE_CHAR = "[^\\u0000-\\u001F\\u007F]";
const TEXT_CHAR = "[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]";
const VISIBLE = "[^\\s\\u0000-\\u001F\\u007F]";
// The leading run can only hold non-visible characters, so the first visible one ends it:
// matching stays linear in the length (no backtracking blow-up on 20,000 spaces).
const SINGLE_LINE = `^(?:(?!${VISIBLE})${LINE_CHAR})*${VISIBLE}${LINE_CHAR}*$`;
const MULTI_LINE_ANY = `^${TEXT_CHAR}*$`;
const MULTI_LINE = `^(?:(?!${VISIBLE})${TEXT_CHAR})*${VISIBLE}${TEXT_CHAR}*$`;

/** Required single-line text: a name, a subject. */
export const Line = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: SINGLE_LINE,
    "x-error": "must not be blank or contain control characters",
    ...(description ? { description } : {}),
  });

/** Multi-line text that may be empty: a description. */
export const OptionalText = (maxLength: number, description?: string) =>
  Type.String({
    maxLength,
    pattern: MULTI_LINE_ANY,
    "x-error": "must not contain control characters",
    ...(description ? { description } : {}),
  });

/** Multi-line text with something in it: a reply, a note. */
export const Text = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: MULTI_LINE,
    "x-error": "must not be blank or contain control characters",
    ...(description ? { description } : {}),
  });

/** An id or key a client sends back as it was given (a UUID, an upload key): printable ASCII, no spaces. */
export const Key = (maxLength: number, opts: { minLength?: number; description?: string } = {}) =>
  Type.String({
    ...(opts.minLength ? { minLength: opts.minLength } : {}),
    maxLength,
    pattern: "^[!-~]*$",
    "x-error": "must not contain spaces or control characters",
    ...(opts.description ? { description: opts.description } : {}),
  });

/** A password as typed: any characters but controls, kept as they are (not trimmed). */
export const Password = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: `^${LINE_CHAR}*$`,
    "x-error": "must not contain control characters",
    ...(description ? { description } : {}),
  });

export const Email = () => Type.String({ format: "email", maxLength: 254, description: "An email address" });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const StrictObject = <P extends Parameters<typeof Type.Object>[0]>(props: P, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

/** One of a fixed list of strings, typed as their union. */
export const OneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: "string", enum: [...values], ...(description ? { description } : {}) });
