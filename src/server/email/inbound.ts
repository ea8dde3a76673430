import { Readable } from "node:stream";
import type { ParsedMail } from "mailparser";
import { MAX_FILES_CUSTOMER_REPLY } from "../../shared/files.ts";
import { DESCRIPTION_MAX, MESSAGE_MAX, NAME_MAX, SUBJECT_MAX } from "../../shared/tickets.ts";
import { type SystemActor, systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { InboundEmailTable } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { receiveUpload } from "../files/file.service.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import {
  AlreadyProcessed,
  appendEmailToTicket,
  type EmailAuthor,
  type EmailMessage,
  type EmailOutcome,
  openTicketFromEmail,
} from "../tickets/ticket.email.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { domainOf, headerText, normalizeMessageId, splitPlusAddress } from "./email.headers.ts";
import { automaticReason, visibleText } from "./inbound.mail.ts";
import { type InboundMeta, readRaw, storeInbound, workspaceForAddress } from "./inbound.store.ts";
import { threadOf } from "./inbound.thread.ts";
import { isOutgoingMessage } from "./outbox.access.ts";
import { supportAddressOf } from "./outbox.ts";
import { checkSender, type SenderCheck } from "./sender-auth.ts";

const SENDER_WINDOW_MS = 3600_000;

// Incoming mail. A message is stored first (its raw bytes sealed in the file store, a row per
// workspace, once per Message-ID), then processed: filtered (auto-replies, bounces, bulk, our own
// mail, a sender over the limit), threaded onto a ticket of that workspace or made a new ticket.
// The raw message is kept whatever the outcome.

export type ProcessOutcome =
  | EmailOutcome["outcome"]
  | `ignored:${string}`
  | "failed"
  | "retrying"
  | "duplicate";

async function finish(
  ctx: AppContext,
  id: string,
  status: InboundEmailTable["status"],
  outcome: string,
  error?: string,
) {
  await ctx.database.db
    .updateTable("inbound_emails")
    .set({ status, outcome, error: error ?? null, processed_at: ctx.now().toISOString() })
    .where("id", "=", id)
    .where("status", "=", "received")
    .execute();
}

/**
 * Processes a stored message. Bad mail never throws: the outcome is recorded on its row. A
 * message already processed is left as it is. `actor` is the server's incoming mail, which acts
 * within the message's workspace only.
 */
export async function processInbound(
  ctx: AppContext,
  actor: SystemActor,
  inboundId: string,
  rawGiven?: Buffer,
): Promise<ProcessOutcome> {
  const row = await ctx.database.db
    .selectFrom("inbound_emails")
    .selectAll()
    .where("id", "=", inboundId)
    .executeTakeFirst();
  if (row?.status !== "received") return (row?.outcome as ProcessOutcome) ?? "failed";
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", row.workspace_id)
    .executeTakeFirstOrThrow();
  // Incoming mail reads tickets and contacts as the system, within this workspace only.
  const reader = systemActorIn(actor.reason, ws.id);
  const ignore = async (reason: string): Promise<ProcessOutcome> => {
    await finish(ctx, inboundId, "ignored", reason);
    ctx.log.info({ inboundId, workspaceId: ws.id, reason }, "incoming email not made a ticket");
    return `ignored:${reason}`;
  };
  let mail: ParsedMail;
  let raw: Buffer;
  try {
    raw = rawGiven ?? (await readRaw(ctx, row.storage_key));
  } catch (err) {
    return retryLater(ctx, row, err);
  }
  try {
    // Loaded on the first message: only a process that receives mail needs the parser.
    const { simpleParser } = await import("mailparser");
    mail = await simpleParser(raw, {
      skipImageLinks: true,
      skipTextLinks: true,
      maxHtmlLengthToParse: 2_000_000,
    });
  } catch (err) {
    ctx.log.warn({ inboundId, err }, "an incoming email could not be parsed");
    await finish(
      ctx,
      inboundId,
      "failed",
      "unparseable",
      err instanceof Error ? err.message.slice(0, 300) : "",
    );
    return "failed";
  }
  try {
    const rawFrom = mail.from?.value[0]?.address ?? "";
    const fromAddress = [...rawFrom].some((c) => c < " " || c === "\u007f") ? null : normalizeEmail(rawFrom);
    const subject = headerText(mail.subject ?? "", SUBJECT_MAX) || "(no subject)";
    await ctx.database.db
      .updateTable("inbound_emails")
      .set({ from_address: fromAddress, subject })
      .where("id", "=", inboundId)
      .execute();
    if (!fromAddress) return ignore("no_sender");
    const auto = automaticReason(mail, row.envelope_from);
    if (auto) return ignore(auto);

    // Our own mail coming back (a forward loop, a misconfigured alias) is never a customer's.
    const support = supportAddressOf(ctx, ws);
    const ownDomain = domainOf(ctx.config.mailFrom);
    const messageId = (mail.messageId && normalizeMessageId(mail.messageId)) || row.message_id;
    if (
      fromAddress === ctx.config.mailFrom.toLowerCase() ||
      (support && splitPlusAddress(fromAddress).base === support) ||
      // Any workspace's: mail one workspace sent, arriving at another, is still ours.
      (messageId.toLowerCase().endsWith(`@${ownDomain}`) &&
        (await isOutgoingMessage(ctx.database.db, actor, `<${messageId}>`)))
    ) {
      return ignore("own_mail");
    }

    const limit = await ctx.limiter.consume(
      `inbound:${ws.id}:${fromAddress}`,
      ctx.config.inboundPerSenderPerHour,
      SENDER_WINDOW_MS,
    );
    if (!limit.allowed) return ignore("sender_rate_limited");

    const thread = await threadOf(ctx, reader, ws, {
      envelopeRecipients: JSON.parse(row.recipients) as string[],
      mail,
      subject,
      fromAddress,
    });
    // The reply token proves the conversation; a From line, threading headers and a subject do
    // not: the sender is checked before the contact's message is taken as theirs, and before a
    // new ticket is opened in their name. A stranger's message is a note whatever it passes.
    let sender: SenderCheck | null = null;
    if (!thread || (thread.fromContact && thread.by !== "reply_token")) {
      sender = await checkSender(ctx, raw, {
        from: fromAddress,
        clientIp: row.client_ip,
        helo: row.client_helo,
        envelopeFrom: row.envelope_from,
      });
      await ctx.database.db
        .updateTable("inbound_emails")
        .set({ sender_check: `${sender.verified ? "verified" : "not verified"}: ${sender.summary}` })
        .where("id", "=", inboundId)
        .execute();
    }
    const { keys, refused } = await keepAttachments(ctx, ws, mail);
    const name =
      headerText(mail.from?.value[0]?.name || fromAddress.slice(0, fromAddress.indexOf("@")), NAME_MAX) ||
      fromAddress;
    const message: EmailMessage = {
      inboundId,
      messageId: `<${messageId}>`,
      from: { address: fromAddress, name },
      subject,
      body: visibleText(mail, thread ? MESSAGE_MAX : DESCRIPTION_MAX),
      attachmentKeys: keys,
      refused,
    };
    if (thread) {
      if (!message.body && !keys.length) return ignore("empty_reply");
      // Anyone else, an agent's address included (a From line proves nothing), is kept as a
      // note naming the sender, never as the customer or an agent.
      const author: EmailAuthor = !thread.fromContact
        ? { kind: "stranger" }
        : !sender || sender.verified
          ? { kind: "contact" }
          : { kind: "unverified", check: sender.summary };
      const r = await appendEmailToTicket(ctx, ws, thread.ticketId, author, message);
      ctx.log.info(
        { inboundId, workspaceId: ws.id, outcome: r.outcome, reference: r.reference },
        "incoming email",
      );
      return r.outcome;
    }
    const r = await openTicketFromEmail(ctx, ws, message, sender);
    ctx.log.info(
      { inboundId, workspaceId: ws.id, outcome: r.outcome, reference: r.reference },
      "incoming email",
    );
    return r.outcome;
  } catch (err) {
    if (err instanceof AlreadyProcessed) return "duplicate";
    return retryLater(ctx, row, err);
  }
}

export const MAX_PROCESSING_ATTEMPTS = 5;

/**
 * Processing failed for a reason that need not be the mail's (the database, the file store): the
 * message stays `received` and is tried again by processPendingInbound, up to five times in all.
 */
async function retryLater(ctx: AppContext, row: InboundEmailTable, err: unknown): Promise<ProcessOutcome> {
  const error = err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
  const attempts = row.attempts + 1;
  const last = attempts >= MAX_PROCESSING_ATTEMPTS;
  ctx.log.error(
    { inboundId: row.id, err, attempts },
    last
      ? "an incoming email could not be processed; it is kept, marked failed"
      : "an incoming email will be processed again",
  );
  await ctx.database.db
    .updateTable("inbound_emails")
    .set({
      attempts,
      error,
      ...(last ? { status: "failed", outcome: "error", processed_at: ctx.now().toISOString() } : {}),
    })
    .where("id", "=", row.id)
    .where("status", "=", "received")
    .execute()
    .catch(() => {});
  return last ? "failed" : "retrying";
}

/** Files in the mail pass the same checks as portal uploads; what fails is named for the agents. */
async function keepAttachments(
  ctx: AppContext,
  ws: Workspace,
  mail: ParsedMail,
): Promise<{ keys: string[]; refused: string[] }> {
  const keys: string[] = [];
  const refused: string[] = [];
  // Images shown inside the HTML (a signature's logo) are part of the message, not files sent.
  const files = mail.attachments.filter((a) => !(a.related && a.contentId));
  for (const [i, a] of files.entries()) {
    const name = headerText(a.filename || `attachment-${i + 1}`, 200);
    if (keys.length >= MAX_FILES_CUSTOMER_REPLY) {
      refused.push(`${name}: at most ${MAX_FILES_CUSTOMER_REPLY} files are kept per email`);
      continue;
    }
    try {
      const up = await receiveUpload(
        ctx,
        { kind: "email", workspaceId: ws.id },
        { name, body: Readable.from([a.content]), declaredLength: a.content.length },
      );
      keys.push(up.key);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      refused.push(`${name}: ${err.message}`);
    }
  }
  return { keys, refused };
}

/** Stores and processes a message for every workspace among its recipients. */
export async function receiveInboundEmail(
  ctx: AppContext,
  actor: SystemActor,
  raw: Buffer,
  meta: InboundMeta,
  opts: { workspace?: Workspace } = {},
): Promise<{ workspaceId: string; inboundId: string; outcome: ProcessOutcome }[]> {
  const targets = new Map<string, Workspace>();
  if (opts.workspace) targets.set(opts.workspace.id, opts.workspace);
  else {
    for (const r of meta.recipients) {
      const ws = await workspaceForAddress(ctx, r);
      if (ws) targets.set(ws.id, ws);
    }
  }
  const out: { workspaceId: string; inboundId: string; outcome: ProcessOutcome }[] = [];
  for (const ws of targets.values()) {
    const stored = await storeInbound(ctx, ws, raw, meta);
    if (stored.duplicate && stored.status !== "received") {
      out.push({ workspaceId: ws.id, inboundId: stored.id, outcome: "duplicate" });
      continue;
    }
    if (!stored.id) continue;
    out.push({
      workspaceId: ws.id,
      inboundId: stored.id,
      outcome: await processInbound(ctx, actor, stored.id, raw),
    });
  }
  return out;
}

/** Messages stored but never processed (the process stopped in between): processed now. */
export async function processPendingInbound(ctx: AppContext, actor: SystemActor): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - 60_000).toISOString();
  const rows = await ctx.database.db
    .selectFrom("inbound_emails")
    .select("id")
    .where("status", "=", "received")
    .where("received_at", "<", cutoff)
    .orderBy("received_at")
    .limit(100)
    .execute();
  for (const r of rows) await processInbound(ctx, actor, r.id);
  return rows.length;
}
