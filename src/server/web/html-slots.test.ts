import assert from "node:assert/strict";
import { test } from "node:test";
import { type Html, html, unsafeRaw } from "./html.ts";
import { HtmlSlots } from "./html-slots.ts";

const page = (v: { nonce: string; title: string; main: Html }) =>
  html`<style nonce="${v.nonce}"></style><h1 title="${v.title}">${v.title}</h1>${v.main}<p nonce="${v.nonce}"></p>`;

test("filled in, the markup is the one rendered with the values themselves", () => {
  const slots = HtmlSlots.render(["nonce", "title", "main"], (s) =>
    page({ nonce: s.nonce, title: s.title, main: unsafeRaw(s.main) }),
  );
  const values = [
    { nonce: "abc+/=", title: `<script>"it's" & more</script>`, main: html`<b>${"a < b"}</b>` },
    { nonce: "", title: "", main: html`` },
    { nonce: "n2", title: "plain", main: unsafeRaw("<i>raw</i>") },
  ];
  for (const v of values) assert.equal(slots.fill(v).value, page(v).value);
  // The same markup again and again: nothing of one answer stays in the next.
  assert.equal(
    slots.fill(values[2] as (typeof values)[2]).value,
    page(values[2] as (typeof values)[2]).value,
  );
});

test("a stand-in the rendering changed or left out is refused at once", () => {
  assert.throws(() => HtmlSlots.render(["a", "b"], (s) => html`<p>${s.a}</p>`), /left out b/);
  assert.throws(
    () => HtmlSlots.render(["a"], (s) => html`<p>${s.a.slice(0, 20)}</p>`),
    /changed or left out/,
  );
  assert.throws(
    () => HtmlSlots.render(["a"], (s) => html`<p>${s.a}${s.a.toUpperCase()}</p>`),
    /changed or left out/,
  );
});
