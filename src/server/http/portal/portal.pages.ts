import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { formatReference, parseReference } from "../../../shared/tickets.ts";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { sendStoredFile, uploadKeysFrom } from "../../files/file.service.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { tasksOfRequestRef } from "../../onboarding/task-links.ts";
import { customerExpectations } from "../../sla/sla.customer.ts";
import {
  addColleagueCc,
  closeAsCustomer,
  listColleagues,
  removeColleagueCc,
  replyAsCustomer,
} from "../../tickets/customer-portal.actions.ts";
import {
  PORTAL_STATUS_FILTERS,
  PORTAL_WHOSE_FILTERS,
  type PortalStatusFilter,
  type PortalWhoseFilter,
} from "../../tickets/customer-portal.schemas.ts";
import { getPortalTicket, listPortalTickets, portalHome } from "../../tickets/customer-portal.ts";
import { retryMinutes } from "../../tickets/reply-limits.ts";
import { CustomerReplyBody } from "../../tickets/ticket.schemas.ts";
import { expectationsLine } from "../../web/expectations.ts";
import { formString, formText } from "../../web/forms.ts";
import { answeringOutage, outageFieldError, unexpectedOutage } from "../shared/errors.ts";
import { pageTree } from "../shared/page-tree.ts";
import { formValidator } from "../shared/validation.ts";
import { type CustomerPageSpec, htmlAnswers, sendCustomerPage } from "./customer-page.ts";
import { portalDocumentPages } from "./documents.pages.ts";
import { portalFormPages } from "./forms.pages.ts";
import { addCustomerGate, customerOf } from "./gate.ts";
import { portalIncidentPages } from "./incidents.pages.ts";
import { portalOnboardingPages } from "./onboarding.pages.ts";
import {
  followUpStartedMain,
  homeMain,
  requestMain,
  requestNotFoundMain,
  requestsMain,
} from "./portal.views.ts";
import { findRequestFile } from "./request-files.ts";
import { portalSurveyPages } from "./survey.pages.ts";

// The signed-in portal's pages: /portal/{slug}/home, /requests, /requests/{reference} (with its
// reply, "This is solved", the colleagues copied in and the files); signing out is account.pages.ts'. Behind the
// customer gate: without a session, a page redirects to the portal's sign-in and comes back.

const validReply = formValidator(CustomerReplyBody);

type RequestParams = { slug: string; reference: string };

export const portalPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 64 * 1024 });
    // The one gate of every signed-in portal page: the pages of the customer's work are its children.
    addCustomerGate(app, ctx, htmlAnswers(ctx));
    await app.register(portalDocumentPages(ctx));
    await app.register(portalOnboardingPages(ctx));
    await app.register(portalSurveyPages(ctx));
    await app.register(portalIncidentPages(ctx));

    const page = (req: FastifyRequest, reply: FastifyReply, p: CustomerPageSpec) =>
      sendCustomerPage(ctx, req, reply, p);

    app.get("/:slug/home", async (req, reply) => {
      const c = customerOf(req);
      const home = await portalHome(ctx, c.actor);
      return page(req, reply, {
        title: (t) => t.t("home:title"),
        current: "home",
        main: (ws, t) => homeMain(ws, home, c.contact.name, t),
      });
    });

    app.get<{ Params: { slug: string }; Querystring: { status?: string; whose?: string; cursor?: string } }>(
      "/:slug/requests",
      async (req, reply) => {
        const c = customerOf(req);
        const status = (PORTAL_STATUS_FILTERS as readonly string[]).includes(req.query.status ?? "")
          ? (req.query.status as PortalStatusFilter)
          : "open";
        const whose = (PORTAL_WHOSE_FILTERS as readonly string[]).includes(req.query.whose ?? "")
          ? (req.query.whose as PortalWhoseFilter)
          : undefined;
        const cursor = typeof req.query.cursor === "string" ? req.query.cursor.slice(0, 400) : undefined;
        const list = await listPortalTickets(ctx, c.actor, {
          status,
          ...(whose ? { whose } : {}),
          ...(cursor ? { cursor } : {}),
        });
        return page(req, reply, {
          title: (t) => t.t("requests:title"),
          current: "requests",
          main: (ws, t) => requestsMain(ws, list, { status, whose, companyName: c.company?.name ?? null }, t),
        });
      },
    );

    const request = async (
      req: FastifyRequest<{ Params: RequestParams }>,
      reply: FastifyReply,
      opts: { errors?: FieldErrors; draft?: string; status?: number; notice?: string; limited?: number } = {},
    ) => {
      const c = customerOf(req);
      // The page of the conversation asked for (?before=, a message id), else the newest.
      const asked =
        req.method === "GET" ? (req.query as { before?: unknown } | undefined)?.before : undefined;
      let before = typeof asked === "string" && asked !== "" ? asked.slice(0, 64) : undefined;
      let badCursor = false;
      let view: Awaited<ReturnType<typeof getPortalTicket>>;
      try {
        try {
          view = await getPortalTicket(ctx, c.actor, req.params.reference, { before });
        } catch (err) {
          // Not a message of this request: the newest messages, saying so.
          if (!(before && err instanceof AppError && err.fields?.before)) throw err;
          badCursor = true;
          before = undefined;
          view = await getPortalTicket(ctx, c.actor, req.params.reference);
        }
      } catch (err) {
        if (!(err instanceof AppError && err.status === 404)) throw err;
        return page(req, reply, {
          title: (t) => t.t("requests:notFound.title"),
          status: 404,
          main: requestNotFoundMain,
        });
      }
      const colleagues = view.canCopyIn ? await listColleagues(ctx, c.actor) : [];
      const tasks = await tasksOfRequestRef(ctx, c.actor, req.params.reference);
      const expectations = await customerExpectations(ctx, c.actor.workspaceId, view.reference);
      return page(req, reply, {
        title: `${view.reference}: ${view.subject}`,
        current: "requests",
        status: opts.status ?? (badCursor ? 400 : 200),
        main: (ws, t) =>
          requestMain(
            ws,
            view,
            {
              t,
              csrfToken: customerCsrfTokenFor(req.customerToken as string),
              colleagues,
              tasks,
              expectations: expectationsLine(t, expectations, { assignee: false }),
              before,
              ...opts,
              ...(opts.notice ? { notice: t.t(opts.notice) } : {}),
              ...(badCursor ? { warning: t.t("tracking:badCursor") } : {}),
            },
            t,
          ),
      });
    };

    /** The notice after each change, by the address's ?done= (catalogue keys). */
    const NOTICES: Record<string, string> = {
      sent: "requests:notice.sent",
      solved: "requests:notice.solved",
      cc: "requests:notice.cc",
    };

    app.get<{ Params: RequestParams; Querystring: { done?: string } }>(
      "/:slug/requests/:reference",
      (req, reply) => {
        const notice = NOTICES[req.query.done ?? ""];
        return request(req, reply, notice ? { notice } : {});
      },
    );

    // The request was found by this reference, so it parses; the address shows it as TKT-0042.
    const back = (reply: FastifyReply, p: RequestParams, done: string, hash = "") =>
      reply.redirect(
        `/portal/${encodeURIComponent(p.slug)}/requests/${formatReference(parseReference(p.reference) ?? 0)}?done=${done}${hash}`,
        303,
      );

    app.get<{ Params: RequestParams & { id: string } }>(
      "/:slug/requests/:reference/attachments/:id",
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const file = await findRequestFile(ctx, actor, req.params.reference, req.params.id.slice(0, 40));
        return sendStoredFile(ctx, reply, file);
      },
    );

    // The chips' pictures: the same access as the download above.
    app.get<{ Params: RequestParams & { id: string } }>(
      "/:slug/requests/:reference/attachments/:id/thumbnail",
      async (req, reply) => {
        const actor = customerOf(req).actor;
        const file = await findRequestFile(ctx, actor, req.params.reference, req.params.id.slice(0, 40));
        return sendThumbnail(ctx, reply, file);
      },
    );

    app.post<{ Params: RequestParams }>("/:slug/requests/:reference/reply", async (req, reply) => {
      const body = formText(req.body, "body");
      const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
      const errors = validReply({ body, ...(attachments.length ? { attachments } : {}) });
      if (errors) return request(req, reply, { errors, draft: body, status: 400 });
      try {
        const result = await replyAsCustomer(
          ctx,
          customerOf(req).actor,
          req.params.reference,
          { body, attachments },
          req.ip,
        );
        if (result.kind === "follow_up") {
          return page(req, reply, {
            title: (t) => t.t("requests:followUp.title"),
            current: "requests",
            status: 201,
            main: (ws, t) =>
              followUpStartedMain(
                ws,
                formatReference(parseReference(req.params.reference) ?? 0),
                result.reference,
                t,
              ),
          });
        }
        return back(reply, req.params, "sent", "#latest");
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return request(req, reply);
        // Too many replies: the page again, saying when to send, with the reply as typed.
        if (err instanceof AppError && err.code === "rate_limited") {
          if (err.headers) reply.headers(err.headers);
          return request(req, reply, { limited: retryMinutes(err), draft: body, status: 429 });
        }
        if (err instanceof AppError && err.status < 500 && err.fields) {
          return request(req, reply, { errors: err.fields, draft: body, status: err.status });
        }
        const outage = unexpectedOutage(err);
        if (outage) {
          answeringOutage(req, reply, outage, err);
          return request(req, reply, { errors: outageFieldError(outage), draft: body, status: 503 });
        }
        throw err;
      }
    });

    app.post<{ Params: RequestParams }>("/:slug/requests/:reference/close", async (req, reply) => {
      try {
        await closeAsCustomer(ctx, customerOf(req).actor, req.params.reference);
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return request(req, reply);
        throw err;
      }
      return back(reply, req.params, "solved");
    });

    const changeCc =
      (change: typeof addColleagueCc) =>
      async (req: FastifyRequest<{ Params: RequestParams }>, reply: FastifyReply) => {
        const contactId = (formString(req.body, "contactId") ?? "").slice(0, 40);
        try {
          await change(ctx, customerOf(req).actor, req.params.reference, contactId);
        } catch (err) {
          if (err instanceof AppError && err.status === 404) return request(req, reply, { status: 404 });
          throw err;
        }
        return back(reply, req.params, "cc", "#cc-title");
      };
    app.post<{ Params: RequestParams }>("/:slug/requests/:reference/ccs", changeCc(addColleagueCc));
    app.post<{ Params: RequestParams }>("/:slug/requests/:reference/ccs/remove", changeCc(removeColleagueCc));
    await app.register(portalFormPages(ctx));
  };
