import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "kysely";
import type { AgentActor, SystemActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { InboundEmailTable, Tx } from "../db/schema.ts";
import { decryptStream, encryptStream, sealedSize } from "../files/file.crypto.ts";
import { deleteStoredLater, deleteStoredNow } from "../files/stored-files.ts";
import { newId } from "../ids.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { domainOf, normalizeMessageId, splitPlusAddress } from "./email.headers.ts";

// Storing incoming mail before anything else happens: the raw message sealed in the file store,
// one row per workspace and Message-ID. Processing (inbound.ts) reads it back from here.

export const MAX_INBOUND_BYTES = 25 * 1024 * 1024;

export interface InboundMeta {
  via: InboundEmailTable["via"];
  /** The SMTP envelope sender; "" for a null sender (bounces); null when unknown (IMAP). */
  envelopeFrom: string | null;
  /** Envelope recipients (SMTP) or the addresses in To/Cc/Delivered-To (IMAP). */
  recipients: string[];
  /** The SMTP client's address and HELO name; unknown from IMAP. */
  clientIp?: string | null | undefined;
  clientHelo?: string | null | undefined;
}

/** The workspace an address belongs to: its support email (any +tag), or {slug}[+tag]@INBOUND_EMAIL_DOMAIN. */
export async function workspaceForAddress(ctx: AppContext, address: string): Promise<Workspace | null> {
  const normalized = normalizeEmail(address);
  if (!normalized) return null;
  const { base } = splitPlusAddress(normalized);
  const domain = ctx.config.inboundEmailDomain;
  if (domain && domainOf(base) === domain) {
    const ws = await findWorkspaceBySlug(ctx, base.slice(0, base.lastIndexOf("@")));
    if (ws) return ws;
  }
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .selectAll()
    .where(sql<string>`lower(support_email)`, "=", base)
    .orderBy("created_at")
    .executeTakeFirst();
  return ws ?? null;
}

/** The Message-ID we dedupe on: the header's, or a hash of the bytes when there is none. */
function messageKey(raw: Buffer): string {
  // Only the header block is searched: a Message-ID line quoted in a body is not the message's.
  const end = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") : raw.indexOf("\n\n");
  const head = raw
    .subarray(0, end >= 0 ? Math.min(end, 256 * 1024) : Math.min(raw.length, 256 * 1024))
    .toString("latin1")
    // Unfolded first: a long Message-ID often continues on the next line.
    .replace(/\r?\n[ \t]+/g, " ");
  const m = /^message-id:[ \t]*<([^<>\r\n]{1,250})>/im.exec(head);
  const id = m?.[1] ? normalizeMessageId(m[1]) : null;
  return id ?? `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

async function sealRaw(ctx: AppContext, raw: Buffer): Promise<string> {
  const storageKey = newId();
  const temp = path.join(ctx.files.tempDir, newId());
  try {
    await pipeline(
      Readable.from([raw]),
      encryptStream(ctx.files.key),
      fs.createWriteStream(temp, { mode: 0o600 }),
    );
    await ctx.files.store.putFile(storageKey, temp, sealedSize(raw.length));
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
  return storageKey;
}

export async function readRaw(ctx: AppContext, storageKey: string): Promise<Buffer> {
  const sealed = await ctx.files.store.get(storageKey);
  if (!sealed) throw new Error("the stored message is missing");
  const chunks: Buffer[] = [];
  await pipeline(sealed, decryptStream(ctx.files.key), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) chunks.push(c);
  });
  return Buffer.concat(chunks);
}

/** Stores the raw message for one workspace, once per Message-ID. */
export async function storeInbound(
  ctx: AppContext,
  ws: Workspace,
  raw: Buffer,
  meta: InboundMeta,
): Promise<{ id: string; duplicate: boolean; status: InboundEmailTable["status"] }> {
  const messageId = messageKey(raw);
  const existing = await ctx.database.db
    .selectFrom("inbound_emails")
    .select(["id", "status"])
    .where("workspace_id", "=", ws.id)
    .where("message_id", "=", messageId)
    .executeTakeFirst();
  if (existing) return { ...existing, duplicate: true };
  const storageKey = await sealRaw(ctx, raw);
  const id = newId();
  try {
    await ctx.database.db
      .insertInto("inbound_emails")
      .values({
        id,
        workspace_id: ws.id,
        message_id: messageId,
        storage_key: storageKey,
        size_bytes: raw.length,
        via: meta.via,
        envelope_from: meta.envelopeFrom,
        client_ip: meta.clientIp ?? null,
        client_helo: meta.clientHelo?.slice(0, 255) ?? null,
        sender_check: null,
        recipients: JSON.stringify(meta.recipients.slice(0, 50)),
        from_address: null,
        subject: null,
        status: "received",
        outcome: null,
        ticket_id: null,
        comment_id: null,
        error: null,
        attempts: 0,
        received_at: ctx.now().toISOString(),
        processed_at: null,
      })
      .execute();
  } catch (err) {
    await ctx.files.store.delete(storageKey).catch(() => {});
    if (isUniqueViolation(err)) return { id: "", duplicate: true, status: "received" };
    throw err;
  }
  return { id, duplicate: false, status: "received" };
}

/**
 * Retention: deletes the sealed raw message of up to `limit` messages of the actor's workspace
 * processed (or ignored) before `before`. The row stays (Message-ID, outcome, ticket), so the
 * same message delivered again is still a duplicate; failed and unprocessed ones keep theirs.
 * The file goes first and the row is marked after: a run cut short deletes it again, harmlessly.
 */
export async function pruneInboundRaw(
  ctx: AppContext,
  actor: WorkspaceSystemActor,
  p: { before: string; limit: number },
): Promise<number> {
  const rows = await ctx.database.db
    .selectFrom("inbound_emails")
    .select(["id", "storage_key"])
    .where("workspace_id", "=", actor.workspaceId)
    .where("status", "in", ["processed", "ignored"])
    .where("processed_at", "<", p.before)
    .where("raw_deleted_at", "is", null)
    .orderBy("processed_at")
    .limit(p.limit)
    .execute();
  await deleteRawOf(ctx, actor.workspaceId, rows);
  return rows.length;
}

/**
 * Marks these rows' raw messages deleted and, in the same transaction, writes the job that deletes
 * the files (files/stored-files.ts), then deletes them at once, best-effort. Marked first, a row
 * never names a file that is gone (a backup taken meanwhile leaves it out); the job makes sure the
 * file does go.
 */
async function deleteRawOf(
  ctx: AppContext,
  workspaceId: string,
  rows: { id: string; storage_key: string }[],
) {
  const [first] = rows;
  if (!first) return;
  const storageKeys = rows.map((r) => r.storage_key);
  await ctx.database.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("inbound_emails")
      .set({ raw_deleted_at: ctx.now().toISOString() })
      .where("workspace_id", "=", workspaceId)
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    await deleteStoredLater(ctx, tx, { workspaceId, key: `inbound_raw:${first.id}`, storageKeys });
  });
  await deleteStoredNow(ctx, storageKeys);
}

/**
 * Erasure, in the erasure's transaction: every message of the workspace from `address` (the
 * normalized address, matched in any case) or about these tickets loses its sender, subject,
 * envelope sender, HELO name and client address, and its raw message is marked deleted. Answers
 * how many messages, and the storage keys of the raw messages, which the caller deletes from the
 * file store after the commit (files/stored-files.ts).
 */
export async function eraseInboundFrom(
  tx: Tx,
  actor: AgentActor,
  p: { address: string; ticketIds: string[]; now: string },
): Promise<{ count: number; storageKeys: string[] }> {
  const rows = await tx
    .selectFrom("inbound_emails")
    .select(["id", "storage_key", "raw_deleted_at"])
    .where("workspace_id", "=", actor.workspaceId)
    .where((eb) => {
      const from = eb(sql<string>`lower(from_address)`, "=", p.address);
      return p.ticketIds.length ? eb.or([from, eb("ticket_id", "in", p.ticketIds)]) : from;
    })
    .execute();
  if (!rows.length) return { count: 0, storageKeys: [] };
  await tx
    .updateTable("inbound_emails")
    .set((eb) => ({
      from_address: null,
      subject: null,
      envelope_from: null,
      client_helo: null,
      client_ip: null,
      raw_deleted_at: eb.fn.coalesce("raw_deleted_at", eb.val(p.now)),
    }))
    .where("workspace_id", "=", actor.workspaceId)
    .where(
      "id",
      "in",
      rows.map((r) => r.id),
    )
    .execute();
  return {
    count: rows.length,
    storageKeys: rows.filter((r) => r.raw_deleted_at === null).map((r) => r.storage_key),
  };
}

/** Messages stored but not yet processed (status received), for metrics. */
export async function inboundBacklog(db: Tx, _actor: SystemActor): Promise<number> {
  const row = await db
    .selectFrom("inbound_emails")
    .where("status", "=", "received")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
