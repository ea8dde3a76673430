import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// Rooms one can hold in one's head: no source file under src/ past ~400 lines unless its first
// lines say why ("Longer than 400 lines: …"). The number is a nudge, not a law; the reason is
// what a newcomer reads before scrolling.

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LIMIT = 420;
const REASON = /longer than 400 lines[:,]/i;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|js|css)$/.test(e.name) ? [p] : [];
  });
}

test("no source file over ~400 lines without a reason at its top", () => {
  const long = files(SRC)
    .map((f) => ({ f, text: fs.readFileSync(f, "utf8") }))
    .filter(({ text }) => text.split("\n").length > LIMIT)
    .filter(({ text }) => !REASON.test(text.split("\n").slice(0, 30).join("\n")))
    .map(({ f, text }) => `${path.relative(SRC, f)} (${text.split("\n").length} lines)`);
  assert.deepEqual(long, [], "split these files by use case, or say at the top why they are longer");
});
