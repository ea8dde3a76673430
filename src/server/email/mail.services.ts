import { systemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { startOutboxWorker } from "./delivery.ts";
import { startImapPoller } from "./imap.poller.ts";
import { processPendingInbound, receiveInboundEmail } from "./inbound.ts";
import { closeListener, createSmtpListener, listen } from "./smtp.listener.ts";

// What a serving process runs for email beside HTTP: the outbox worker always; the SMTP listener
// with INBOUND_SMTP_PORT; the IMAP poller with IMAP_URL; and a sweep that processes messages a
// stopped process had stored but not yet processed.

export async function startMailServices(ctx: AppContext): Promise<{ stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  // Mail arrives for any workspace: its recipients say which, and each is processed within it.
  const incoming = systemActor("incoming email");
  if (ctx.config.mailWorker) {
    const outbox = startOutboxWorker(ctx);
    stops.push(() => outbox.stop());
  }

  const { inboundSmtpPort, inboundSmtpHost, imapUrl, imapPollSeconds, imapWorkspace } = ctx.config;
  if (inboundSmtpPort !== undefined) {
    const server = createSmtpListener(ctx);
    const port = await listen(server, inboundSmtpPort, inboundSmtpHost);
    ctx.log.info({ port, host: inboundSmtpHost }, "receiving email by SMTP");
    stops.push(() => closeListener(server));
  }
  if (imapUrl && imapWorkspace) {
    const ws = await findWorkspaceBySlug(ctx, imapWorkspace);
    if (!ws) throw new Error(`IMAP_WORKSPACE names no workspace: "${imapWorkspace}"`);
    const poller = startImapPoller(
      { url: imapUrl, intervalSeconds: imapPollSeconds },
      async (raw) => {
        await receiveInboundEmail(
          ctx,
          incoming,
          raw,
          { via: "imap", envelopeFrom: null, recipients: [] },
          { workspace: ws },
        );
      },
      ctx.log,
    );
    stops.push(() => poller.stop());
  }
  const pending = setInterval(() => {
    processPendingInbound(ctx, incoming).catch((err: unknown) =>
      ctx.log.warn({ err }, "processing stored email failed"),
    );
  }, 60_000);
  pending.unref();
  stops.push(async () => clearInterval(pending));
  return {
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}
