import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";

// The JSON parser of every route. JSON.parse keeps the last of two equal keys, so
// {"email":"a","email":"b"} would read as one thing to us and another to anything in front of us
// that keeps the first: such a body is refused, naming the key. Prototype keys are refused as
// Fastify's own parser does (__proto__, or constructor.prototype). The body limit is Fastify's.

const invalid = () => new AppError(400, "invalid_json", "The body is not valid JSON.");

// The end of every key ("name" then `:`). Strings that contain `":` count too, so this only ever
// over-counts: when it finds no more than the parsed objects hold, no key was repeated.
const KEY_END = /"[ \t\n\r]*:/g;

/** Parses a request's JSON text; a repeated key or a prototype key is an AppError. */
export function parseJsonBody(raw: string): unknown {
  if (raw.length === 0) throw new AppError(400, "invalid_json", "The body is empty.");
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (value === null || typeof value !== "object") return value;
  const keys = countKeys(value);
  if (keys === text.match(KEY_END)?.length) return value;
  const repeated = firstRepeatedKey(text);
  if (repeated !== null) {
    const name = repeated.length > 100 ? `${repeated.slice(0, 99)}…` : repeated;
    throw new AppError(400, "invalid_json", `The key "${name}" appears more than once.`, {
      fields: { [name]: "appears more than once" },
    });
  }
  return value;
}

/** The number of keys in every object of the value; throws on a prototype key. No recursion. */
function countKeys(root: object): number {
  let count = 0;
  const todo: unknown[] = [root];
  while (todo.length) {
    const node = todo.pop();
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === "object") todo.push(item);
      continue;
    }
    const own = node as Record<string, unknown>;
    if (Object.hasOwn(own, "__proto__")) throw invalid();
    const ctor = own.constructor;
    if (Object.hasOwn(own, "constructor") && ctor !== null && typeof ctor === "object") {
      if (Object.hasOwn(ctor, "prototype")) throw invalid();
    }
    const keys = Object.keys(own);
    count += keys.length;
    for (const key of keys) {
      const item = own[key];
      if (item !== null && typeof item === "object") todo.push(item);
    }
  }
  return count;
}

interface Level {
  /** The keys seen so far in an object; null for an array. */
  keys: Set<string> | null;
  /** The current key, or the index in an array: the path to a nested repeat. */
  at: string | number;
  expectKey: boolean;
}

/**
 * The path ("contact.email", "items.0.name") of the first key repeated within one object, or
 * null. Walks text JSON.parse has accepted, so it only tells strings from structure.
 */
export function firstRepeatedKey(text: string): string | null {
  const levels: Level[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = closingQuote(text, i);
      const top = levels[levels.length - 1];
      if (top?.keys && top.expectKey) {
        const quoted = text.slice(i, end + 1);
        const key = quoted.includes("\\") ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
        if (top.keys.has(key)) return [...levels.slice(0, -1).map((l) => l.at), key].join(".");
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      levels.push({ keys: new Set(), at: "", expectKey: true });
    } else if (c === 0x5b) {
      levels.push({ keys: null, at: 0, expectKey: false });
    } else if (c === 0x7d || c === 0x5d) {
      levels.pop();
    } else if (c === 0x2c) {
      const top = levels[levels.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
    }
  }
  return null;
}

/** The index of the quote that ends the string opening at `open` (one not escaped). */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return q;
    from = q + 1;
  }
}

/** The content-type parser of application/json (buildApp puts it in place of Fastify's own). */
export function jsonBodyParser(
  _req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  try {
    done(null, parseJsonBody(typeof body === "string" ? body : body.toString("utf8")));
  } catch (err) {
    done(err as Error);
  }
}
