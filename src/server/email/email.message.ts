import type { OutboxEmailTable } from "../db/schema.ts";
import { type Rendered, renderTemplate, type TemplateCall } from "./email.templates.ts";
import type { OutgoingMessage } from "./email.transport.ts";

// An outbox row as the message it stands for. Pure functions of the row, so the mail thread
// (mail.worker.ts) renders and composes there, and the Outbox's .eml shows the same bytes.

export interface StoredHeaders {
  from: { name: string; address: string };
  replyTo?: string | undefined;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  /** RFC 3834: mail no person wrote. An agent's reply is a person's and goes without it. */
  autoSubmitted: boolean;
  /** RFC 8058: a survey email's one-click unsubscribe link (List-Unsubscribe, -Post). */
  listUnsubscribe?: string | undefined;
}

/**
 * What an outbox row says: rendered from the template's inputs it keeps (a few hundred bytes on
 * the submission's path instead of the whole text and HTML), or, for rows from before they were
 * kept, the stored text and HTML.
 */
export function renderedOf(
  row: Pick<OutboxEmailTable, "kind" | "subject" | "template_data" | "body_text" | "body_html">,
): Rendered {
  if (row.template_data === null) return { subject: row.subject, text: row.body_text, html: row.body_html };
  const r = renderTemplate({ kind: row.kind, params: JSON.parse(row.template_data) } as TemplateCall);
  return {
    subject: row.subject,
    get text() {
      return r.text;
    },
    get html() {
      return r.html;
    },
  };
}

/** The message an outbox row stands for: what is sent, and what the Outbox's .eml shows. */
export function outgoingMessageOf(row: OutboxEmailTable): OutgoingMessage {
  const h = JSON.parse(row.headers) as StoredHeaders;
  return {
    id: row.id,
    from: h.from,
    // One recipient, or the team's several.
    to: { name: row.to_name, addresses: row.to_address.split(", ") },
    replyTo: h.replyTo,
    ...renderedOf(row),
    messageId: row.message_id,
    inReplyTo: h.inReplyTo,
    references: h.references,
    date: new Date(row.created_at),
    headers: {
      ...(h.autoSubmitted ? { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" } : {}),
      ...(h.listUnsubscribe
        ? {
            "List-Unsubscribe": `<${h.listUnsubscribe}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          }
        : {}),
    },
  };
}
