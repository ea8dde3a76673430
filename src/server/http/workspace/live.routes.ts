import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { formatReference } from "../../../shared/tickets.ts";
import { resolveSession } from "../../auth/session.service.ts";
import { hashToken } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { PresenceAnswer, PresenceBody } from "../../live/live.schemas.ts";
import { PresenceBoard, TYPING_TTL_MS, VIEWING_TTL_MS } from "../../live/presence.ts";
import { LiveStreams, MAX_STREAMS_PER_AGENT } from "../../live/streams.ts";
import { findTicketForAgent } from "../../tickets/ticket.access.ts";
import { errors } from "../shared/schema.ts";
import { sessionOf } from "./gate.ts";
import { Ref } from "./workspace.schemas.ts";

// Live updates for agents: the event stream of their workspace (server-sent events) and the
// ticket page's presence heartbeat. Registered inside the agents' gate (workspace.routes.ts).

const security = [{ session: [], csrf: [] }];

export const workspaceLiveRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const streams = new LiveStreams(ctx.live);
    const presence = new PresenceBoard(ctx.live, () => ctx.now().getTime());
    // Before the HTTP drain: streams never end by themselves, and the drain must not wait for them.
    app.addHook("preClose", async () => streams.closeAll());
    app.addHook("onClose", async () => presence.close());

    app.get(
      "/live",
      {
        // The stream lives as long as the session's cookie (API keys: no).
        config: { sessionOnly: true },
        schema: {
          tags: ["live"],
          summary: "Live updates of this workspace (server-sent events)",
          description:
            "A text/event-stream: each `data:` line is a JSON event `{topic, reference?, data?}` — topic " +
            '"ticket" (one ticket changed), "queue" (many did), "notifications" (only to the agents told), ' +
            '"presence" (who views or types on a ticket). A comment every 25 s keeps it open; `retry:` says ' +
            "when to reconnect. It ends at sign-out, at the session's expiry and when the server stops. " +
            `At most ${MAX_STREAMS_PER_AGENT} streams per agent on one server (429 too_many_streams).`,
          security,
          produces: ["text/event-stream"],
          response: {
            200: Type.String({ description: "The event stream" }),
            ...errors(401, 429),
          },
        },
      },
      async (req, reply) => {
        const s = sessionOf(req);
        if (streams.closing) throw new AppError(503, "shutting_down", "The server is stopping; try again.");
        if (streams.countOf(s.agent.id) >= MAX_STREAMS_PER_AGENT) {
          throw new AppError(
            429,
            "too_many_streams",
            `At most ${MAX_STREAMS_PER_AGENT} live streams per agent: close a tab or two.`,
            { headers: { "retry-after": "30" } },
          );
        }
        const token = req.sessionToken as string;
        reply.hijack();
        streams.open(
          reply.raw,
          {
            workspaceId: s.workspace.id,
            agentId: s.agent.id,
            sessionId: hashToken(token),
            expiresAt: Date.parse(s.expiresAt),
            stillValid: async () => (await resolveSession(ctx, token))?.agent.id === s.agent.id,
          },
          ctx.now().getTime(),
        );
      },
    );

    app.post(
      "/tickets/:reference/presence",
      {
        schema: {
          tags: ["live"],
          summary: "Say that this agent views, or types on, a ticket",
          description: `A heartbeat: viewing holds ${VIEWING_TTL_MS / 1000} s, typing ${TYPING_TTL_MS / 1000} s. The other agents on the ticket hear it as a "presence" event; the answer lists them.`,
          security,
          params: Ref,
          body: PresenceBody,
          response: { 200: PresenceAnswer, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const s = sessionOf(req);
        const t = await findTicketForAgent(ctx, s.actor, req.params.reference);
        const reference = formatReference(t.number);
        presence.beat(
          ctx.live,
          s.workspace.id,
          reference,
          { agentId: s.agent.id, name: s.agent.name },
          req.body.state,
        );
        return { others: presence.others(s.workspace.id, reference, s.agent.id), ttlMs: VIEWING_TTL_MS };
      },
    );
  };
