import { createRequire } from "node:module";
import type * as csstree from "css-tree";

// A workspace's custom CSS for its portal, made safe to send on every customer page: parsed
// with css-tree and written out again from the tree (the input itself is never echoed). What
// could load something, run something or reach outside the portal is refused with the line it
// is on, so the admin sees what to change: @import and every at-rule but @media and @supports,
// url() and any function not on a short list of harmless ones (colours, maths, gradients,
// transforms, filters), behavior/-moz-binding, escapes in names, and anything the parser could
// not read. Every selector is scoped to the portal's <body class="portico-portal">; one that
// names html, body or :root is rewritten onto that class.

// css-tree (about 120 modules) loads on the first sanitising, when an admin saves custom CSS: the
// pages that only need the two names below never load it.
const require = createRequire(import.meta.url);
let csstreeModule: typeof csstree | undefined;
const tree = (): typeof csstree => {
  csstreeModule ??= require("css-tree") as typeof csstree;
  return csstreeModule;
};

export const CUSTOM_CSS_MAX_BYTES = 20 * 1024;
export const PORTAL_SCOPE_CLASS = "portico-portal";

export type CssResult = { ok: true; css: string } | { ok: false; line: number; message: string };

const AT_RULES = new Set(["media", "supports"]);
const BANNED_PROPERTIES = new Set(["behavior", "-ms-behavior", "-moz-binding", "binding"]);
const FUNCTIONS = new Set([
  ...["rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix"],
  ...["calc", "min", "max", "clamp", "var", "env", "minmax", "repeat", "fit-content"],
  ...["linear-gradient", "radial-gradient", "conic-gradient"],
  ...["repeating-linear-gradient", "repeating-radial-gradient", "repeating-conic-gradient"],
  ...["translate", "translatex", "translatey", "translate3d", "rotate", "rotatex", "rotatey", "rotatez"],
  ...["scale", "scalex", "scaley", "skew", "skewx", "skewy", "matrix", "perspective"],
  ...["cubic-bezier", "steps", "blur", "brightness", "contrast", "drop-shadow", "grayscale"],
  ...["hue-rotate", "invert", "opacity", "saturate", "sepia"],
  // selectors' own functions
  ...["not", "is", "where", "has", "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"],
  ...["lang", "dir"],
]);

class Refused extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

const lineOf = (node: csstree.CssNode | null | undefined, fallback = 1) => node?.loc?.start.line ?? fallback;

/** A name as the browser reads it: escapes refused (a\72 l, u\rl), lower case. */
function plainName(raw: string, node: csstree.CssNode, what: string): string {
  if (raw.includes("\\")) throw new Refused(lineOf(node), `${what} with an escape (\\) are not allowed`);
  return raw.toLowerCase();
}

function checkValueNode(node: csstree.CssNode, line: number): void {
  tree().walk(node, (n) => {
    const at = lineOf(n, line);
    switch (n.type) {
      case "Url":
        throw new Refused(at, "url() is not allowed: upload images under Logo and icon instead");
      case "Function": {
        const name = plainName(n.name, n, "functions");
        if (name === "expression") throw new Refused(at, "expression() is not allowed");
        if (!FUNCTIONS.has(name)) throw new Refused(at, `${name}() is not allowed`);
        return;
      }
      case "Raw":
        throw new Refused(at, "this value could not be read");
      case "Identifier":
        plainName(n.name, n, "names");
        return;
      case "String":
        // A string in a value (content: "…") is fine, but never markup that ends the <style>.
        if (/[<>\\]/.test(n.value)) throw new Refused(at, "text in quotes may not contain < > or \\");
        return;
      default:
        return;
    }
  });
}

function checkDeclaration(d: csstree.Declaration): void {
  const line = lineOf(d);
  const property = plainName(d.property, d, "properties");
  const base = property.replace(/^-[a-z]+-/, "");
  if (BANNED_PROPERTIES.has(property) || BANNED_PROPERTIES.has(base)) {
    throw new Refused(line, `${property} is not allowed`);
  }
  if (d.value.type === "Raw") {
    // A custom property's value is kept raw by the parser: read it as a value and check it too.
    if (!property.startsWith("--")) throw new Refused(line, "this value could not be read");
    let parsed: csstree.CssNode;
    let problem = false;
    try {
      parsed = tree().parse(d.value.value, {
        context: "value",
        onParseError: () => {
          problem = true;
        },
      });
    } catch {
      throw new Refused(line, "this value could not be read");
    }
    if (problem) throw new Refused(line, "this value could not be read");
    checkValueNode(parsed, line);
    d.value = parsed as csstree.Value;
    return;
  }
  checkValueNode(d.value, line);
}

function checkBlockOfDeclarations(block: csstree.Block): void {
  block.children.forEach((child) => {
    if (child.type !== "Declaration") {
      throw new Refused(lineOf(child), "rules inside rules are not allowed; write each rule on its own");
    }
    checkDeclaration(child);
  });
}

const scope = (): csstree.ClassSelector => ({ type: "ClassSelector", name: PORTAL_SCOPE_CLASS });
const descendant = (): csstree.Combinator => ({ type: "Combinator", name: " " });

/** html, body and :root stand for the portal itself. */
function isDocumentRoot(n: csstree.CssNode): boolean {
  if (n.type === "TypeSelector") return ["html", "body"].includes(n.name.toLowerCase());
  if (n.type === "PseudoClassSelector") return n.name.toLowerCase() === "root";
  return false;
}

/** One selector made to apply only inside the portal. */
function scopeSelector(sel: csstree.Selector): void {
  const nodes = sel.children.toArray();
  // Selector names are checked for escapes and for functions of selectors only.
  for (const n of nodes) {
    tree().walk(n, (inner) => {
      if ("name" in inner && typeof inner.name === "string") {
        if (inner.type === "PseudoClassSelector" || inner.type === "PseudoElementSelector") {
          plainName(inner.name, inner, "selectors");
        } else if (inner.name.includes("\\")) {
          throw new Refused(lineOf(inner), "selectors with an escape (\\) are not allowed");
        }
      }
      if (inner.type === "Raw") throw new Refused(lineOf(inner), "this selector could not be read");
      if (inner.type === "String" && /[<>\\]/.test(inner.value)) {
        throw new Refused(lineOf(inner), "text in quotes may not contain < > or \\");
      }
    });
  }
  // Leading compounds naming the document (html, body, :root, and what joins them) become the scope.
  const compoundAt = (from: number) => {
    let to = from;
    while (to < nodes.length && nodes[to]?.type !== "Combinator") to++;
    return nodes.slice(from, to);
  };
  let i = 0;
  let rooted = false;
  for (;;) {
    const compound = compoundAt(i);
    if (!compound.some(isDocumentRoot)) break;
    rooted = true;
    const rest = compound.filter((n) => !isDocumentRoot(n));
    nodes.splice(i, compound.length, ...rest);
    i += rest.length;
    // "html > body …", "html body …": a bare root joined to another root is one scope.
    if (rest.length > 0 || nodes[i]?.type !== "Combinator" || !compoundAt(i + 1).some(isDocumentRoot)) break;
    nodes.splice(i, 1);
  }
  const head = rooted ? nodes.slice(0, i) : [];
  const tail = rooted ? nodes.slice(i) : nodes;
  const out: csstree.CssNode[] = [scope(), ...head];
  if (tail.length > 0) {
    if (tail[0]?.type !== "Combinator") out.push(descendant());
    out.push(...tail);
  }
  sel.children = new (tree().List)<csstree.CssNode>().fromArray(out);
}

function checkRule(rule: csstree.Rule): void {
  if (rule.prelude.type !== "SelectorList")
    throw new Refused(lineOf(rule), "this selector could not be read");
  rule.prelude.children.forEach((sel) => {
    if (sel.type !== "Selector") throw new Refused(lineOf(sel), "this selector could not be read");
    scopeSelector(sel);
  });
  checkBlockOfDeclarations(rule.block);
}

function checkAtrule(at: csstree.Atrule): void {
  const name = plainName(at.name, at, "at-rules");
  if (!AT_RULES.has(name))
    throw new Refused(lineOf(at), `@${name} is not allowed (only @media and @supports)`);
  if (!at.block) throw new Refused(lineOf(at), `@${name} needs a block`);
  if (at.prelude) {
    if (at.prelude.type === "Raw") throw new Refused(lineOf(at), `this @${name} condition could not be read`);
    checkValueNode(at.prelude, lineOf(at));
  }
  checkRules(at.block.children);
}

function checkRules(children: csstree.List<csstree.CssNode>): void {
  children.forEach((child) => {
    if (child.type === "Rule") checkRule(child);
    else if (child.type === "Atrule") checkAtrule(child);
    else if (child.type !== "Comment") throw new Refused(lineOf(child), "this could not be read");
  });
}

/**
 * The admin's CSS, checked and scoped, or the first problem with its line. Empty input is an
 * empty string (no custom CSS).
 */
export function sanitizeCustomCss(input: string): CssResult {
  if (Buffer.byteLength(input, "utf8") > CUSTOM_CSS_MAX_BYTES) {
    return { ok: false, line: 1, message: `is too long: at most ${CUSTOM_CSS_MAX_BYTES / 1024} KB` };
  }
  if (!input.trim()) return { ok: true, css: "" };
  if (/<\/?\s*style|<!--|-->/i.test(input)) {
    const line = input.slice(0, input.search(/<\/?\s*style|<!--|-->/i)).split("\n").length;
    return { ok: false, line, message: "HTML (like </style>) is not allowed in CSS" };
  }
  let firstError: { line: number; message: string } | null = null;
  let ast: csstree.CssNode;
  try {
    ast = tree().parse(input, {
      positions: true,
      parseCustomProperty: false,
      onParseError: (e) => {
        const err = e as unknown as { line?: number; message: string };
        firstError ??= { line: err.line ?? 1, message: `could not be read: ${e.message}` };
      },
    });
  } catch (e) {
    return {
      ok: false,
      line: 1,
      message: `could not be read: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  if (firstError) return { ok: false, ...(firstError as { line: number; message: string }) };
  let css: string;
  try {
    if (ast.type !== "StyleSheet") throw new Refused(1, "could not be read");
    checkRules(ast.children);
    // Comments are not written out; "<" cannot survive the checks above, but the output must never
    // be able to close its <style> element, whatever a later change lets through.
    css = tree().generate(ast).replace(/</g, "\\3c ");
  } catch (e) {
    if (e instanceof Refused) return { ok: false, line: e.line, message: e.message };
    // Nesting deep enough to exhaust the stack (":is(:is(:is(…" a few hundred times) is refused, not a 500.
    if (e instanceof RangeError) return { ok: false, line: 1, message: "is nested too deeply" };
    throw e;
  }
  return { ok: true, css };
}
