import assert from "node:assert/strict";
import { test } from "node:test";
import { sameRow } from "./same-row.ts";

test("tells rows with the same values from rows with others", () => {
  assert.ok(sameRow({ a: "x", b: 1, c: null, d: true }, { a: "x", b: 1, c: null, d: true }));
  assert.ok(sameRow({ j: { k: [1, "2"] }, at: new Date(0) }, { j: { k: [1, "2"] }, at: new Date(0) }));
  assert.ok(!sameRow({ a: "x" }, { a: "y" }));
  assert.ok(!sameRow({ a: "x" }, { a: "x", b: null }));
  assert.ok(!sameRow({ a: "x", b: null }, { a: "x", c: null }));
  assert.ok(!sameRow({ a: null }, { a: {} }));
  assert.ok(!sameRow({ a: 1 }, { a: "1" }));
  assert.ok(!sameRow({ j: { k: 1 } }, { j: { k: 2 } }));
  assert.ok(!sameRow({ a: 1 }, undefined));
  assert.ok(sameRow(undefined, undefined));
});
