import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { formatReference, parseReference } from "../../../shared/tickets.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { findAttachmentForTokenHolder, type StoredFile } from "../../files/file.access.ts";
import { sendStoredFile, uploadKeysFrom } from "../../files/file.service.ts";
import { sendThumbnail } from "../../files/thumbnail.ts";
import { customerExpectations } from "../../sla/sla.customer.ts";
import { mergedTrackingLink } from "../../tickets/merge.ts";
import { retryMinutes } from "../../tickets/reply-limits.ts";
import { CustomerReplyBody } from "../../tickets/ticket.schemas.ts";
import { getTrackingView, replyAsTokenHolder } from "../../tickets/tracking.ts";
import { expectationsLine } from "../../web/expectations.ts";
import { formText } from "../../web/forms.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { pageEntry, portalEntry, trackingViewer } from "../portal/portal-entry.ts";
import { cookieOptions, trackingCookieName } from "../shared/cookies.ts";
import { plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { answeringOutage, outageFieldError, unexpectedOutage } from "../shared/errors.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import { pageTree } from "../shared/page-tree.ts";
import { formValidator } from "../shared/validation.ts";
import { trackingIncidentBanner } from "./incident-banner.ts";
import { followUpMain, liveFragment, notFoundMain, stateKey, trackingMain } from "./tracking.views.ts";

// /portal/{slug}/tickets/{reference}: the tracking token opens this one request, to read and to
// reply. The link in an email carries the token (?t=); opening it moves the token into a cookie
// scoped to this ticket's path and redirects to the address without it, so the token is neither
// in the address bar nor in the history. The page, its live part, the reply and the files read
// the token from that cookie when the address has none. A wrong, expired or other ticket's token
// gets the same not-found page.

type TrackingRequest = FastifyRequest<{
  Params: { slug: string; reference: string };
  Querystring: { t?: string; sent?: string; part?: string; before?: string };
}>;

/** The page of the conversation asked for (?before=, a message id), else the newest. */
const beforeOf = (req: TrackingRequest): string | undefined => {
  const before = req.method === "GET" ? req.query.before : undefined;
  return typeof before === "string" && before !== "" ? before.slice(0, 64) : undefined;
};

/** Renewed on every visit: it outlives a tab left open for a while, not the customer's day. */
const TRACKING_COOKIE_SECONDS = 3600;

const validReply = formValidator(CustomerReplyBody);

/** On a public portal the token alone opens the ticket: no customer session is read. */
const TOKEN_ONLY = { onlyIfRequired: true };

/** The page's own address, which is also the cookie's path: its replies and files are below it. */
const ticketPath = (slug: string, reference: string) => `/portal/${slug}/tickets/${reference}`;

export const trackingPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 64 * 1024 });
    const cookie = trackingCookieName(ctx.config);

    /** The token from the address when it has one (a link just opened), else from the ticket's cookie. */
    const tokenOf = (req: FastifyRequest): { token: string; fromAddress: boolean } => {
      const query = (req.query as { t?: unknown } | undefined)?.t;
      if (typeof query === "string" && query !== "") return { token: query, fromAddress: true };
      return { token: req.cookies[cookie] ?? "", fromAddress: false };
    };

    // Our usual cookie, but for this one ticket's path only.
    const ticketCookie = (slug: string, reference: string) => ({
      ...cookieOptions(ctx.config, { maxAge: TRACKING_COOKIE_SECONDS }),
      path: ticketPath(slug, reference),
    });
    const keepToken = (reply: FastifyReply, slug: string, reference: string, token: string) =>
      reply.setCookie(cookie, token, ticketCookie(slug, reference));

    const notFound = (reply: FastifyReply, ws: Workspace, nonce: string) => {
      const t = customerTranslator(ctx.config, reply, ws);
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t,
          nonce,
          title: t.t("tracking:notFound.title"),
          main: notFoundMain(ws, ws.slug, t),
        }),
        { kind: "page", nonce, status: 404 },
      );
    };

    /**
     * The portal's access level first (portal-entry.ts): on a portal that needs sign-in, someone
     * not signed in is sent to sign in and back to the request's page; the live part just gets 401.
     */
    const entryFor = async (req: TrackingRequest | FastifyRequest, reply: FastifyReply, live: boolean) => {
      const { slug, reference } = req.params as { slug: string; reference: string };
      if (live) {
        const entry = await portalEntry(ctx, req, slug, TOKEN_ONLY);
        if (entry === "no_portal") {
          await plainNotFound(reply, newNonce());
          return null;
        }
        // The live fragment of a page no longer shown: no content, the next full load says why.
        if (entry === "sign_in" || entry === "closed") {
          await reply
            .code(entry === "closed" ? 403 : 401)
            .header("cache-control", "no-store")
            .send();
          return null;
        }
        return entry;
      }
      const number = parseReference(reference);
      const next =
        number === null ? `/portal/${slug}/requests` : `/portal/${slug}/requests/${formatReference(number)}`;
      return pageEntry(ctx, req, reply, slug, next, TOKEN_ONLY);
    };

    const tracking = async (
      req: TrackingRequest,
      reply: FastifyReply,
      opts: { errors?: FieldErrors; draft?: string; status?: number; limited?: number } = {},
    ) => {
      const live = req.query.part === "live";
      const entry = await entryFor(req, reply, live);
      if (!entry) return reply;
      const ws = entry.ws;
      const nonce = newNonce();
      const slug = req.params.slug;
      const { token, fromAddress } = tokenOf(req);
      let before = beforeOf(req);
      let view: Awaited<ReturnType<typeof getTrackingView>>;
      let badCursor = false;
      try {
        try {
          view = await getTrackingView(ctx, slug, req.params.reference, token, trackingViewer(entry), {
            before,
          });
        } catch (err) {
          // Not a message of this request: the newest messages, saying so.
          if (!(before && err instanceof AppError && err.fields?.before)) throw err;
          badCursor = true;
          before = undefined;
          view = await getTrackingView(ctx, slug, req.params.reference, token, trackingViewer(entry));
        }
      } catch (err) {
        if (!(err instanceof AppError && err.status === 404)) throw err;
        return notFound(reply, ws, nonce);
      }
      // A merged request (closed, merged into another of the customer's): its link opens the other.
      if (view.status === "closed" && !live && req.method === "GET") {
        const moved = await mergedTrackingLink(ctx, slug, req.params.reference, token, trackingViewer(entry));
        if (moved) return reply.header("cache-control", "no-store").redirect(moved, 303);
      }
      // A link just opened: its token goes into the cookie and the address loses it.
      if (fromAddress && req.method === "GET" && !live) {
        keepToken(reply, slug, view.reference, token);
        const sent = req.query.sent === "1" ? "?sent=1" : "";
        reply.header("cache-control", "no-store");
        return reply.redirect(`${ticketPath(slug, view.reference)}${sent}`, 303);
      }
      if (!fromAddress) keepToken(reply, slug, view.reference, token);
      const etag = `"${stateKey(view)}"`;
      // The poller sends the state it shows: unchanged, nothing is rendered or sent.
      if (live && req.headers["if-none-match"] === etag) {
        return reply.code(304).header("etag", etag).header("cache-control", "no-store").send();
      }
      const t = customerTranslator(ctx.config, reply, ws);
      if (live) {
        reply.header("etag", etag);
        return sendHtml(reply, liveFragment(ws, t, view, before), { kind: "fragment" });
      }
      const notice = req.query.sent === "1" ? t.t("tracking:sent") : undefined;
      const { limited, ...form } = opts;
      const refused = limited ? t.t("tracking:tooMany", { count: limited }) : undefined;
      const banner = await trackingIncidentBanner(ctx, ws, t, {
        reference: view.reference,
        token,
        path: ticketPath(slug, view.reference),
      });
      const expectations = expectationsLine(t, await customerExpectations(ctx, ws.id, view.reference));
      return sendHtml(
        reply,
        portalLayout({
          ws,
          t,
          nonce,
          title: `${view.reference}: ${view.subject}`,
          path: ticketPath(slug, view.reference),
          banner,
          main: trackingMain(ws, t, view, {
            ...form,
            before,
            expectations,
            ...(notice ? { notice } : {}),
            ...(refused ? { refused } : {}),
            ...(badCursor ? { warning: t.t("tracking:badCursor") } : {}),
          }),
        }),
        { kind: "page", nonce, status: opts.status ?? (badCursor ? 400 : 200) },
      );
    };

    app.get<{
      Params: { slug: string; reference: string };
      Querystring: { t?: string; sent?: string; part?: string; before?: string };
    }>("/:slug/tickets/:reference", (req, reply) => tracking(req, reply));

    // The files of the conversation, for the page's links (the API's download, keyed by the cookie),
    // and the chips' pictures: one access for both.
    const tokenHolderFile =
      (send: (ctx: AppContext, reply: FastifyReply, file: StoredFile) => Promise<unknown>) =>
      async (
        req: FastifyRequest<{ Params: { slug: string; reference: string; id: string } }>,
        reply: FastifyReply,
      ) => {
        const entry = await entryFor(req, reply, false);
        if (!entry) return reply;
        const file = await findAttachmentForTokenHolder(ctx, {
          slug: req.params.slug,
          reference: req.params.reference,
          token: tokenOf(req).token,
          id: req.params.id.slice(0, 40),
          viewer: trackingViewer(entry),
        });
        return send(ctx, reply, file);
      };
    app.get("/:slug/tickets/:reference/attachments/:id", tokenHolderFile(sendStoredFile));
    app.get("/:slug/tickets/:reference/attachments/:id/thumbnail", tokenHolderFile(sendThumbnail));

    app.post<{ Params: { slug: string; reference: string }; Querystring: { t?: string } }>(
      "/:slug/tickets/:reference/reply",
      async (req, reply) => {
        const entry = await entryFor(req, reply, false);
        if (!entry) return reply;
        const body = formText(req.body, "body");
        const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
        const errors = validReply({ body, ...(attachments.length ? { attachments } : {}) });
        if (errors) return tracking(req, reply, { errors, draft: body, status: 400 });
        const { token, fromAddress } = tokenOf(req);
        try {
          const result = await replyAsTokenHolder(ctx, {
            slug: req.params.slug,
            reference: req.params.reference,
            token,
            body,
            attachments,
            viewer: trackingViewer(entry),
            clientAddress: req.ip,
          });
          if (result.kind === "follow_up") {
            const nonce = newNonce();
            const ws = entry.ws;
            // "Submit another request" keeps the name the tracking page already shows; the
            // email stays out of a page whoever holds the link can open.
            const closed = await getTrackingView(
              ctx,
              req.params.slug,
              req.params.reference,
              token,
              trackingViewer(entry),
            );
            const t = customerTranslator(ctx.config, reply, ws);
            return sendHtml(
              reply,
              portalLayout({
                ws,
                t,
                nonce,
                title: t.t("tracking:followUp.title"),
                main: followUpMain(ws, t, req.params.reference, result, closed.contact.name),
              }),
              { kind: "page", nonce, status: 201 },
            );
          }
          // The token opened the ticket, so the reference is a valid one.
          const reference = formatReference(parseReference(req.params.reference) as number);
          // A form from a page that still had the token in its address: the cookie takes it over.
          if (fromAddress) keepToken(reply, req.params.slug, reference, token);
          return reply.redirect(`${ticketPath(req.params.slug, reference)}?sent=1#latest`, 303);
        } catch (err) {
          if (err instanceof AppError && err.status === 404) return tracking(req, reply);
          // Too many replies: the page again, saying when to send, with the reply as typed.
          if (err instanceof AppError && err.code === "rate_limited") {
            if (err.headers) reply.headers(err.headers);
            return tracking(req, reply, { limited: retryMinutes(err), draft: body, status: 429 });
          }
          if (err instanceof AppError && err.status < 500 && err.fields) {
            return tracking(req, reply, { errors: err.fields, draft: body, status: err.status });
          }
          const outage = unexpectedOutage(err);
          if (outage) {
            // The page again with the reply as typed (if the page can still be read).
            answeringOutage(req, reply, outage, err);
            return tracking(req, reply, { errors: outageFieldError(outage), draft: body, status: 503 });
          }
          throw err;
        }
      },
    );
  };
