import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "./ids.ts";

test("ids are UUIDv7, distinct, and sort in the order they were made", () => {
  const ids = Array.from({ length: 20_000 }, newId);
  for (const id of ids.slice(0, 50)) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(new Set(ids).size, ids.length);
  const sorted = [...ids].sort();
  assert.deepEqual(sorted, ids);
  // The time part is now, in milliseconds.
  const ms = Number.parseInt((ids.at(-1) as string).replaceAll("-", "").slice(0, 12), 16);
  assert.ok(Math.abs(ms - Date.now()) < 60_000);
});
