import { systemActor } from "../actors.ts";
import { startImportSweeper } from "../contacts/import.service.ts";
import type { AppContext } from "../context.ts";
import { startOutboxWorker } from "../email/delivery.ts";
import { startImapPoller } from "../email/imap.poller.ts";
import { processPendingInbound, receiveInboundEmail } from "../email/inbound.ts";
import { closeListener, createSmtpListener, listen } from "../email/smtp.listener.ts";
import { startUploadSweeper } from "../files/file.service.ts";
import { startWebhookDelivery } from "../webhooks/webhook.delivery.ts";
import { findWorkspaceBySlug } from "../workspaces/workspace.service.ts";
import { startScheduler } from "./job-runner.ts";

// Everything a serving process runs beside HTTP, in one list. Each job acts as a system actor
// named here (what it does shows in every access decision it makes), lives in its own module as
// a `start…(ctx, actor, …)` that returns its stop, and never blocks a request. A new job is one
// more entry below.

type Stop = () => Promise<void>;

export async function startBackgroundWork(ctx: AppContext): Promise<{ stop(): Promise<void> }> {
  const stops: Stop[] = [];
  // Mail arrives for any workspace: its recipients say which, and each is processed within it.
  const incoming = systemActor("incoming email");

  if (ctx.config.mailWorker) {
    const outbox = startOutboxWorker(ctx, systemActor("outbox delivery"));
    stops.push(() => outbox.stop());
  }

  const { inboundSmtpPort, inboundSmtpHost, imapUrl, imapPollSeconds, imapWorkspace } = ctx.config;
  if (inboundSmtpPort !== undefined) {
    const server = createSmtpListener(ctx, incoming);
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
  // Messages a stopped process had stored but not processed yet.
  const pending = setInterval(() => {
    processPendingInbound(ctx, incoming).catch((err: unknown) =>
      ctx.log.warn({ err }, "processing stored email failed"),
    );
  }, 60_000);
  pending.unref();
  stops.push(async () => clearInterval(pending));

  // Uploads never attached to a ticket are deleted after 24 hours.
  const stopSweeper = startUploadSweeper(ctx, systemActor("upload sweep"));
  stops.push(async () => stopSweeper());

  // Contact imports previewed but never imported are forgotten after a day (they hold the file).
  const stopImportSweeper = startImportSweeper(ctx, systemActor("contact import sweep"));
  stops.push(async () => stopImportSweeper());

  // Webhook deliveries the changes queued: sent within a second or so, retried for a day.
  const webhooks = startWebhookDelivery(ctx, systemActor("webhook delivery"));
  stops.push(() => webhooks.stop());

  // Scheduled jobs (surveys, Slack notices, the NPS sweep, the article check, the monthly report,
  // task reminders): durable rows, each run once across processes (job-runner.ts).
  stops.push(startScheduler(ctx, systemActor("scheduler")));

  return {
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}
