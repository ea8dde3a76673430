import MarkdownIt, { type Token } from "markdown-it";

// Article bodies are Markdown, rendered once on save to HTML that is safe to embed: raw HTML
// in the source is escaped (html: false), and links and images keep only http(s), mailto and
// relative targets. The page CSP (no inline scripts) is the second line of defence.

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const SAFE_URL = /^(?:https?:|mailto:|[/#?.]|[^:]*$)/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: browsers ignore these inside a scheme
md.validateLink = (url: string) => SAFE_URL.test(url.trim().replace(/[\u0000-\u0020]/g, ""));

// Links leave with no Referer and cannot reach back into the portal's window.
const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const href = String(token?.attrGet("href") ?? "");
  if (/^https?:/i.test(href)) token?.attrSet("rel", "noopener noreferrer nofollow");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export interface Rendered {
  html: string;
  /** The words a reader sees, for the search index and snippets. */
  text: string;
}

/**
 * The text a reader sees, from markdown-it's tokens: inline pieces joined as written (so
 * "**Sign in**, then" stays "Sign in, then"), line breaks and blocks as single spaces, code as
 * its content; images are left out, as the page's text has them. The words are the ones the
 * HTML holds, so the search index needs no rebuild for this. Nothing here is HTML.
 */
function plainText(tokens: Token[]): string {
  const inline = (children: Token[]): string =>
    children
      .map((c) =>
        c.type === "text" || c.type === "code_inline"
          ? c.content
          : c.type === "softbreak" || c.type === "hardbreak"
            ? " "
            : "",
      )
      .join("");
  const out: string[] = [];
  for (const t of tokens) {
    if (t.type === "inline") out.push(inline(t.children ?? []));
    else if (t.type === "fence" || t.type === "code_block") out.push(t.content);
  }
  return out.join(" ").replace(/\s+/g, " ").trim();
}

export function renderMarkdown(source: string): Rendered {
  const tokens = md.parse(source, {});
  const html = md.renderer.render(tokens, md.options, {});
  return { html, text: plainText(tokens) };
}
