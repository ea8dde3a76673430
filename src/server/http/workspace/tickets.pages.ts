import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketPriority,
  type TicketStatus,
} from "../../../shared/tickets.ts";
import { listAgents } from "../../agents/agent.service.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import { companyOptions } from "../../companies/company.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { uploadKeysFrom } from "../../files/file.service.ts";
import { fieldFilterOf } from "../../forms/field-filter.ts";
import { ticketFieldsOf } from "../../forms/request-fields.ts";
import { useMacroAfterSend } from "../../macros/macro-send.ts";
import { listTeams } from "../../routing/teams.ts";
import { isQueueMood } from "../../sentiment/sentiment.schemas.ts";
import { addInternalNote, replyToTicket, resolveTicket, updateTicket } from "../../tickets/actions.ts";
import { type DetailPage, getTicketDetail } from "../../tickets/detail.ts";
import { markOpened } from "../../tickets/faster.ts";
import { listQueue, QUEUE_SORTS, type QueueQuery, type QueueSort } from "../../tickets/queue.ts";
import { AgentReplyBody, NoteBody, ResolveBody, TicketPatch } from "../../tickets/ticket.schemas.ts";
import { formString, formText } from "../../web/forms.ts";
import { sendHtml } from "../shared/html-response.ts";
import { formValidator } from "../shared/validation.ts";
import { ticketFollowUpsFor } from "./agent-tasks.pages.ts";
import { fasterTicketParts, queueViewNav } from "./faster.pages.ts";
import { bulkBar } from "./faster.views.ts";
import { ticketIncidentsFor } from "./incidents.pages.ts";
import { sendAppPage } from "./layout.ts";
import { ticketTasksFor } from "./onboarding.pages.ts";
import { collisionFieldsOf } from "./ticket-live.forms.ts";
import {
  type Query,
  type QueueParams,
  queueMain,
  queueRows,
  type TicketPageState,
  ticketLiveFragment,
  ticketMain,
} from "./tickets.views.ts";

// The queue and a ticket. Every read and write goes through the same services as the JSON API,
// with the signed-in agent as the actor: scoping is decided there, never here. The ticket's
// forms are checked by the JSON routes' own body schemas (tickets/ticket.schemas.ts), their string
// fields converted to the bodies' types first.

const UNRESOLVED: TicketStatus[] = ["open", "in_progress", "waiting"];

// The details form has always named a bad status or priority so.
const checkDetails = formValidator(TicketPatch, {
  status: "is not a status",
  priority: "is not a priority",
});
const checkReply = formValidator(AgentReplyBody, { status: "is not a status" });
const checkNote = formValidator(NoteBody);
const checkResolve = formValidator(ResolveBody);

function queueParams(raw: Query): QueueParams {
  const str = (k: string, max: number) =>
    typeof raw[k] === "string" ? (raw[k] as string).slice(0, max) : "";
  const sort = str("sort", 20);
  return {
    status: str("status", 40) || "unresolved",
    priority: str("priority", 20),
    assignee: str("assignee", 64),
    company: str("company", 64),
    field: str("field", 300),
    waiting: str("waiting", 5),
    q: str("q", 200).trim(),
    mood: isQueueMood(str("mood", 20)) ? str("mood", 20) : "",
    sort: (QUEUE_SORTS as readonly string[]).includes(sort) ? (sort as QueueSort) : "newest",
    cursor: str("cursor", 500),
    team: str("team", 64),
  };
}

function toQueueQuery(p: QueueParams): QueueQuery {
  const status =
    p.status === "unresolved"
      ? UNRESOLVED
      : (TICKET_STATUSES as readonly string[]).includes(p.status)
        ? [p.status as TicketStatus]
        : undefined;
  const priority = (TICKET_PRIORITIES as readonly string[]).includes(p.priority)
    ? [p.priority as TicketPriority]
    : undefined;
  return {
    status,
    priority,
    assignee: p.assignee || undefined,
    companyId: p.company || undefined,
    team: p.team || undefined,
    field: fieldFilterOf(p.field ?? ""),
    q: p.q || undefined,
    mood: isQueueMood(p.mood) ? p.mood : undefined,
    waitingForUs: p.waiting === "us",
    sort: p.sort,
    cursor: p.cursor || undefined,
    limit: 25,
  };
}

/** A form's fields as the JSON body they stand for, or its field errors. */
function bodyOf<T>(check: (data: unknown) => Record<string, string> | null, body: object): T {
  const errors = check(body);
  if (errors) throw validationFailed(errors);
  return body as T;
}

const NOTICES: Record<string, string> = {
  reply: "Your reply was sent to the customer.",
  note: "Your internal note was added. The customer does not see it.",
  details: "Details saved.",
  resolved: "The ticket is resolved. The customer sees the resolution on their tracking page.",
};

export const ticketPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

    app.get<{ Querystring: Query }>("/", async (req, reply) => {
      const p = queueParams(req.query);
      const actor = actorOf(req);
      let result: Awaited<ReturnType<typeof listQueue>>;
      let problem: string | undefined;
      try {
        result = await listQueue(ctx, actor, toQueueQuery(p));
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        problem = "That page of the queue is no longer valid; here is the first page.";
        p.cursor = "";
        result = await listQueue(ctx, actor, toQueueQuery(p));
      }
      const me = actor.agentId;
      if (req.query.part === "rows")
        return sendHtml(reply, queueRows(result.items, p, me), { kind: "fragment" });
      const agents = (await listAgents(ctx, actor)).filter((a) => a.active);
      const companies = await companyOptions(ctx, actor);
      return sendAppPage(req, reply, {
        title: "Queue",
        section: "queue",
        main: queueMain(
          p,
          agents,
          companies,
          result.items,
          result.nextCursor,
          problem,
          await listTeams(ctx, actor),
          { me, views: await queueViewNav(ctx, req, p), tools: bulkBar(req, agents) },
        ),
      });
    });

    const showTicket = async (
      req: FastifyRequest<{ Params: { reference: string } }>,
      reply: FastifyReply,
      st: TicketPageState & { status?: number } = {},
      page: DetailPage = {},
    ) => {
      const actor = actorOf(req);
      const [t, agents] = await Promise.all([
        getTicketDetail(ctx, actor, req.params.reference, page),
        listAgents(ctx, actor),
      ]);
      const onboarding = await ticketTasksFor(ctx, req, t.reference);
      const followUps = await ticketFollowUpsFor(ctx, actor, t.id);
      const extraFields = await ticketFieldsOf(ctx, actor, t.id);
      const incidents = await ticketIncidentsFor(ctx, req, t.id, t.reference);
      const faster = await fasterTicketParts(ctx, req, t);
      return sendAppPage(req, reply, {
        title: `${t.reference}: ${t.subject}`,
        section: "queue",
        status: st.status ?? 200,
        main: ticketMain(req, t, agents, {
          ...st,
          onboarding,
          extraFields,
          followUps,
          incidents,
          faster,
          teams: await listTeams(ctx, actor),
        }),
      });
    };

    /** Runs a ticket write; a 4xx comes back as the same page with the errors shown. */
    const ticketWrite = async (
      req: FastifyRequest<{ Params: { reference: string } }>,
      reply: FastifyReply,
      write: () => Promise<unknown>,
      done: keyof typeof NOTICES,
      onError: TicketPageState,
    ) => {
      try {
        await write();
        return reply.redirect(`/app/tickets/${req.params.reference}?done=${done}`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) throw err;
        if (err instanceof AppError && err.status < 500) {
          return showTicket(req, reply, {
            ...onError,
            status: err.status,
            ...(err.fields ? { errors: err.fields } : { message: err.message }),
            ...(err.code === "newer_message" ? { newerMessage: true } : {}),
          });
        }
        throw err;
      }
    };

    app.get<{
      Params: { reference: string };
      Querystring: { done?: string; part?: string; before?: string };
    }>("/tickets/:reference", async (req, reply) => {
      // Older messages of a long conversation: a message that is not this ticket's shows the newest.
      const before = typeof req.query.before === "string" ? req.query.before : undefined;
      if (before !== undefined) {
        try {
          return await showTicket(req, reply, { older: true }, { before });
        } catch (err) {
          if (err instanceof AppError && err.fields?.before) {
            return reply.redirect(`/app/tickets/${encodeURIComponent(req.params.reference)}`, 303);
          }
          throw err;
        }
      }
      if (req.query.part === "live") {
        const actor = actorOf(req);
        const [t, agents] = await Promise.all([
          getTicketDetail(ctx, actor, req.params.reference),
          listAgents(ctx, actor),
        ]);
        await markOpened(ctx, actor, t);
        return sendHtml(reply, ticketLiveFragment(t, agents), { kind: "fragment" });
      }
      const done = req.query.done;
      return showTicket(req, reply, done && NOTICES[done] ? { notice: NOTICES[done] } : {});
    });

    app.post<{ Params: { reference: string } }>("/tickets/:reference/messages", async (req, reply) => {
      const kind = formString(req.body, "kind");
      const body = formText(req.body, "body");
      const status = formString(req.body, "status") ?? "";
      const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
      const actor = actorOf(req);
      return ticketWrite(
        req,
        reply,
        async () => {
          // The kind is never assumed: a message goes to the customer only when asked for.
          if (kind !== "reply" && kind !== "note") throw validationFailed({ kind: "must be chosen" });
          if (kind === "note") {
            const note = bodyOf<{ body: string; attachments: string[] }>(checkNote, { body, attachments });
            await addInternalNote(ctx, actor, req.params.reference, note);
            return useMacroAfterSend(ctx, actor, req.params.reference, req.body, false);
          }
          // "Keep it as it is" sends no status.
          const message = bodyOf<{ body: string; attachments: string[]; status?: TicketStatus }>(checkReply, {
            body,
            attachments,
            ...(status ? { status } : {}),
            ...collisionFieldsOf(req.body),
          });
          await replyToTicket(ctx, actor, req.params.reference, message);
          return useMacroAfterSend(ctx, actor, req.params.reference, req.body, Boolean(status));
        },
        kind === "note" ? "note" : "reply",
        { draft: body, ...(kind ? { kind } : {}) },
      );
    });

    app.post<{ Params: { reference: string } }>("/tickets/:reference/properties", async (req, reply) => {
      const status = formString(req.body, "status");
      const priority = formString(req.body, "priority");
      const assignee = formString(req.body, "assigneeId");
      const team = formString(req.body, "teamId");
      return ticketWrite(
        req,
        reply,
        async () => {
          // A field left out of the form is left as it is; the empty assignee unassigns.
          const patch = bodyOf<{
            status?: TicketStatus;
            priority?: TicketPriority;
            assigneeId?: string | null;
            teamId?: string | null;
          }>(checkDetails, {
            ...(status !== undefined ? { status } : {}),
            ...(priority !== undefined ? { priority } : {}),
            ...(assignee !== undefined ? { assigneeId: assignee || null } : {}),
            ...(team !== undefined ? { teamId: team || null } : {}),
          });
          return updateTicket(ctx, actorOf(req), req.params.reference, patch);
        },
        "details",
        {},
      );
    });

    app.post<{ Params: { reference: string } }>("/tickets/:reference/resolve", async (req, reply) => {
      const resolution = formText(req.body, "resolution");
      return ticketWrite(
        req,
        reply,
        () => {
          const body = bodyOf<{ resolution: string }>(checkResolve, { resolution });
          return resolveTicket(ctx, actorOf(req), req.params.reference, body.resolution);
        },
        "resolved",
        { resolutionDraft: resolution },
      );
    });
  };
