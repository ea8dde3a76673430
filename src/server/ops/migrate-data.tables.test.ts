import assert from "node:assert/strict";
import { test } from "node:test";
import { canonical, toPg } from "./migrate-data.tables.ts";

// The value rules of `portico migrate-data`: how a SQLite value is written to PostgreSQL, and the
// form both sides are compared in. Pure; runs in both passes.

const TS = "timestamp with time zone";

test("SQLite values become PostgreSQL's: 0/1 flags booleans, the rest as stored", () => {
  assert.equal(toPg(1, "boolean"), true);
  assert.equal(toPg(0, "boolean"), false);
  assert.equal(toPg(null, "boolean"), null);
  assert.equal(toPg("2026-12-06T11:45:50.123Z", TS), "2026-12-06T11:45:50.123Z");
  assert.equal(toPg(9007199254740993n, "bigint"), "9007199254740993");
  assert.deepEqual(toPg(new Uint8Array([1, 2]), "bytea"), Buffer.from([1, 2]));
  assert.equal(toPg('["a","b"]', "text"), '["a","b"]');
});

test("both sides compare in one form: instants to the millisecond in UTC, flags as t/f, null apart", () => {
  // What SQLite keeps (the app's ISO strings) and what PostgreSQL answers (the same instant).
  assert.equal(canonical("2026-12-06T11:45:50.123Z", TS), canonical("2026-12-06T12:45:50.123+01:00", TS));
  // Written without a zone: UTC, as PostgreSQL is told during the move.
  assert.equal(canonical("2026-12-06 11:45:50", TS), "2026-12-06T11:45:50.000Z");
  assert.equal(canonical("not a date", TS), "invalid:not a date");
  assert.equal(canonical(1, "boolean"), canonical(true, "boolean"));
  assert.notEqual(canonical(0, "boolean"), canonical(true, "boolean"));
  assert.equal(canonical(42, "integer"), canonical("42", "integer"));
  assert.equal(canonical(null, "text"), null);
  assert.notEqual(canonical("", "text"), canonical(null, "text"));
});
