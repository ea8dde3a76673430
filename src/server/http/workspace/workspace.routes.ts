import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../../shared/tickets.ts";
import { addAgent, listAgents, setAgentActive } from "../../agents/agent.service.ts";
import { csrfTokenFor, signOut } from "../../auth/session.service.ts";
import { ContactDetail, ContactPage } from "../../contacts/contact.schemas.ts";
import { getContact, listContacts } from "../../contacts/contact.service.ts";
import type { AppContext } from "../../context.ts";
import { listOutbox, OUTBOX_STATES } from "../../email/outbox.service.ts";
import { validationFailed } from "../../errors.ts";
import { fieldFilterOf } from "../../forms/field-filter.ts";
import { Key, Nullable, OneOf, StrictObject } from "../../lib/schema.ts";
import { QUEUE_MOODS } from "../../sentiment/sentiment.schemas.ts";
import { addInternalNote, replyToTicket, resolveTicket, updateTicket } from "../../tickets/actions.ts";
import { getTicketDetail } from "../../tickets/detail.ts";
import { listQueue, QUEUE_SORTS } from "../../tickets/queue.ts";
import {
  AGENT_CONVERSATION_PAGE,
  AgentConversationQuery,
  AgentReplyBody,
  CommentResult,
  NoteBody,
  QueuePage,
  ResolveBody,
  TicketDetail,
  TicketPatch,
} from "../../tickets/ticket.schemas.ts";
import { errors } from "../shared/schema.ts";
import { JSON_ANSWERS } from "../shared/session-gate.ts";
import { workspaceAgentTaskRoutes } from "./agent-tasks.routes.ts";
import { workspaceAnalyticsRoutes } from "./analytics.routes.ts";
import { documentApiKeys } from "./api-keys.routes.ts";
import { AgentSchema, SessionSchema } from "./auth.schemas.ts";
import { workspaceBrandingRoutes } from "./branding.routes.ts";
import { workspaceCompanyRoutes } from "./companies.routes.ts";
import { workspaceContactAccessRoutes } from "./contact-access.routes.ts";
import { workspaceDocumentLimitRoutes } from "./document-limits.routes.ts";
import { workspaceDocumentRoutes } from "./documents.routes.ts";
import { workspaceDomainRoutes } from "./domain.routes.ts";
import { workspaceEmailSettingsRoutes } from "./email-settings.routes.ts";
import { workspaceEmbeddingRoutes } from "./embedding.routes.ts";
import { workspaceFasterRoutes } from "./faster.routes.ts";
import { workspaceFileRoutes } from "./files.routes.ts";
import { workspaceFormRoutes } from "./forms.routes.ts";
import { addAgentGate, clearSessionCookie, sessionOf } from "./gate.ts";
import { workspaceImportRoutes } from "./import.routes.ts";
import { workspaceIncidentRoutes } from "./incidents.routes.ts";
import { workspaceIntegrationRoutes } from "./integrations.routes.ts";
import { workspaceKbRoutes } from "./kb.routes.ts";
import { workspaceKbImageRoutes } from "./kb-images.routes.ts";
import { workspaceLifecycleRoutes } from "./lifecycle.routes.ts";
import { workspaceLiveRoutes } from "./live.routes.ts";
import { workspaceMacroRoutes } from "./macros.routes.ts";
import { workspaceNotificationRoutes } from "./notifications.routes.ts";
import { workspaceOnboardingRoutes } from "./onboarding.routes.ts";
import { workspacePortalAccessRoutes } from "./portal-access.routes.ts";
import { workspacePortalSettingsRoutes } from "./portal-settings.routes.ts";
import { workspaceReportRoutes } from "./reports.routes.ts";
import { workspaceRoutingRoutes } from "./routing.routes.ts";
import { sentimentRoutes } from "./sentiment.routes.ts";
import { workspaceSlaRoutes } from "./sla.routes.ts";
import { workspaceSurveySettingsRoutes } from "./survey-settings.routes.ts";
import { AddAgentBody, OutboxItemSchema, Ref } from "./workspace.schemas.ts";

const security = [{ session: [], csrf: [] }];

// Agents and admins. The one agent gate (gate.ts) guards every route below.
export const workspaceRoutes =
  (ctx: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    addAgentGate(app, ctx, JSON_ANSWERS, { apiKeys: true });
    documentApiKeys(app);
    await app.register(workspaceFileRoutes(ctx));
    await app.register(workspaceKbRoutes(ctx));
    await app.register(workspaceKbImageRoutes(ctx));
    await app.register(workspaceMacroRoutes(ctx));
    await app.register(workspaceEmbeddingRoutes(ctx));
    await app.register(workspaceDomainRoutes(ctx));
    await app.register(workspaceBrandingRoutes(ctx));
    await app.register(workspaceCompanyRoutes(ctx));
    await app.register(workspaceOnboardingRoutes(ctx));
    await app.register(workspacePortalAccessRoutes(ctx));
    await app.register(workspacePortalSettingsRoutes(ctx));
    await app.register(workspaceDocumentLimitRoutes(ctx));
    await app.register(workspaceContactAccessRoutes(ctx));
    await app.register(workspaceImportRoutes(ctx));
    await app.register(workspaceDocumentRoutes(ctx));
    await app.register(workspaceFormRoutes(ctx));
    await app.register(workspaceReportRoutes(ctx));
    await app.register(workspaceAgentTaskRoutes(ctx));
    await app.register(workspaceSurveySettingsRoutes(ctx));
    await app.register(workspaceEmailSettingsRoutes(ctx));
    await app.register(workspaceAnalyticsRoutes(ctx));
    await app.register(workspaceLifecycleRoutes(ctx));
    await app.register(sentimentRoutes(ctx));
    await app.register(workspaceIncidentRoutes(ctx));
    await app.register(workspaceRoutingRoutes(ctx));
    await app.register(workspaceNotificationRoutes(ctx));
    await app.register(workspaceFasterRoutes(ctx));
    await app.register(workspaceLiveRoutes(ctx));
    await app.register(workspaceSlaRoutes(ctx));
    await app.register(workspaceIntegrationRoutes(ctx));

    app.get(
      "/session",
      {
        config: { sessionOnly: true },
        schema: {
          tags: ["auth"],
          summary: "Who is signed in",
          security,
          response: { 200: SessionSchema, ...errors(401) },
        },
      },
      async (req) => {
        const s = sessionOf(req);
        return {
          agent: s.agent,
          workspace: s.workspace,
          csrfToken: csrfTokenFor(req.sessionToken as string),
          expiresAt: s.expiresAt,
        };
      },
    );

    app.post(
      "/sign-out",
      {
        config: { sessionOnly: true },
        schema: {
          tags: ["auth"],
          summary: "Sign out",
          security,
          response: { 204: Type.Null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        await signOut(ctx, req.sessionToken as string);
        clearSessionCookie(ctx, reply);
        return reply.status(204).send(null);
      },
    );

    // --- tickets -------------------------------------------------------------------------------

    app.get(
      "/tickets",
      {
        schema: {
          tags: ["tickets"],
          summary: "The queue",
          description:
            "Filter by status, priority (comma-separated lists), assignee (me, unassigned or an agent id), companyId and mood (negative, angry, urgent); sort=sentiment puts the most negative first; q searches subjects and messages, matching word prefixes. Pages by cursor: pass nextCursor back with the same filters.",
          security,
          querystring: Type.Object(
            {
              status: Type.Optional(Type.String({ maxLength: 100 })),
              priority: Type.Optional(Type.String({ maxLength: 100 })),
              assignee: Type.Optional(Type.String({ maxLength: 64 })),
              companyId: Type.Optional(Key(64, { description: "Only this company's tickets" })),
              team: Type.Optional(Key(64, { description: "mine (my teams' tickets) or a team id" })),
              field: Type.Optional(
                Type.String({ maxLength: 300, description: "key:value of a request's extra field" }),
              ),
              q: Type.Optional(Type.String({ maxLength: 200 })),
              mood: Type.Optional(
                OneOf(QUEUE_MOODS, "negative: score -0.4 or lower; angry or urgent: the ticket's marker"),
              ),
              sort: Type.Optional(OneOf(QUEUE_SORTS)),
              cursor: Type.Optional(Type.String({ maxLength: 500 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: QueuePage,
            ...errors(400, 401),
          },
        },
      },
      async (req) => {
        const q = req.query;
        return listQueue(ctx, sessionOf(req).actor, {
          status: listOf(q.status, TICKET_STATUSES, "status"),
          priority: listOf(q.priority, TICKET_PRIORITIES, "priority"),
          assignee: q.assignee,
          companyId: q.companyId,
          team: q.team,
          field: fieldFilterOf(q.field ?? ""),
          q: q.q,
          mood: q.mood,
          sort: q.sort,
          cursor: q.cursor,
          limit: q.limit,
        });
      },
    );

    app.get(
      "/tickets/:reference",
      {
        schema: {
          tags: ["tickets"],
          summary: "A ticket with its conversation and history",
          description: `The newest ${AGENT_CONVERSATION_PAGE} messages (notes included) unless \`limit\` says, with the history and files of the same stretch of time; \`hasOlder\` and \`nextBefore\` lead to the older ones.`,
          security,
          params: Ref,
          querystring: AgentConversationQuery,
          response: { 200: TicketDetail, ...errors(400, 401, 404) },
        },
      },
      async (req) => getTicketDetail(ctx, sessionOf(req).actor, req.params.reference, req.query),
    );

    app.patch(
      "/tickets/:reference",
      {
        schema: {
          tags: ["tickets"],
          summary: "Change status, priority or assignee",
          description: "assigneeId null unassigns. Each change is recorded as an event.",
          security,
          params: Ref,
          body: TicketPatch,
          response: { 200: TicketDetail, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => updateTicket(ctx, sessionOf(req).actor, req.params.reference, req.body),
    );

    app.post(
      "/tickets/:reference/resolve",
      {
        schema: {
          tags: ["tickets"],
          summary: "Resolve with a resolution note",
          description: "The resolution is shown to the customer on the tracking page.",
          security,
          params: Ref,
          body: ResolveBody,
          response: { 200: TicketDetail, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => resolveTicket(ctx, sessionOf(req).actor, req.params.reference, req.body.resolution),
    );

    app.post(
      "/tickets/:reference/replies",
      {
        schema: {
          tags: ["tickets"],
          summary: "Reply to the customer (public)",
          description: "The customer sees this. Optionally set the ticket's status in the same step.",
          security,
          params: Ref,
          body: AgentReplyBody,
          response: { 201: CommentResult, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await replyToTicket(ctx, sessionOf(req).actor, req.params.reference, req.body)),
    );

    app.post(
      "/tickets/:reference/notes",
      {
        schema: {
          tags: ["tickets"],
          summary: "Add an internal note",
          description: "Agents only: never shown on any customer-facing path.",
          security,
          params: Ref,
          body: NoteBody,
          response: { 201: CommentResult, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await addInternalNote(ctx, sessionOf(req).actor, req.params.reference, req.body)),
    );

    // --- contacts ------------------------------------------------------------------------------

    app.get(
      "/contacts",
      {
        schema: {
          tags: ["contacts"],
          summary: "Contacts",
          description: "q matches the start of an email or name.",
          security,
          querystring: Type.Object(
            {
              q: Type.Optional(Type.String({ maxLength: 200 })),
              cursor: Type.Optional(Type.String({ maxLength: 300 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: ContactPage,
            ...errors(400, 401),
          },
        },
      },
      async (req) => listContacts(ctx, sessionOf(req).actor, req.query),
    );

    app.get(
      "/contacts/:id",
      {
        schema: {
          tags: ["contacts"],
          summary: "A contact with their tickets",
          security,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: {
            200: ContactDetail,
            ...errors(401, 404),
          },
        },
      },
      async (req) => getContact(ctx, sessionOf(req).actor, req.params.id),
    );

    // --- outgoing mail -------------------------------------------------------------------------

    app.get(
      "/outbox",
      {
        schema: {
          tags: ["settings"],
          summary: "Outgoing emails, newest first (admins)",
          security,
          querystring: Type.Object({
            status: Type.Optional(OneOf(OUTBOX_STATES)),
            before: Type.Optional(
              Type.String({ pattern: "^[0-9a-f-]{36}$", description: "the `next` of the page before" }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(OutboxItemSchema),
              next: Nullable(Type.String()),
              counts: Type.Record(Type.String(), Type.Integer()),
            }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (req) => listOutbox(ctx, sessionOf(req).actor, req.query),
    );

    // --- settings ------------------------------------------------------------------------------

    app.get(
      "/agents",
      {
        schema: {
          tags: ["settings"],
          summary: "Agents of this workspace",
          security,
          response: { 200: Type.Object({ items: Type.Array(AgentSchema) }), ...errors(401) },
        },
      },
      async (req) => ({ items: await listAgents(ctx, sessionOf(req).actor) }),
    );

    app.post(
      "/agents",
      {
        schema: {
          tags: ["settings"],
          summary: "Add an agent (admins)",
          security,
          body: AddAgentBody,
          response: { 201: AgentSchema, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.status(201).send(await addAgent(ctx, sessionOf(req).actor, req.body)),
    );

    app.patch(
      "/agents/:id",
      {
        schema: {
          tags: ["settings"],
          summary: "Activate or deactivate an agent (admins)",
          description: "A deactivated agent is signed out at once and cannot sign in.",
          security,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: StrictObject({ active: Type.Boolean() }),
          response: { 200: AgentSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => setAgentActive(ctx, sessionOf(req).actor, req.params.id, req.body.active),
    );
  };

/** "open,waiting" → ["open", "waiting"], each checked against the allowed values. */
function listOf<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  field: string,
): T[] | undefined {
  if (!raw) return undefined;
  const values = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length) throw validationFailed({ [field]: `must be one of: ${allowed.join(", ")}` });
  return values as T[];
}
