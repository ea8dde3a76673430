import MarkdownIt from "markdown-it";

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

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

export function renderMarkdown(source: string): Rendered {
  const html = md.render(source);
  const text = html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, " ")
    .trim();
  return { html, text };
}
