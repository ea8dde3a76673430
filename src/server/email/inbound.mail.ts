import EmailReplyParser from "email-reply-parser";
import type { ParsedMail } from "mailparser";

// Reading a parsed message: which mail must not start a conversation (bounces, auto-replies,
// bulk), and the text a person wrote, with quoted history and signatures trimmed.

/** A header's value as sent (unfolded), from the raw header lines; "" when absent. */
export const header = (mail: ParsedMail, name: string): string => {
  const line = mail.headerLines.find((h) => h.key === name)?.line ?? "";
  return line
    .slice(line.indexOf(":") + 1)
    .replace(/\r?\n[ \t]+/g, " ")
    .trim();
};
const hasHeader = (mail: ParsedMail, name: string) => mail.headerLines.some((h) => h.key === name);

/** Why a message must not start or join a conversation, or null when it may. */
export function automaticReason(mail: ParsedMail, envelopeFrom: string | null): string | null {
  if (envelopeFrom === "" || header(mail, "return-path") === "<>") return "bounce";
  const ct = header(mail, "content-type").toLowerCase();
  if (ct.includes("multipart/report") || ct.includes("message/delivery-status")) return "bounce";
  const from = (mail.from?.value[0]?.address ?? "").toLowerCase();
  if (/^(mailer-daemon|postmaster)@/.test(from)) return "bounce";
  const auto = header(mail, "auto-submitted").toLowerCase().trim();
  if (auto && auto !== "no") return "auto_reply";
  if (
    mail.headers.has("x-autoreply") ||
    mail.headers.has("x-autorespond") ||
    mail.headers.has("x-autoreply-from")
  ) {
    return "auto_reply";
  }
  const precedence = header(mail, "precedence").toLowerCase().trim();
  if (["bulk", "junk", "list", "auto_reply"].includes(precedence)) return "bulk";
  if (hasHeader(mail, "list-id") || hasHeader(mail, "list-unsubscribe")) return "bulk";
  return null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The text to show: quoted history and signatures trimmed, within the limit; the raw mail keeps the rest. */
export function visibleText(mail: ParsedMail, max: number): string {
  // A 25 MB text part is cut before any work on it; the raw message keeps all of it.
  const full = (mail.text ?? "").slice(0, 200_000).replace(/\r\n?/g, "\n").replace(CONTROL_IN_TEXT, "");
  let shown = full;
  try {
    shown = new EmailReplyParser().read(full).getVisibleText().trim() || full;
  } catch {
    shown = full;
  }
  shown = shown.replace(/[ \t]+$/gm, "").trim();
  const points = [...shown];
  if (points.length > max) {
    const note = "\n\n[The email was shortened here; the whole message is kept.]";
    shown = `${points.slice(0, max - note.length).join("")}${note}`;
  }
  return shown;
}
