import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CUSTOM_CSS_MAX_BYTES, sanitizeCustomCss } from "./css-sanitize.ts";

const ok = (input: string): string => {
  const r = sanitizeCustomCss(input);
  assert.ok(r.ok, `expected ${JSON.stringify(input)} to pass, got ${r.ok ? "" : r.message}`);
  return r.css;
};
const refused = (input: string) => {
  const r = sanitizeCustomCss(input);
  assert.ok(!r.ok, `expected ${JSON.stringify(input)} to be refused, got ${r.ok ? r.css : ""}`);
  return r;
};

describe("custom CSS sanitiser", () => {
  it("refuses nesting deep enough to exhaust the stack, naming it, instead of failing", () => {
    const deep = `${":is(".repeat(500)}a${")".repeat(500)}{color:red}`;
    const r = refused(deep);
    assert.ok(!r.ok && /nested too deeply|could not be read/.test(r.message), r.ok ? "" : r.message);
  });

  it("keeps ordinary rules, written out from the parsed tree and scoped to the portal", () => {
    assert.equal(
      ok(".card { border-radius: 12px; color: rgb(10 20 30) }\na:hover{text-decoration:underline}"),
      ".portico-portal .card{border-radius:12px;color:rgb(10 20 30)}.portico-portal a:hover{text-decoration:underline}",
    );
    assert.equal(ok(""), "");
    assert.equal(ok("  \n "), "");
  });

  it("rewrites html, body and :root onto the scope instead of escaping it", () => {
    assert.equal(ok("body { background: #fff }"), ".portico-portal{background:#fff}");
    assert.equal(ok("html{color:red}"), ".portico-portal{color:red}");
    assert.equal(ok(":root{--x:1px}"), ".portico-portal{--x:1px}");
    assert.equal(ok("html body p{color:red}"), ".portico-portal p{color:red}");
    assert.equal(ok("html > body > main{color:red}"), ".portico-portal>main{color:red}");
    assert.equal(ok("body.dark a{color:red}"), ".portico-portal.dark a{color:red}");
    assert.equal(ok("BODY{color:red}"), ".portico-portal{color:red}");
    assert.equal(ok("* { box-sizing: border-box }"), ".portico-portal *{box-sizing:border-box}");
    assert.equal(ok("a, body h1{color:red}"), ".portico-portal a,.portico-portal h1{color:red}");
    assert.equal(ok("> a{color:red}"), ".portico-portal>a{color:red}");
  });

  it("keeps @media and @supports, with the same rules inside", () => {
    assert.equal(
      ok("@media (prefers-color-scheme: dark) { body { color: white } }"),
      "@media (prefers-color-scheme:dark){.portico-portal{color:white}}",
    );
    assert.equal(
      ok("@supports (display: grid) { .a { display: grid } }"),
      "@supports (display:grid){.portico-portal .a{display:grid}}",
    );
    assert.match(
      refused("@media screen { a { background: url(https://evil.example/x.png) } }").message,
      /url/,
    );
    assert.match(refused("@media screen { @import 'x.css'; }").message, /@import/);
  });

  it("refuses @import in every spelling, with its line", () => {
    const r = refused('.a{color:red}\n@import "https://evil.example/x.css";');
    assert.equal(r.line, 2);
    assert.match(r.message, /@import/);
    refused("@import url(x.css);");
    refused("@IMPORT 'x.css';");
    refused('@\\69mport "x.css";');
    const escaped = refused('\\40 import "x.css"; .a{color:red}');
    assert.equal(escaped.line, 1);
  });

  it("refuses @charset, @namespace, @font-face and other at-rules", () => {
    refused('@charset "utf-8";');
    refused("@namespace svg url(http://www.w3.org/2000/svg);");
    refused("@font-face { font-family: x; src: url(https://evil.example/f.woff) }");
    refused("@font-face { font-family: x; src: local(Arial) }");
    refused("@page { margin: 0 }");
    refused("@layer x { a { color: red } }");
  });

  it("refuses url() in every form", () => {
    refused(".a{background:url(https://evil.example/track.gif)}");
    refused('.a{background:url("javascript:alert(1)")}');
    refused(".a{background:url(javascript:alert(1))}");
    refused(".a{background:URL(x.png)}");
    refused(".a{background:u\\rl(x.png)}");
    refused(".a{background:u\\72 l(x.png)}");
    refused(".a{background-image:image-set('x.png' 1x)}");
    refused(".a{--bg:url(https://evil.example/x.png)}");
    refused(".a{background:src(x.png)}");
    refused(".a{background:url(data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)}");
  });

  it("refuses expression(), behavior and -moz-binding", () => {
    assert.match(refused(".a{width:expression(alert(1))}").message, /expression/);
    refused(".a{width:EXPRESSION(alert(1))}");
    refused(".a{width:expr\\65ssion(alert(1))}");
    assert.match(refused(".a{behavior:url(x.htc)}").message, /behavior|url/);
    refused(".a{behavior:x}");
    refused(".a{-ms-behavior:x}");
    refused(".a{-moz-binding:x}");
    refused(".a{-moz-bind\\69ng:x}");
  });

  it("never lets the text close its <style> element", () => {
    const r = refused(".a{color:red}</style><script>alert(1)</script>");
    assert.match(r.message, /style/);
    refused("</STYLE ><script>alert(1)</script>");
    refused('.a::after{content:"</style><script>alert(1)</script>"}');
    refused(".a::after{content:'<'}");
    refused("<!-- .a{color:red} -->");
    const css = ok('.a::after{content:"→ more"}');
    assert.ok(!css.includes("<"));
  });

  it("drops comments and never echoes the input", () => {
    assert.equal(ok("/* hello */ .a { color: red /* inline */ }"), ".portico-portal .a{color:red}");
    assert.equal(ok("/* } body { x */ .a{color:red}"), ".portico-portal .a{color:red}");
  });

  it("refuses what it cannot read, with the line", () => {
    const r = refused(".a { color: red }\n\n.b { color: ; } }}}{{{");
    assert.ok(r.line >= 3, `line ${r.line}`);
    // An unclosed block closes at the end, as in browsers: the output is whole.
    assert.equal(ok(".a { color: red"), ".portico-portal .a{color:red}");
    refused("a { b { color: red } }");
    refused("a { :is(p) { color: red } }");
  });

  it("refuses escapes in selectors and names", () => {
    refused("\\62 ody{color:red}");
    refused(".a\\:b{color:red}");
  });

  it("refuses input over the size limit, with a clear message", () => {
    const big = `.a{color:red}\n`.repeat(Math.ceil(CUSTOM_CSS_MAX_BYTES / 14) + 10);
    const r = refused(big);
    assert.match(r.message, /too long/);
    ok(`.a{color:red}\n`.repeat(Math.floor(CUSTOM_CSS_MAX_BYTES / 14) - 10));
  });

  it("keeps useful values: variables, gradients, maths, !important", () => {
    assert.equal(
      ok(".a{--gap:4px;padding:calc(var(--gap) * 2) !important;background:linear-gradient(90deg,#fff,#000)}"),
      ".portico-portal .a{--gap:4px;padding:calc(var(--gap)*2)!important;background:linear-gradient(90deg,#fff,#000)}",
    );
    assert.equal(ok("li:nth-child(2n+1){color:red}"), ".portico-portal li:nth-child(2n+1){color:red}");
  });
});
