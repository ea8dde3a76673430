import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AgentActor } from "../../actors.ts";
import type { SessionInfo } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, validationFailed } from "../../errors.ts";
import { type BulkAction, BulkBody } from "../../tickets/faster.schemas.ts";
import { bulkUpdate, markOpened, queueViews, takeTicket } from "../../tickets/faster.ts";
import { mergeTickets } from "../../tickets/merge.ts";
import type { TicketDetail } from "../../tickets/ticket.schemas.ts";
import { formString } from "../../web/forms.ts";
import { type Html, html } from "../../web/html.ts";
import { formValidator } from "../shared/validation.ts";
import { bulkResultMain, mergeCard, takeButton, undoToast, viewNav } from "./faster.views.ts";
import { sendAppPage } from "./layout.ts";

// The app's forms for working faster: "Take it", the queue's bulk bar and a ticket's merge. Each
// works without JavaScript (a redirect or a result page); app.js uses the JSON API instead.

const checkBulk = formValidator(BulkBody);
const actorOf = (req: FastifyRequest) => (req.session as SessionInfo).actor;

const MERGE_ERRORS: Record<string, string> = {
  merge_other_customer: "That ticket belongs to another customer: only tickets of the same customer merge.",
  merge_target_closed: "That ticket is closed. Reopen it first.",
  already_merged: "This ticket was already merged.",
  not_found: "There is no such ticket.",
  validation_failed: "Enter another ticket's reference, like TKT-0042.",
};

/** A bulk form's "kind:value" choice as the API's action. */
function actionOf(actor: AgentActor, choice: string, into: string): BulkAction | Record<string, unknown> {
  const [kind = "", value = ""] = choice.split(/:(.*)/s);
  if (kind === "assign") return { kind, assigneeId: value === "me" ? actor.agentId : value || null };
  if (kind === "status") return { kind, status: value };
  if (kind === "priority") return { kind, priority: value };
  if (kind === "merge") return { kind, into: into.trim().toUpperCase() };
  return { kind };
}

const listOf = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === "string");

/** What a ticket page adds for working faster: "Take it", the merge card, the undo toast; marks it read. */
export async function fasterTicketParts(
  ctx: AppContext,
  req: FastifyRequest,
  t: TicketDetail,
): Promise<{ take: Html | ""; side: Html }> {
  const actor = actorOf(req);
  await markOpened(ctx, actor, t);
  const code = (req.query as Record<string, string | undefined>).merge;
  return {
    take: takeButton(req, t, actor.agentId),
    side: html`${mergeCard(req, t, code ? (MERGE_ERRORS[code] ?? MERGE_ERRORS.validation_failed) : undefined)}${undoToast}`,
  };
}

/** The views with their counts for the queue page. */
export async function queueViewNav(
  ctx: AppContext,
  req: FastifyRequest,
  p: { status: string; assignee: string; waiting?: string; team?: string },
): Promise<Html> {
  return viewNav(p, await queueViews(ctx, actorOf(req)));
}

export const fasterPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { reference: string } }>("/tickets/:reference/take", async (req, reply) => {
      await takeTicket(ctx, actorOf(req), req.params.reference);
      if (formString(req.body, "back") === "queue") return reply.redirect("/app", 303);
      return reply.redirect(`/app/tickets/${encodeURIComponent(req.params.reference)}?done=details`, 303);
    });

    app.post("/tickets/bulk", async (req, reply) => {
      const actor = actorOf(req);
      const body = req.body as Record<string, unknown> | undefined;
      const data = {
        references: [...new Set(listOf(body?.references))],
        action: actionOf(actor, formString(body, "action") ?? "", formString(body, "into") ?? ""),
      };
      const errors = checkBulk(data);
      if (errors) throw validationFailed(errors);
      const result = await bulkUpdate(ctx, actor, data.references, data.action as BulkAction);
      return sendAppPage(req, reply, {
        title: "Bulk change",
        section: "queue",
        main: bulkResultMain(result.results),
      });
    });

    app.post<{ Params: { reference: string } }>("/tickets/:reference/merge", async (req, reply) => {
      const into = (formString(req.body, "into") ?? "").trim().toUpperCase();
      const back = `/app/tickets/${encodeURIComponent(req.params.reference)}`;
      try {
        const r = await mergeTickets(ctx, actorOf(req), req.params.reference, into);
        return reply.redirect(`/app/tickets/${r.target}?done=details`, 303);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          return reply.redirect(`${back}?merge=${encodeURIComponent(err.code)}`, 303);
        }
        throw err;
      }
    });
  };
