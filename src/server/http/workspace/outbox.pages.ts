import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import {
  getOutboxEmail,
  listOutbox,
  OUTBOX_STATES,
  outboxEml,
  retryOutboxEmail,
} from "../../email/outbox.service.ts";
import { unsafeRaw } from "../../web/html.ts";
import { sendHtml } from "../shared/html-response.ts";
import { sendAppPage } from "./layout.ts";
import { outboxEmailMain, outboxMain } from "./outbox.views.ts";

// /app/outbox (admins; the services decide): the list, one email, its HTML framed in a sandbox
// by that page, its .eml, and sending a failed one again.

export const outboxPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

    app.get<{ Querystring: { status?: string; before?: string } }>("/", async (req, reply) => {
      const status = (OUTBOX_STATES as readonly string[]).includes(req.query.status ?? "")
        ? req.query.status
        : undefined;
      const before = /^[0-9a-f-]{36}$/.test(req.query.before ?? "") ? req.query.before : undefined;
      const { items, next, counts } = await listOutbox(ctx, actorOf(req), { status, before });
      return sendAppPage(req, reply, {
        title: "Outbox",
        section: "outbox",
        main: outboxMain(ctx, items, counts, status, next),
      });
    });

    app.get<{ Params: { id: string } }>("/:id", async (req, reply) => {
      const e = await getOutboxEmail(ctx, actorOf(req), req.params.id);
      return sendAppPage(req, reply, {
        title: e.subject,
        section: "outbox",
        main: outboxEmailMain(req, e),
      });
    });

    // The HTML part on its own, framed only by the page above, in a sandbox without scripts.
    app.get<{ Params: { id: string } }>("/:id/html", async (req, reply) => {
      const e = await getOutboxEmail(ctx, actorOf(req), req.params.id);
      // Rendered by email.templates.ts (user text escaped there), and sandboxed all the same.
      return sendHtml(reply, unsafeRaw(e.html), { kind: "email" });
    });

    app.get<{ Params: { id: string } }>("/:id/eml", async (req, reply) => {
      const raw = await outboxEml(ctx, actorOf(req), req.params.id);
      return reply
        .type("message/rfc822")
        .header("content-disposition", `attachment; filename="email-${req.params.id}.eml"`)
        .header("cache-control", "private, no-store")
        .send(raw);
    });

    app.post<{ Params: { id: string } }>("/:id/retry", async (req, reply) => {
      await retryOutboxEmail(ctx, actorOf(req), req.params.id);
      return reply.redirect(`/app/outbox/${req.params.id}`, 303);
    });
  };
