import { readableOn, readablePair } from "../../shared/color.ts";
import { withoutBidiControls } from "../lib/bidi.ts";
import { type Html, html, multiline } from "../web/html.ts";
import type { Branding } from "../workspaces/workspace.branding.ts";
import { headerText } from "./email.headers.ts";

// The one frame every email Portico sends shares, as plain text and HTML. User text (names,
// subjects, messages) is escaped in the HTML by html``; the layout is a table with inline styles,
// which is what mail clients render reliably. Mail clients differ in honouring isolation, and
// text has none: the subject, the text and the HTML go without the bidirectional controls that
// could reorder what follows them (lib/bidi.ts). The button and the links carry their address in
// the HTML (never printed beside them); the text part prints it, since text has no buttons.

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export interface Frame {
  /** The language of the words (the html element's lang): customers' emails speak theirs. */
  lang?: string | undefined;
  brand: Branding;
  /** One short line above the message, e.g. "Your request TKT-0042". */
  heading: string | Html;
  paragraphs: (string | Html)[];
  /** A quoted message (a reply, a resolution, a description), shown as a block. */
  quote?: { label: string | Html; text: string } | undefined;
  /** More quoted messages after it (the earlier conversation, newest first). */
  quotes?: { label: string | Html; text: string }[] | undefined;
  button?: { label: string; url: string } | undefined;
  /** Links, one per line: in the HTML the text is the link; the text part prints the address under it. */
  links?: { text: string | Html; url: string }[] | undefined;
  /** Small print under the button. */
  note?: string | undefined;
  /** A survey email's unsubscribe link, in the footer. */
  unsubscribeUrl?: string | undefined;
  /** The footer's unsubscribe words, text and link (customers' emails give them in their language). */
  unsubscribeLabels?: { text: string; link: string } | undefined;
  /** A survey's scale as links under the button, each opening the page with that score chosen (HTML only). */
  scale?: { caption: string; items: { text: string; url: string }[] } | undefined;
}

const quotesOf = (f: Frame) => [...(f.quote ? [f.quote] : []), ...(f.quotes ?? [])];

/** A line of the frame as text. */
export const plain = (line: string | Html) => (typeof line === "string" ? line : stripTags(line.value));

function renderText(f: Frame): string {
  const lines: string[] = [plain(f.heading), ""];
  for (const p of f.paragraphs) lines.push(plain(p), "");
  for (const q of quotesOf(f)) {
    lines.push(`${plain(q.label)}:`, ...q.text.split("\n").map((l) => `  ${l}`), "");
  }
  if (f.button) lines.push(`${f.button.label}: ${f.button.url}`, "");
  for (const l of f.links ?? []) lines.push(plain(l.text), l.url, "");
  if (f.note) lines.push(f.note, "");
  lines.push("--", f.brand.brandName);
  if (f.brand.supportEmail) lines.push(f.brand.supportEmail);
  if (f.unsubscribeUrl)
    lines.push("", `${f.unsubscribeLabels?.text ?? "No more surveys"}: ${f.unsubscribeUrl}`);
  return withoutBidiControls(`${lines.join("\n")}\n`);
}

export const stripTags = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

function renderHtml(f: Frame): string {
  const pair = readablePair(f.brand.primaryColor);
  const link = readableOn(f.brand.primaryColor, "#ffffff");
  const header = f.brand.logoUrl
    ? html`<img src="${f.brand.logoUrl}" alt="${f.brand.brandName}" height="32" style="height:32px;max-width:200px;border:0">`
    : html`<span style="font-size:18px;font-weight:600;color:#111827">${f.brand.brandName}</span>`;
  return html`<!doctype html>
<html lang="${f.lang ?? "en"}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="color-scheme" content="light"><title>${plain(f.heading)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;border-top:4px solid ${pair.background}">
<tr><td style="padding:20px 24px 0">${header}</td></tr>
<tr><td style="padding:16px 24px 8px"><h1 style="margin:0;font-size:20px;line-height:1.3">${f.heading}</h1></td></tr>
${f.paragraphs.map((p) => html`<tr><td style="padding:4px 24px;font-size:15px;line-height:1.5">${typeof p === "string" ? multiline(p) : p}</td></tr>`)}
${quotesOf(f).map(
  (
    q,
  ) => html`<tr><td style="padding:12px 24px"><p style="margin:0 0 4px;font-size:13px;color:#4b5563">${q.label}</p>
<div style="border-left:3px solid ${pair.background};padding:8px 12px;background:#f9fafb;font-size:15px;line-height:1.5;white-space:pre-wrap">${multiline(q.text)}</div></td></tr>`,
)}
${
  f.button
    ? html`<tr><td style="padding:16px 24px"><a href="${f.button.url}" style="display:inline-block;background:${pair.background};color:${pair.text};text-decoration:none;font-weight:600;padding:10px 18px;border-radius:6px">${f.button.label}</a></td></tr>`
    : ""
}
${
  f.scale
    ? html`<tr><td style="padding:0 24px 8px;font-size:13px;color:#4b5563">${f.scale.caption}<br>${f.scale.items.map(
        (i) =>
          html`<a href="${i.url}" style="display:inline-block;min-width:28px;padding:6px 0;margin:4px 2px 0 0;text-align:center;border:1px solid #d1d5db;border-radius:4px;color:${link};text-decoration:none;font-weight:600">${i.text}</a>`,
      )}</td></tr>`
    : ""
}
${(f.links ?? []).map(
  (l) =>
    html`<tr><td style="padding:8px 24px;font-size:15px;line-height:1.5"><a href="${l.url}" style="color:${link}">${l.text}</a></td></tr>`,
)}
${f.note ? html`<tr><td style="padding:4px 24px;font-size:13px;color:#4b5563">${f.note}</td></tr>` : ""}
<tr><td style="padding:16px 24px 20px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${f.brand.brandName}${
    f.brand.supportEmail
      ? html` · <a href="mailto:${f.brand.supportEmail}" style="color:${link}">${f.brand.supportEmail}</a>`
      : ""
  }${
    f.unsubscribeUrl
      ? html`<br><a href="${f.unsubscribeUrl}" style="color:${link}">${f.unsubscribeLabels?.link ?? "Unsubscribe from surveys"}</a>`
      : ""
  }</td></tr>
</table></td></tr></table></body></html>`.value;
}

/**
 * The subject at once; the text and HTML only when read (a queued email stores its inputs and
 * only its subject is rendered when it is queued). The frame may be given as a function, so that
 * its words are not translated until then either.
 */
export function render(subject: string, frame: Frame | (() => Frame)): Rendered {
  let f: Frame | undefined = typeof frame === "function" ? undefined : frame;
  const built = () => {
    f ??= (frame as () => Frame)();
    return f;
  };
  let text: string | undefined;
  let markup: string | undefined;
  return {
    subject: headerText(withoutBidiControls(subject), 250),
    get text() {
      text ??= renderText(built());
      return text;
    },
    get html() {
      markup ??= withoutBidiControls(renderHtml(built()));
      return markup;
    },
  };
}
