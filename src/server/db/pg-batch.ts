import { CompiledQuery } from "kysely";

// PostgreSQL: writes of a transaction sent together. A submission runs a dozen inserts whose
// results nobody reads (its event, search row, tracking token, emails, notifications, the
// Idempotency-Key's answer); one after another each costs a round trip, and on PostgreSQL every
// one after the ticket's number holds the workspace's number row locked for the next submission.
// A write marked batched is not sent when it is executed: it waits, and the transaction's next
// statement of any other kind, its commit or a savepoint first sends all that wait, as one
// statement: each write an entry of a WITH. A read that reads none of the tables they write
// (its text names none of them) is that statement's own query, so it costs no round trip of its
// own; the writes still waiting at the commit go with the COMMIT, in one simple query
// (withCommit). The driver (changes-dialect.ts) keeps the writes that wait.
//
// What this changes for the caller, and why only marked writes take part: a batched write's
// result is no rows and no count, and its error (a unique key taken, say) is thrown by whatever
// sends it: the next statement, or the commit, which rolls the transaction back. So only inserts
// whose failure fails their whole transaction anyway, and whose result nobody reads, are marked.
// The entries of one WITH see the same snapshot and not each other's rows, which inserts of
// different rows never need; a statement that reads what they wrote is sent after them.

const BATCHED = new WeakSet<CompiledQuery>();

/** Marks a compiled write (an insert that returns nothing) to be sent with the transaction's next statement. */
export function batched(query: CompiledQuery): CompiledQuery {
  BATCHED.add(query);
  return query;
}

export const isBatched = (query: CompiledQuery): boolean => BATCHED.has(query);

const PARAMETER = /\$(\d+)/g;
const QUOTED = /'(?:[^']|'')*'|"(?:[^"]|"")*"/g;
const LEADING_WITH = /^\s*with\s+/i;
/** The table a write names (a schema before it is skipped: the name alone is looked for). */
const WRITTEN_TABLE =
  /\b(?:insert\s+into|update|delete\s+from)\s+(?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/gi;
/** What a read carrying writes may be: a query (`explain` and `show` cannot follow a WITH). */
const QUERY = /^\s*(?:select|with|values|\()/i;
/**
 * The most parameters one merged statement takes: PostgreSQL's protocol counts them in 16 bits
 * (65,535); a transaction that queued more (an incident's emails to thousands of customers) is
 * sent in several statements.
 */
const MAX_PARAMETERS = 30_000;
/** The most parameters written in as literals with the COMMIT; more keep their own round trip. */
const MAX_INLINED = 2_000;

/**
 * Whether a statement can be sent inside another: every `$n` in it is a parameter (none inside a
 * quoted literal or name), so its parameters can be renumbered.
 */
export function batchable(sqlText: string): boolean {
  if (/^\s*with\s+recursive\b/i.test(sqlText)) return false;
  // Only quotes are understood: a comment, a dollar-quoted or an E'' string (which Kysely never
  // writes) could hide a `$n`, or end a literal written in at the COMMIT.
  if (/\be'/i.test(sqlText)) return false;
  const unquoted = sqlText.replace(QUOTED, "");
  if (/--|\/\*|\$(?:[a-z_][a-z0-9_]*)?\$/i.test(unquoted)) return false;
  return (sqlText.match(PARAMETER)?.length ?? 0) === (unquoted.match(PARAMETER)?.length ?? 0);
}

/**
 * Whether a write may wait to be sent with a later statement: an INSERT (its own WITH may hold
 * more inserts) that returns nothing and decides nothing on a conflict. The entries of one WITH
 * do not see each other's rows and run in no set order, so an UPDATE, a DELETE or an upsert held
 * there could act on what it did not see, or in another order than it was asked.
 */
export function holdable(sqlText: string): boolean {
  if (!batchable(sqlText)) return false;
  const s = splitOf(sqlText);
  if (!s || !/^insert\s+into\b/i.test(s.body)) return false;
  if (s.entries.some((e) => /\b(?:update|delete)\b|\bon\s+conflict\b/i.test(e.replace(QUOTED, ""))))
    return false;
  return !/\b(?:returning|on\s+conflict)\b/i.test(s.body.replace(QUOTED, ""));
}

function renumbered(sqlText: string, offset: number): string {
  return offset === 0 ? sqlText : sqlText.replace(PARAMETER, (_, n: string) => `$${Number(n) + offset}`);
}

interface Split {
  /** The statement's own WITH entries (`name as (…)`), and their names. */
  entries: string[];
  names: string[];
  /** The statement after its WITH. */
  body: string;
}

/** Where the parenthesis opened at `open` closes, quoted text skipped; -1 if it does not. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return -1;
}

const ENTRY_HEAD = /^\s*("?[a-z_][a-z0-9_]*"?)\s+as\s+(?:(?:not\s+)?materialized\s+)?\(/i;

/** A statement's WITH entries and the statement after them (null: a WITH this cannot read). */
function split(sqlText: string): Split | null {
  const lead = LEADING_WITH.exec(sqlText);
  if (!lead) return { entries: [], names: [], body: sqlText };
  const entries: string[] = [];
  const names: string[] = [];
  let at = lead[0].length;
  for (;;) {
    const head = ENTRY_HEAD.exec(sqlText.slice(at));
    if (!head) return null;
    const open = at + head[0].length - 1;
    const close = closing(sqlText, open);
    if (close < 0) return null;
    entries.push(sqlText.slice(at, close + 1).trim());
    names.push((head[1] as string).replaceAll('"', "").toLowerCase());
    at = close + 1;
    const comma = /^\s*,/.exec(sqlText.slice(at));
    if (!comma) break;
    at += comma[0].length;
  }
  return { entries, names, body: sqlText.slice(at).trim() };
}

// A transaction's statements are the same few texts over and over (a submission's every time):
// what is worked out from a text, or from a sequence of them, is kept by text, at most KEPT_MAX
// of each (past it the kept ones are dropped and worked out again).
const KEPT_MAX = 500;
const KEPT_KEY_MAX = 64 * 1024;
function kept<V>(map: Map<string, V>, key: string, make: () => V): V {
  if (map.has(key)) return map.get(key) as V;
  const value = make();
  // A rare long text (an incident's thousands of emails in one insert) is worked out, not kept.
  if (key.length > KEPT_KEY_MAX) return value;
  if (map.size >= KEPT_MAX) map.clear();
  map.set(key, value);
  return value;
}
const SPLITS = new Map<string, Split | null>();
const splitOf = (sqlText: string) => kept(SPLITS, sqlText, () => split(sqlText));
const COMBINED = new Map<string, string | null>();

/**
 * `parts` (batched writes) as WITH entries of `outer`, in one statement; null when they cannot
 * share one (an entry's name twice, a WITH not understood). Its text depends on theirs only.
 */
function combine(parts: readonly CompiledQuery[], outer: CompiledQuery): CompiledQuery | null {
  if (parts.length === 0) return outer;
  const all = [...parts, outer];
  const key = all.map((q) => `${q.parameters.length}:${q.sql}`).join("\u0001");
  const text = kept(COMBINED, key, () => combinedText(parts, outer));
  return text === null
    ? null
    : CompiledQuery.raw(
        text,
        all.flatMap((q) => q.parameters),
      );
}

function combinedText(parts: readonly CompiledQuery[], outer: CompiledQuery): string | null {
  let offset = 0;
  const entries: string[] = [];
  const names = new Set<string>();
  /** A statement's own entries, renumbered after those before it, and its body, renumbered. */
  const take = (q: CompiledQuery): string | null => {
    const s = splitOf(q.sql);
    if (!s || s.names.some((n) => names.has(n))) return null;
    for (const n of s.names) names.add(n);
    for (const e of s.entries) entries.push(renumbered(e, offset));
    const body = renumbered(s.body, offset);
    offset += q.parameters.length;
    return body;
  };
  for (const [i, part] of parts.entries()) {
    const body = take(part);
    const name = `portico_batch_${i}`;
    if (body === null || names.has(name)) return null;
    names.add(name);
    entries.push(`"${name}" as (${body})`);
  }
  const last = take(outer);
  return last === null ? null : `with ${entries.join(", ")} ${last}`;
}

/**
 * The statements that send `writes`, in order: one when they can share it. A write that reads a
 * table an earlier one of its group writes (an `insert … select`) starts a group of its own, so
 * that it sees those rows.
 */
export function mergeWrites(writes: readonly CompiledQuery[]): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  let group: CompiledQuery[] = [];
  let names = new Set<string>();
  let written = new Set<string>();
  let parameters = 0;
  const send = () => {
    if (group.length > 0) {
      const one = combine(group.slice(0, -1), group.at(-1) as CompiledQuery);
      out.push(...(one ? [one] : group));
    }
    group = [];
    names = new Set();
    written = new Set();
    parameters = 0;
  };
  for (const w of writes) {
    const own = splitOf(w.sql)?.names;
    if (!own) {
      send();
      out.push(w);
      continue;
    }
    if (
      own.some((n) => names.has(n)) ||
      parameters + w.parameters.length > MAX_PARAMETERS ||
      readsAnyOf(w.sql, written)
    ) {
      send();
    }
    group.push(w);
    parameters += w.parameters.length;
    for (const n of own) names.add(n);
    for (const t of writtenTables(w.sql)) written.add(t);
  }
  send();
  return out;
}

const WRITTEN = new Map<string, string[]>();
/** The tables a statement writes, by name. */
const writtenTables = (sqlText: string) =>
  kept(WRITTEN, sqlText, () =>
    [...sqlText.matchAll(WRITTEN_TABLE)].map((m) => (m[1] as string).toLowerCase()),
  );

const READ_TEXTS = new Map<string, string>();
/** A write's text without the names of the tables it writes: what it reads. */
const readText = (sqlText: string) => kept(READ_TEXTS, sqlText, () => sqlText.replace(WRITTEN_TABLE, ""));
/** Whether a write's text names one of `tables` other than as its own target. */
function readsAnyOf(sqlText: string, tables: ReadonlySet<string>): boolean {
  if (tables.size === 0) return false;
  const text = readText(sqlText);
  for (const table of tables) if (mentions(table).test(text)) return true;
  return false;
}

const MENTIONS = new Map<string, RegExp>();
const mentions = (table: string) => {
  let re = MENTIONS.get(table);
  if (!re) {
    re = new RegExp(`\\b${table}\\b`, "i");
    MENTIONS.set(table, re);
  }
  return re;
};

/**
 * `read` with `writes` as its WITH entries, when it reads none of the tables they write (its text
 * names none of them) and the two can share a statement; else null, and the writes go first.
 */
export function withWrites(writes: readonly CompiledQuery[], read: CompiledQuery): CompiledQuery | null {
  if (!QUERY.test(read.sql) || !batchable(read.sql)) return null;
  let parameters = read.parameters.length;
  for (const w of writes) parameters += w.parameters.length;
  if (parameters > MAX_PARAMETERS) return null;
  const written = new Set<string>();
  for (const w of writes) {
    const tables = writtenTables(w.sql);
    // A write whose table is not read off its text: nothing can be said of what the read sees.
    if (tables.length === 0) return null;
    // One that reads what an earlier one writes goes after it (mergeWrites), not beside it.
    if (readsAnyOf(w.sql, written)) return null;
    for (const table of tables) written.add(table);
  }
  for (const table of written) if (mentions(table).test(read.sql)) return null;
  return combine(writes, read);
}

/** A value as a SQL literal, as `pg` sends it as a parameter (text); undefined for what it sends otherwise. */
function literal(value: unknown): string | undefined {
  if (value === null || value === undefined) return "NULL";
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (typeof value === "boolean") text = value ? "true" : "false";
  else return undefined;
  // As pg's escapeLiteral: quotes doubled; with a backslash, doubled too and the E'' form.
  const quoted = text.replaceAll("'", "''");
  return text.includes("\\") ? ` E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/**
 * `write` and the COMMIT as one simple query (its parameters written in as literals, which is how
 * PostgreSQL reads an untyped parameter anyway): the commit costs no round trip of its own. Null
 * when a parameter is not plain text, a number, a boolean or null, or there are many of them.
 */
export function withCommit(write: CompiledQuery): CompiledQuery | null {
  if (write.parameters.length > MAX_INLINED) return null;
  const values: string[] = [];
  for (const p of write.parameters) {
    const v = literal(p);
    if (v === undefined) return null;
    values.push(v);
  }
  const text = write.sql.replace(PARAMETER, (_, n: string) => values[Number(n) - 1] as string);
  return CompiledQuery.raw(`${text};\ncommit`);
}
