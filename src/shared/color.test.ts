import assert from "node:assert/strict";
import { test } from "node:test";
import { contrastRatio, readableOn, readablePair } from "./color.ts";

test("contrast ratios match WCAG's reference values", () => {
  assert.equal(Math.round(contrastRatio("#000000", "#ffffff") * 10) / 10, 21);
  assert.equal(Math.round(contrastRatio("#777777", "#ffffff") * 100) / 100, 4.48);
});

test("text on any brand colour reads at 4.5:1 or better", () => {
  for (const brand of [
    "#2563eb",
    "#ffff00",
    "#ff6600",
    "#00ff00",
    "#777777",
    "#808080",
    "#ffffff",
    "#000000",
    "#12ab34",
    "#e11d48",
    "#7dd3fc",
  ]) {
    const { background, text } = readablePair(brand);
    assert.ok(contrastRatio(background, text) >= 4.5, `${brand} → ${background}/${text}`);
  }
  // A colour that already works is kept as it is.
  assert.deepEqual(readablePair("#2563eb"), { background: "#2563eb", text: "#ffffff" });
  assert.equal(readablePair("#ffff00").text, "#111111");
});

test("brand-coloured text on light and dark pages reaches 4.5:1", () => {
  for (const brand of ["#ffff00", "#2563eb", "#000080", "#7dd3fc"]) {
    for (const page of ["#ffffff", "#0f172a"]) {
      assert.ok(contrastRatio(readableOn(brand, page), page) >= 4.5, `${brand} on ${page}`);
    }
  }
});
