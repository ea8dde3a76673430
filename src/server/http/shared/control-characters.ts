import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { type FieldErrors, validationFailed } from "../../errors.ts";

// Control characters in what a request names: every path parameter and query string value (and
// key) of every route, and every field of a page's form. A NUL would reach the database (which
// PostgreSQL refuses as text, a 500), an escape sequence a log or a terminal. JSON bodies are
// checked by their schemas (lib/schema.ts: Line, Text, …), which name the field the same way.

export const CONTROL_CHARACTERS_MESSAGE = "must not contain control characters";

// In a path or a query: no C0 control, no DEL. In a form's field: tab and line breaks may stand
// in a textarea's text; what a field allows beyond that is its schema's to say.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const IN_ADDRESS = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const IN_FORM = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a field's name is shown without them
const ANY_CONTROL = /[\u0000-\u001f\u007f]/g;

function refusedFields(values: unknown, rule: RegExp, out: FieldErrors): void {
  if (values === null || typeof values !== "object") return;
  for (const [key, value] of Object.entries(values)) {
    const bad =
      rule.test(key) ||
      (typeof value === "string"
        ? rule.test(value)
        : Array.isArray(value) && value.some((v) => typeof v === "string" && rule.test(v)));
    if (bad) out[key.replace(ANY_CONTROL, "\uFFFD")] = CONTROL_CHARACTERS_MESSAGE;
  }
}

const answer = (fields: FieldErrors, done: HookHandlerDoneFunction) => {
  if (Object.keys(fields).length) done(validationFailed(fields));
  else done();
};

/** onRequest, for every route: the decoded path parameters and query string. */
export function refuseControlsInAddress(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const fields: FieldErrors = {};
  refusedFields(req.params, IN_ADDRESS, fields);
  refusedFields(req.query, IN_ADDRESS, fields);
  answer(fields, done);
}

/** preValidation, for the page trees (page-tree.ts): the fields of a posted form. */
export function refuseControlsInForm(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const fields: FieldErrors = {};
  if (/^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) {
    refusedFields(req.body, IN_FORM, fields);
  }
  answer(fields, done);
}
