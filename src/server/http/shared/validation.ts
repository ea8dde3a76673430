import SerializerSelector from "@fastify/fast-json-stringify-compiler";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";
import type { FieldErrors } from "../../errors.ts";

// Bodies are validated strictly: no coercion ("5" is not 5), unknown fields refused rather than
// dropped. Query strings and params arrive as text, so there types are coerced.

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? "array" : false,
    removeAdditional: false,
    useDefaults: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
  });
  addFormats.default(ajv, ["email", "uri", "date-time", "uuid"]);
  ajv.addKeyword({ keyword: "x-error", schemaType: "string" });
  // Used by the OpenAPI document only.
  for (const k of ["example", "xml", "externalDocs"]) ajv.addKeyword(k);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

type AnyFn = (...args: never[]) => unknown;

/**
 * Compiled checks and serializers made on first use, not when their route is registered: the
 * app starts without compiling the few hundred schemas of routes a process may never serve,
 * which costs time at every start and memory for as long as it runs. `compileAll` makes every
 * pending one, so a test can still prove every route's schemas compile.
 */
export interface LazyCompilers {
  /** A function that makes `make()` on its first call and then behaves as it, copying `carry`. */
  later<F extends AnyFn>(make: () => F, carry?: readonly string[]): F;
  compileAll(): number;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The app's lazily compiled route schemas (app.ts). */
    schemaCompilers: LazyCompilers;
  }
}

export function lazyCompilers(): LazyCompilers {
  const pending = new Set<() => unknown>();
  return {
    later<F extends AnyFn>(make: () => F, carry: readonly string[] = []): F {
      let made: F | undefined;
      const get = (): F => {
        if (!made) {
          made = make();
          pending.delete(get);
        }
        return made;
      };
      pending.add(get);
      const lazy = (...args: never[]) => {
        const fn = get();
        const out = fn(...args);
        for (const key of carry)
          (lazy as unknown as Record<string, unknown>)[key] = (fn as unknown as Record<string, unknown>)[key];
        return out;
      };
      return lazy as unknown as F;
    },
    compileAll() {
      const all = [...pending];
      for (const get of all) get();
      return all.length;
    },
  };
}

/** Fastify's serializer factory (fast-json-stringify), each response schema compiled when first used. */
export function serializerFactory(lazy: LazyCompilers) {
  const build = SerializerSelector();
  return (externalSchemas: unknown, options: unknown) => {
    const compile = build(externalSchemas as never, options as never);
    return (route: Parameters<typeof compile>[0]) => lazy.later(() => compile(route));
  };
}

/** Fastify's validator compiler, each route part's check compiled when first used. */
export function validatorCompiler(lazy: LazyCompilers): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    const make = () =>
      (httpPart === "body" ? bodyAjv : textAjv).compile(schema as object) as ValidateFunction;
    // Fastify reads `errors` off the function it called, and passes the parent data along (for
    // ajv's coercion and defaults at the root) only to a function that has `schemaEnv`.
    return Object.assign(lazy.later(make, ["errors"]), { schemaEnv: true }) as never;
  };
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (e.keyword === "required")
    return base ? `${base}.${e.params.missingProperty}` : String(e.params.missingProperty);
  if (e.keyword === "additionalProperties") {
    return base ? `${base}.${e.params.additionalProperty}` : String(e.params.additionalProperty);
  }
  return base || "body";
}

function messageOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not a known field";
    case "type":
      return `must be ${p.type === "integer" ? "a whole number" : `a ${String(p.type)}`}`;
    case "maxLength":
      return `must be at most ${p.limit} characters`;
    case "minLength":
      return p.limit === 1 ? "must not be empty" : `must be at least ${p.limit} characters`;
    case "pattern":
      return (
        ((e.parentSchema as Record<string, unknown> | undefined)?.["x-error"] as string) ??
        "is not in the expected form"
      );
    case "format":
      return p.format === "email" ? "must be a valid email address" : `must be a valid ${String(p.format)}`;
    case "enum":
      return `must be one of: ${(p.allowedValues as unknown[]).join(", ")}`;
    case "const":
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case "minimum":
    case "maximum":
      return `must be ${e.keyword === "minimum" ? "at least" : "at most"} ${p.limit}`;
    case "maxItems":
      return `must have at most ${p.limit} items`;
    default:
      return "is not valid";
  }
}

/**
 * ajv's errors as { field: message }, the first message per field; anyOf noise collapsed. With
 * `nullableAsValue`, a value refused by a nullable field (a union with null) is explained by the
 * value's own rule ("must be a colour like …"), as a form shows it, rather than "is not valid".
 */
export function fieldErrors(errors: ErrorObject[], opts: { nullableAsValue?: boolean } = {}): FieldErrors {
  const out: FieldErrors = {};
  const unions = errors.filter((e) => e.keyword === "anyOf");
  const unionPaths = new Set(unions.map((e) => e.instancePath));
  const nullablePaths = new Set(
    unions
      .filter((e) => (e.schema as Array<{ type?: unknown }>).some((b) => b.type === "null"))
      .map((e) => e.instancePath),
  );
  for (const e of errors) {
    const field = fieldOf(e);
    if (opts.nullableAsValue && nullablePaths.has(e.instancePath) && e.keyword !== "anyOf") {
      const wasNull = e.keyword === "type" && (e.params as { type?: unknown }).type === "null";
      if (!wasNull) {
        out[field] ??= messageOf(e);
        continue;
      }
    }
    if (e.keyword !== "anyOf" && unionPaths.has(e.instancePath)) {
      // A value that matched no branch of a union: say what the branches accept.
      const anyOf = errors.find((x) => x.keyword === "anyOf" && x.instancePath === e.instancePath);
      const branches = ((anyOf?.schema as Array<{ const?: unknown }>) ?? [])
        .map((b) => b.const)
        .filter((v) => v !== undefined);
      out[field] ??= branches.length ? `must be one of: ${branches.join(", ")}` : "is not valid";
      continue;
    }
    if (e.keyword === "anyOf") continue;
    out[field] ??= messageOf(e);
  }
  return out;
}

const compiled = new WeakMap<object, ValidateFunction>();

function compiledBody(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = bodyAjv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates data (an HTML form's fields) against a route's body schema: null when it passes. */
export function validateBody(schema: object, data: unknown): FieldErrors | null {
  const fn = compiledBody(schema);
  return fn(data) ? null : fieldErrors(fn.errors ?? []);
}

/**
 * The check of an HTML form by the JSON route's own body schema, compiled once, with the same
 * strict rules. Form values are strings: the page converts them to the body's types first.
 * `words` gives a field's message in the page's own terms where the page has always said it so.
 */
export function formValidator(
  schema: object,
  words: Record<string, string> = {},
): (data: unknown) => FieldErrors | null {
  const fn = compiledBody(schema);
  return (data) => {
    if (fn(data)) return null;
    const errors = fieldErrors(fn.errors ?? [], { nullableAsValue: true });
    for (const field of Object.keys(errors)) {
      const said = words[field];
      if (said) errors[field] = said;
    }
    return errors;
  };
}
