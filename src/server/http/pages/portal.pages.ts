import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { readableOn, readablePair } from "../../../shared/color.ts";
import { MAX_FILES_CUSTOMER_REPLY, MAX_FILES_SUBMIT } from "../../../shared/files.ts";
import { DESCRIPTION_MAX, STATUS_LABELS, TICKET_TYPES, type TicketStatus } from "../../../shared/tickets.ts";
import { newToken } from "../../auth/tokens.ts";
import type { AppContext } from "../../context.ts";
import { AppError, type FieldErrors } from "../../errors.ts";
import { uploadKeysFrom } from "../../files/file.service.ts";
import { recordSubmittedVisit } from "../../kb/kb.insights.ts";
import { submitPortalTicket } from "../../tickets/submit.ts";
import {
  CustomerReplyBody,
  type PortalSubmission,
  SubmitBody,
  type TrackingView,
} from "../../tickets/ticket.schemas.ts";
import { getTrackingView, replyAsTokenHolder } from "../../tickets/tracking.ts";
import { attachmentChips, fileField } from "../../web/attachments.ts";
import {
  describedBy,
  errorSummary as formErrorSummary,
  fieldError as formFieldError,
  formString,
  formText,
  when,
} from "../../web/forms.ts";
import { type Html, html, multiline } from "../../web/html.ts";
import { assetUrl, newNonce, sendPage } from "../../web/page.ts";
import { brandingOf, type Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { validateBody } from "../validation.ts";

// The customer portal: server-rendered pages that work without JavaScript; portal.js adds the
// live character count, inline checks before sending, and live updates on the tracking page.

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  email: "Email",
  subject: "Subject",
  description: "Description",
  type: "Type",
  body: "Your reply",
  attachments: "Files",
};

// The lightest surface brand-coloured text sits on in dark mode, and the darkest in light mode
// (portal.css: --agent-bg); text readable there is readable on every other surface.
const LIGHT_SURFACE = "#eef4ff";
const DARK_SURFACE = "#16213a";

interface Shell {
  ws: Workspace;
  title: string;
  nonce: string;
  main: Html;
  /** Opened in a frame on the customer's own site: links leave the frame. */
  embedded?: boolean;
  /** The settings preview: shown in a sandbox, without scripts. */
  preview?: boolean;
  /** The knowledge-base pages: links to the help articles and the submit form in the header. */
  nav?: boolean;
}

export function portalLayout({ ws, title, nonce, main, embedded, preview, nav }: Shell): Html {
  const b = brandingOf(ws);
  const pair = readablePair(b.primaryColor);
  const home = `/portal/${ws.slug}/submit`;
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${title} · ${b.brandName}</title>
<link rel="stylesheet" href="${assetUrl("portal.css")}">
<link rel="stylesheet" href="${assetUrl("files.css")}">
<link rel="icon" href="data:,">
<style nonce="${nonce}">:root{--brand:${pair.background};--on-brand:${pair.text};--brand-ink-light:${readableOn(b.primaryColor, LIGHT_SURFACE)};--brand-ink-dark:${readableOn(b.primaryColor, DARK_SURFACE)}}</style>
${preview ? "" : html`<script src="${assetUrl("portal.js")}" defer></script>`}
${preview ? "" : html`<script src="${assetUrl("files.js")}" defer></script>`}
</head>
<body${embedded ? html` class="embedded"` : ""}>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="${home}"${embedded ? html` target="_blank" rel="noopener"` : ""}>
    ${b.logoUrl ? html`<img src="${b.logoUrl}" alt="" height="32">` : html`<span class="mark" aria-hidden="true">${b.brandName.slice(0, 1)}</span>`}
    <span class="brand-name">${b.brandName}</span>
  </a>
  ${!nav || embedded || preview ? "" : html`<nav class="site-nav" aria-label="Portal"><a href="/portal/${ws.slug}/kb">Help articles</a><a href="${home}">Submit a request</a></nav>`}
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site">
  ${b.supportEmail ? html`<p>Questions? <a href="mailto:${b.supportEmail}">${b.supportEmail}</a></p>` : ""}
  <p class="powered">Powered by Portico</p>
</footer>
</body>
</html>`;
}

const errorSummary = (errors: FieldErrors | undefined, message?: string) =>
  formErrorSummary(FIELD_LABELS, errors, message);
const fieldError = (errors: FieldErrors | undefined, field: string) =>
  formFieldError(FIELD_LABELS, errors, field);

interface FormValues {
  name?: string;
  email?: string;
  subject?: string;
  description?: string;
  type?: string;
}

function submitForm(
  ws: Workspace,
  values: FormValues,
  errors?: FieldErrors,
  message?: string,
  embedded = false,
): Html {
  const key = newToken(16);
  const description = values.description ?? "";
  const count = [...description].length;
  return html`<h1>Submit a request</h1>
<p class="lede">Tell us what you need and we will get back to you by email.</p>
${errorSummary(errors, message)}
<form method="post" action="/portal/${ws.slug}/submit" novalidate data-portal-form data-once>
  <input type="hidden" name="idempotency_key" value="${key}">
  <input type="hidden" name="kb_visit_id" value="${newToken(16)}" data-kb-visit>
  <div class="field">
    <label for="name">Name</label>
    <input id="name" name="name" type="text" autocomplete="name" required value="${values.name ?? ""}"${describedBy(errors, "name")}>
    ${fieldError(errors, "name")}
  </div>
  <div class="field">
    <label for="email">Email</label>
    <p class="hint" id="email-hint">So we can recognise your requests and get back to you.</p>
    <input id="email" name="email" type="email" autocomplete="email" required value="${values.email ?? ""}"${describedBy(errors, "email", "email-hint")}>
    ${fieldError(errors, "email")}
  </div>
  <div class="field">
    <label for="subject">Subject</label>
    <input id="subject" name="subject" type="text" required value="${values.subject ?? ""}" data-max="200"${describedBy(errors, "subject")}>
    ${fieldError(errors, "subject")}
  </div>
  <div class="kb-suggest" id="kb-suggest" role="region" aria-label="Suggested help articles" aria-live="polite" data-suggest="/api/public/portals/${ws.slug}/kb/suggestions" data-events="/api/public/portals/${ws.slug}/kb/events"></div>
  <div class="field">
    <label for="description">Description <span class="optional">(optional)</span></label>
    <textarea id="description" name="description" rows="7" data-max="${DESCRIPTION_MAX}" data-count="description-count"${describedBy(errors, "description", "description-count")}>${description}</textarea>
    <p class="count${count > DESCRIPTION_MAX ? " over" : ""}" id="description-count">${count.toLocaleString("en-US")} / ${DESCRIPTION_MAX.toLocaleString("en-US")} characters</p>
    ${fieldError(errors, "description")}
  </div>
  <div class="field">
    <label for="type">Type <span class="optional">(optional)</span></label>
    <select id="type" name="type"${describedBy(errors, "type")}>
      ${TICKET_TYPES.map((t) => html`<option${(values.type ?? "Support Request") === t ? html` selected` : ""}>${t}</option>`)}
    </select>
    ${fieldError(errors, "type")}
  </div>
  ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_SUBMIT })}
  ${fieldError(errors, "attachments")}
  <button type="submit" class="primary">Submit request</button>
</form>
<p class="secondary-actions"><a href="/portal/${ws.slug}/kb"${embedded ? html` target="_blank" rel="noopener"` : ""}>Browse help articles</a></p>`;
}

/**
 * The submit page as the customer would see it with the given branding, for the settings
 * preview (framed in a sandbox that neither runs scripts nor submits forms).
 */
export function portalPreview(ws: Workspace, nonce: string): Html {
  return portalLayout({ ws, nonce, title: "Preview", main: submitForm(ws, {}), preview: true });
}

function statusBadge(status: TicketStatus): Html {
  return html`<span class="status status-${status}" id="ticket-status">${STATUS_LABELS[status]}</span>`;
}

function trackingMain(
  ws: Workspace,
  view: TrackingView,
  token: string,
  opts: { errors?: FieldErrors; draft?: string; notice?: string } = {},
): Html {
  const base = `/portal/${ws.slug}/tickets/${view.reference}`;
  return html`<div class="ticket-head">
  <p class="reference">${view.reference}</p>
  <h1>${view.subject}</h1>
  <p class="meta">Status: ${statusBadge(view.status)} · Opened ${when(view.createdAt)}</p>
</div>
${opts.notice ? html`<p class="notice success" role="status">${opts.notice}</p>` : ""}
${liveSection(ws, view, token)}
<p class="visually-hidden" aria-live="polite" id="live-announce"></p>
<section aria-labelledby="reply-title" class="reply">
  <h2 id="reply-title">Reply</h2>
  ${
    view.status === "closed"
      ? html`<p class="hint">This request is closed. Sending a message starts a new request that refers to this one.</p>`
      : view.status === "resolved"
        ? html`<p class="hint">Not solved after all? Replying reopens this request.</p>`
        : ""
  }
  ${errorSummary(opts.errors)}
  <form method="post" action="${base}/reply?t=${encodeURIComponent(token)}" novalidate data-portal-form data-once>
    <div class="field">
      <label for="body">Your reply</label>
      <textarea id="body" name="body" rows="5" required data-max="20000"${describedBy(opts.errors, "body")}>${opts.draft ?? ""}</textarea>
      ${fieldError(opts.errors, "body")}
    </div>
    ${fileField({ uploadUrl: `/api/public/upload?portal=${ws.slug}`, maxFiles: MAX_FILES_CUSTOMER_REPLY })}
    ${fieldError(opts.errors, "attachments")}
    <button type="submit" class="primary">Send reply</button>
  </form>
</section>
<p class="secondary-actions"><a href="/portal/${ws.slug}/submit">Submit another request</a></p>`;
}

/** The part of the tracking page that changes: re-rendered alone for the live poller. */
function liveSection(ws: Workspace, view: TrackingView, token: string): Html {
  const api = `/api/public/portals/${ws.slug}/tickets/${view.reference}`;
  const fileHref = (f: { id: string }) => `${api}/attachments/${f.id}?t=${encodeURIComponent(token)}`;
  return html`<div id="live" data-poll="${api}?t=${encodeURIComponent(token)}" data-state="${stateKey(view)}">
<section id="resolution" aria-labelledby="resolution-title">
${
  view.resolution
    ? html`<div class="resolution"><h2 id="resolution-title">Resolution</h2>
  ${view.resolution.details ? html`<p>${multiline(view.resolution.details)}</p>` : html`<p>This request was resolved.</p>`}
  <p class="meta">Resolved ${when(view.resolution.resolvedAt)}</p></div>`
    : ""
}
</section>
<section aria-labelledby="conversation-title">
  <h2 id="conversation-title">Conversation</h2>
  <ol class="conversation" id="conversation">
    <li class="message from-contact">
      <p class="who">${view.contact.name} <span class="meta">${when(view.createdAt)}</span></p>
      <div class="body">${view.description ? multiline(view.description) : html`<p class="meta">No description.</p>`}</div>
      ${attachmentChips(view.attachments, fileHref)}
    </li>
    ${view.conversation.map(
      (
        m,
        i,
      ) => html`<li class="message from-${m.author.type}"${i === view.conversation.length - 1 ? html` id="latest"` : ""}>
      <p class="who">${m.author.name}${m.author.type === "agent" ? html` <span class="tag">Support</span>` : ""} <span class="meta">${when(m.createdAt)}</span></p>
      <div class="body">${multiline(m.body)}</div>
      ${attachmentChips(m.attachments, fileHref)}
    </li>`,
    )}
  </ol>
</section>
</div>`;
}

/** What the live poller compares: a change means something new to show. */
function stateKey(v: TrackingView): string {
  return `${v.status}:${v.conversation.length}:${v.conversation.at(-1)?.id ?? ""}`;
}

function notFoundMain(ws: Workspace | undefined, slug: string): Html {
  return html`<h1>We could not open that request</h1>
<p>The link may be mistyped, or it has expired: tracking links work for 30 days.</p>
${ws ? html`<p><a class="button primary" href="/portal/${slug}/submit">Submit a new request</a></p>` : ""}`;
}

export function plainNotFound(reply: FastifyReply, nonce: string): FastifyReply {
  return sendPage(
    reply,
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>Not found</title><link rel="stylesheet" href="${assetUrl("portal.css")}"></head><body><main id="main"><h1>Portal not found</h1><p>Check the address you were given.</p></main></body></html>`,
    { nonce, status: 404 },
  );
}

const isEmbedded = (req: FastifyRequest) => req.headers["sec-fetch-dest"] === "iframe";

export const portalPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // Form posts are read here only; the JSON API keeps refusing form bodies.
    await app.register(formbody, { bodyLimit: 64 * 1024 });

    app.get<{ Params: { slug: string } }>("/:slug", (req, reply) =>
      reply.redirect(`/portal/${req.params.slug}/submit`),
    );

    app.get<{ Params: { slug: string }; Querystring: { subject?: string } }>(
      "/:slug/submit",
      async (req, reply) => {
        const nonce = newNonce();
        const ws = await findWorkspaceBySlug(ctx, req.params.slug);
        if (!ws) return plainNotFound(reply, nonce);
        const subject = typeof req.query.subject === "string" ? req.query.subject.slice(0, 200) : undefined;
        return sendPage(
          reply,
          portalLayout({
            ws,
            nonce,
            title: "Submit a request",
            embedded: isEmbedded(req),
            main: submitForm(ws, { subject }, undefined, undefined, isEmbedded(req)),
          }),
          { nonce, frameable: true },
        );
      },
    );

    app.post<{ Params: { slug: string } }>("/:slug/submit", async (req, reply) => {
      const nonce = newNonce();
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, nonce);
      const embedded = isEmbedded(req);
      const values: FormValues = {
        name: formString(req.body, "name") ?? "",
        email: (formString(req.body, "email") ?? "").trim(),
        subject: formString(req.body, "subject") ?? "",
        description: formText(req.body, "description"),
        type: formString(req.body, "type"),
      };
      const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
      const visit = formString(req.body, "kb_visit_id");
      const input: PortalSubmission = {
        name: values.name as string,
        email: values.email as string,
        subject: values.subject as string,
        ...(values.description ? { description: values.description } : {}),
        ...(values.type ? { type: values.type as PortalSubmission["type"] } : {}),
        ...(attachments.length ? { attachments } : {}),
      };
      // The submit page's visit id, for the deflection rate; a malformed one is left out.
      const kbVisitId = visit && /^[A-Za-z0-9_-]{16,64}$/.test(visit) ? visit : undefined;
      const page = (status: number, main: Html) =>
        sendPage(reply, portalLayout({ ws, nonce, title: "Submit a request", embedded, main }), {
          nonce,
          status,
          frameable: true,
        });
      const errors = validateBody(SubmitBody, input);
      if (errors) return page(400, submitForm(ws, values, errors, undefined, embedded));
      try {
        const key = formString(req.body, "idempotency_key");
        const { result, replayed } = await submitPortalTicket(ctx, {
          slug: ws.slug,
          input,
          clientAddress: req.ip,
          idempotencyKey: key && /^[A-Za-z0-9_-]{10,100}$/.test(key) ? `form:${key}` : undefined,
        });
        if (kbVisitId && !replayed) await recordSubmittedVisit(ctx, ws.slug, kbVisitId);
        const target = embedded ? html` target="_blank" rel="noopener"` : html``;
        return page(
          200,
          html`<div class="confirmation" role="status" data-kb-visit-done>
  <h1>Request received</h1>
  <p>Your reference is</p>
  <p class="big-reference">${result.reference}</p>
  <p>Keep the tracking link: it shows the progress of your request and lets you reply, for 30 days.</p>
</div>
<p class="actions">
  <a class="button primary" href="${result.trackingUrl}"${target}>Track ticket</a>
  <a class="button" href="/portal/${ws.slug}/submit">Submit another</a>
</p>`,
        );
      } catch (err) {
        if (err instanceof AppError && err.code === "rate_limited") {
          if (err.headers) reply.headers(err.headers);
          return page(429, submitForm(ws, values, undefined, err.message, embedded));
        }
        if (err instanceof AppError && err.status < 500) {
          return page(
            err.status,
            submitForm(ws, values, err.fields, err.fields ? undefined : err.message, embedded),
          );
        }
        throw err;
      }
    });

    const tracking = async (
      req: FastifyRequest<{
        Params: { slug: string; reference: string };
        Querystring: { t?: string; sent?: string; part?: string };
      }>,
      reply: FastifyReply,
      opts: { errors?: FieldErrors; draft?: string; status?: number } = {},
    ) => {
      const nonce = newNonce();
      const ws = await findWorkspaceBySlug(ctx, req.params.slug);
      if (!ws) return plainNotFound(reply, nonce);
      try {
        const token = String(req.query.t ?? "");
        const view = await getTrackingView(ctx, ws.slug, req.params.reference, token);
        if (req.query.part === "live") {
          // Just the changing parts, for portal.js: no <style>, so nothing to fight the page's CSP.
          return reply
            .header("content-type", "text/html; charset=utf-8")
            .header("cache-control", "no-store")
            .send(html`${statusBadge(view.status)}${liveSection(ws, view, token)}`.value);
        }
        const notice = req.query.sent === "1" ? "Your reply was sent." : undefined;
        return sendPage(
          reply,
          portalLayout({
            ws,
            nonce,
            title: `${view.reference}: ${view.subject}`,
            main: trackingMain(ws, view, token, { ...opts, ...(notice ? { notice } : {}) }),
          }),
          { nonce, status: opts.status ?? 200 },
        );
      } catch (err) {
        if (err instanceof AppError && err.status === 404) {
          return sendPage(
            reply,
            portalLayout({ ws, nonce, title: "Request not found", main: notFoundMain(ws, ws.slug) }),
            {
              nonce,
              status: 404,
            },
          );
        }
        throw err;
      }
    };

    app.get<{
      Params: { slug: string; reference: string };
      Querystring: { t?: string; sent?: string; part?: string };
    }>("/:slug/tickets/:reference", (req, reply) => tracking(req, reply));

    app.post<{ Params: { slug: string; reference: string }; Querystring: { t?: string } }>(
      "/:slug/tickets/:reference/reply",
      async (req, reply) => {
        const body = formText(req.body, "body");
        const attachments = uploadKeysFrom((req.body as Record<string, unknown> | undefined)?.attachments);
        const errors = validateBody(CustomerReplyBody, {
          body,
          ...(attachments.length ? { attachments } : {}),
        });
        if (errors) return tracking(req, reply, { errors, draft: body, status: 400 });
        try {
          const result = await replyAsTokenHolder(ctx, {
            slug: req.params.slug,
            reference: req.params.reference,
            token: req.query.t,
            body,
            attachments,
          });
          if (result.kind === "follow_up") {
            const nonce = newNonce();
            const ws = (await findWorkspaceBySlug(ctx, req.params.slug)) as Workspace;
            return sendPage(
              reply,
              portalLayout({
                ws,
                nonce,
                title: "New request started",
                main: html`<div class="confirmation" role="status">
  <h1>We started a new request</h1>
  <p>${req.params.reference} was closed, so your message opened a new request that refers to it.</p>
  <p class="big-reference">${result.reference}</p>
</div>
<p class="actions"><a class="button primary" href="${result.trackingUrl}">Track ticket</a></p>`,
              }),
              { nonce, status: 201 },
            );
          }
          const t = encodeURIComponent(String(req.query.t ?? ""));
          return reply.redirect(
            `/portal/${req.params.slug}/tickets/${req.params.reference}?t=${t}&sent=1#latest`,
            303,
          );
        } catch (err) {
          if (err instanceof AppError && err.status === 404) return tracking(req, reply);
          if (err instanceof AppError && err.status < 500 && err.fields) {
            return tracking(req, reply, { errors: err.fields, draft: body, status: err.status });
          }
          throw err;
        }
      },
    );
  };
