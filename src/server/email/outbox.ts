import { randomBytes } from "node:crypto";
import { hashToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { PreparedWrite } from "../db/prepared.ts";
import type { OutboxEmailTable, Tx } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { withoutBidiControls } from "../lib/bidi.ts";
import { brandingOf, type Workspace } from "../workspaces/workspace.branding.ts";
import { domainOf, headerText, plusAddress } from "./email.headers.ts";
import type { StoredHeaders } from "./email.message.ts";
import { renderTemplate, type TemplateCall } from "./email.templates.ts";
import { isCustomerEmail } from "./email.wording.ts";
import { emailLangOf, type KnownLang, supportAddressOf } from "./outbox.customer.ts";

export type { EmailKind } from "./email.templates.ts";
export { absoluteUrl, repliesCanArrive, supportAddressOf } from "./outbox.customer.ts";

// The transactional outbox. Every email is a row written with `tx`, the transaction of the
// change that causes it: the ticket and its email commit together or not at all. delivery.ts
// sends the rows later; a row's Message-ID is fixed here, so a retry is the same message.

export interface Recipient {
  address: string;
  name: string | null;
}

interface Thread {
  ticketId: string;
  /** tickets.email_thread_id, the root every message of the ticket refers to. */
  threadId: string | null;
  /** The newest message of the customer's we know (an inbound email), answered directly. */
  lastInbound?: string | null | undefined;
}

/** One email: its template and inputs, who gets it, and where it belongs. */
export type EmailSpec = TemplateCall & {
  ws: Workspace;
  audience: OutboxEmailTable["audience"];
  to: Recipient[];
  thread?: Thread | undefined;
  autoSubmitted: boolean;
  /** Written as never to be sent, with this reason for the Outbox. */
  suppressed?: string | undefined;
  /** RFC 8058 one-click unsubscribe (survey emails): the List-Unsubscribe headers' link. */
  listUnsubscribe?: string | undefined;
  /** A customer's email: the language of the page that caused it (emailLangOf). */
  locale?: string | undefined;
  /** A customer's email: its recipient's contact and ticket as the caller just wrote them (emailLangOf). */
  knownLang?: KnownLang | undefined;
};

/** The delivery state of a row just queued: due at once, never tried. */
export const queuedAt = (now: string) => ({
  status: "pending" as const,
  attempts: 0,
  next_attempt_at: now,
  locked_until: null,
  last_error: null,
  sent_at: null,
  created_at: now,
});

/**
 * Writes one email per spec in `tx`. A spec for several agents is one message to all of them
 * (the team's notice; each row costs a handful of index entries on the submission's path); a
 * customer's email always has its one recipient and a reply token of its own. Returns the ids.
 */
export async function enqueueEmails(ctx: AppContext, tx: Tx, specs: EmailSpec[]): Promise<string[]> {
  const now = ctx.now().toISOString();
  const mailDomain = domainOf(ctx.config.mailFrom);
  const rows: Omit<OutboxEmailTable, "content_pruned_at">[] = [];
  const tokens: { token_hash: string; workspace_id: string; ticket_id: string; created_at: string }[] = [];
  for (const e of specs) {
    if (!e.to.length) continue;
    const brand = brandingOf(e.ws);
    const support = supportAddressOf(ctx, e.ws);
    const refs = [...new Set([e.thread?.threadId, e.thread?.lastInbound])].filter((r): r is string =>
      Boolean(r),
    );
    const id = newId();
    let replyTo: string | undefined;
    if (support && e.thread && e.audience === "customer") {
      // A reply token of its own in the address, so a reply finds its ticket even when a mail
      // client drops the threading headers. Hex, since some servers lower-case addresses.
      const token = randomBytes(16).toString("hex");
      tokens.push({
        token_hash: hashToken(token),
        workspace_id: e.ws.id,
        ticket_id: e.thread.ticketId,
        created_at: now,
      });
      replyTo = plusAddress(support, token);
    } else if (support) {
      replyTo = support;
    }
    const headers: StoredHeaders = {
      from: { name: headerText(withoutBidiControls(brand.brandName), 80), address: ctx.config.mailFrom },
      replyTo,
      inReplyTo: refs.at(-1),
      references: refs.length ? refs : undefined,
      autoSubmitted: e.autoSubmitted,
      ...(e.listUnsubscribe ? { listUnsubscribe: e.listUnsubscribe } : {}),
    };
    const single = e.to.length === 1 ? e.to[0] : undefined;
    const call = (
      e.audience === "customer" && single && isCustomerEmail(e.kind)
        ? {
            ...e,
            params: {
              ...e.params,
              lang: await emailLangOf(
                tx,
                e.ws,
                e.kind,
                single.address,
                e.locale,
                e.thread?.ticketId,
                e.knownLang,
              ),
            },
          }
        : e
    ) as TemplateCall;
    rows.push({
      id,
      workspace_id: e.ws.id,
      ticket_id: e.thread?.ticketId ?? null,
      kind: e.kind,
      audience: e.audience,
      to_address: e.to.map((t) => t.address).join(", "),
      to_name: single?.name ? headerText(withoutBidiControls(single.name), 120) : null,
      message_id: `<${id}@${mailDomain}>`,
      // Only the subject is rendered now: the text and HTML are rendered from template_data.
      subject: renderTemplate(call).subject,
      body_text: "",
      body_html: "",
      template_data: JSON.stringify(call.params),
      headers: JSON.stringify(headers),
      ...queuedAt(now),
      ...(e.suppressed ? { status: "suppressed" as const, last_error: e.suppressed } : {}),
    });
  }
  // Prepared, one statement per row: a submission writes its emails on the hot path.
  for (const r of rows) await OUTBOX_INSERT.execute(ctx.database, tx, r);
  for (const t of tokens) await REPLY_TOKEN_INSERT.execute(ctx.database, tx, t);
  return rows.map((r) => r.id);
}

const OUTBOX_COLUMNS = [
  "id",
  "workspace_id",
  "ticket_id",
  "kind",
  "audience",
  "to_address",
  "to_name",
  "message_id",
  "subject",
  "body_text",
  "body_html",
  "template_data",
  "headers",
  "status",
  "attempts",
  "next_attempt_at",
  "locked_until",
  "last_error",
  "sent_at",
  "created_at",
] as const satisfies readonly (keyof OutboxEmailTable)[];

const OUTBOX_INSERT = new PreparedWrite(
  OUTBOX_COLUMNS,
  (db, p) => db.insertInto("outbox_emails").values(p as unknown as OutboxEmailTable),
  { batched: true },
);

const REPLY_TOKEN_INSERT = new PreparedWrite(
  ["token_hash", "workspace_id", "ticket_id", "created_at"],
  (db, p) => db.insertInto("email_reply_tokens").values(p),
  { batched: true },
);

export const enqueueEmail = (ctx: AppContext, tx: Tx, spec: EmailSpec) => enqueueEmails(ctx, tx, [spec]);
