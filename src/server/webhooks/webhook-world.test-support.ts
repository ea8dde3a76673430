import http from "node:http";
import type { AddressInfo } from "node:net";
import { systemActor } from "../actors.ts";
import { newId } from "../ids.ts";
import { sealSecret } from "../lib/sealed-secret.ts";
import type { makeTeam } from "../test/factories.ts";
import type { TestEnv } from "../test/harness.ts";
import {
  attemptsVisibleTo,
  deliveriesVisibleTo,
  endpointsVisibleTo,
  insertEndpoint,
} from "./webhook.access.ts";
import { deliverDueWebhooks } from "./webhook.delivery.ts";
import { queueWebhookEvent } from "./webhook-events.ts";

// The webhook tests' world: a real receiver (a node:http server on 127.0.0.1 whose answer each
// test sets), and endpoints, events and reads of the log for one test workspace.

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  url: string;
}

/** A receiver whose answer each test sets; it keeps what it was sent. */
export class Receiver {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        url: req.url ?? "",
      });
      this.answer(req, res);
    });
  });
  received: Received[] = [];
  connections = 0;
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end("ok");
  async start() {
    this.server.on("connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }
  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

export const SECRET = "whsec_delivery_test";
export const deliveryActor = systemActor("webhook delivery");

export function webhookWorld(t: TestEnv, team: Awaited<ReturnType<typeof makeTeam>>) {
  const actor = deliveryActor;
  async function endpoint(url: string, format: "json" | "slack" = "json", events = ["ticket.created"]) {
    const id = newId();
    const at = t.ctx.now().toISOString();
    await insertEndpoint(t.ctx.database.db, {
      id,
      workspace_id: team.ws.id,
      name: `Receiver ${id.slice(-4)}`,
      url,
      format,
      events: JSON.stringify(events),
      secret_sealed: sealSecret(t.ctx.files.key.key, SECRET),
      state: "active",
      created_at: at,
      updated_at: at,
    }).execute();
    return id;
  }

  /** Queues one event for the workspace's subscribed endpoints, as a change would. */
  async function queue(
    event: "ticket.created" | "ticket.resolved" = "ticket.created",
    ticketId: string | null = null,
  ) {
    await t.ctx.database.db.transaction().execute((tx) =>
      queueWebhookEvent(t.ctx.database, tx, {
        workspaceId: team.ws.id,
        event,
        ticketId,
        data: { type: "created" },
        at: t.ctx.now().toISOString(),
      }),
    );
  }

  const deliveriesOf = (endpointId: string) =>
    deliveriesVisibleTo(t.ctx.database.db, actor).selectAll().where("endpoint_id", "=", endpointId).execute();
  const attemptsOf = (deliveryId: string) =>
    attemptsVisibleTo(t.ctx.database.db, actor)
      .selectAll()
      .where("delivery_id", "=", deliveryId)
      .orderBy("at")
      .execute();
  const round = (opts: Parameters<typeof deliverDueWebhooks>[2] = {}) =>
    deliverDueWebhooks(t.ctx, actor, { timeoutMs: 500, ...opts });

  /** Stops every endpoint made so far, so each test sees only its own. */
  async function pauseAll() {
    await t.ctx.database.db.updateTable("webhook_endpoints").set({ state: "paused" }).execute();
  }

  const endpointRow = (id: string) =>
    endpointsVisibleTo(t.ctx.database.db, actor).selectAll().where("id", "=", id).executeTakeFirst();
  return { endpoint, queue, deliveriesOf, attemptsOf, round, pauseAll, endpointRow };
}
