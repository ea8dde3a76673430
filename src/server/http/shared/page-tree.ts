import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { OUTAGE_MESSAGES } from "../../lib/outage.ts";
import { assetUrl } from "../../web/assets.ts";
import { type Html, html } from "../../web/html.ts";
import { refuseControlsInForm } from "./control-characters.ts";
import { customerFieldLabel } from "./customer.layout.ts";
import { answeringOutage, jsonErrorHandler, unexpectedOutage } from "./errors.ts";
import { newNonce, sendHtml } from "./html-response.ts";

/**
 * Makes a plugin a tree of HTML pages: it reads form posts (only here: the JSON API keeps
 * refusing form bodies) and refuses control characters in them, and its routes stay out of the
 * API document, which describes the JSON API alone. Every answer of such a tree leaves through
 * sendHtml (html-response.ts); a refusal nothing in the page answered itself (a control
 * character in the address or a form) is a plain page naming the fields.
 */
export async function pageTree(
  app: FastifyInstance,
  opts: { formBodyLimit: number; errorHandler?: PageErrorHandler },
): Promise<void> {
  await app.register(formbody, { bodyLimit: opts.formBodyLimit });
  app.addHook("preValidation", refuseControlsInForm);
  app.addHook("onRoute", (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  // Set before any page is registered: a route keeps the handler of its tree at that time.
  app.setErrorHandler(opts.errorHandler ?? pageErrorHandler);
}

export type PageErrorHandler = (
  err: FastifyError | AppError,
  req: FastifyRequest,
  reply: FastifyReply,
) => FastifyReply | undefined;

/**
 * The customers' pages: a 4xx as a page, an outage as a 503 page saying to try again; anything
 * else as before (the JSON error answer, logged on a 5xx).
 */
function pageErrorHandler(err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  const outage = unexpectedOutage(err);
  if (outage) {
    answeringOutage(req, reply, outage, err);
    return simplePage(reply, "Temporarily unavailable", OUTAGE_MESSAGES[outage.code], 503, keptForm(req));
  }
  if (!(err instanceof AppError) || err.status >= 500) return jsonErrorHandler(err, req, reply);
  if (err.headers) reply.headers(err.headers);
  const fields = Object.entries(err.fields ?? {});
  const title = err.status === 404 ? "Not found" : "That did not work";
  return simplePage(
    reply,
    title,
    err.message,
    err.status,
    fields.length
      ? html`<ul>${fields.map(([f, m]) => html`<li>${customerFieldLabel(f)} ${m}</li>`)}</ul><p>Go back, correct it and try again.</p>`
      : "",
  );
}

// What a person typed, shown again on an outage's page when a form post failed before its page
// could answer itself (the database down before even the workspace was read): "Send again" posts
// the same fields, the typed ones visible and editable, the rest (tokens, choices) as they were.
const TYPED_LINES: Record<string, string> = { name: "Your name", email: "Your email", subject: "Subject" };
const TYPED_TEXTS: Record<string, string> = { description: "Description", body: "Your message" };

function keptForm(req: FastifyRequest): Html | "" {
  const body = req.body;
  if (req.method !== "POST" || !body || typeof body !== "object") return "";
  // A password (a new one, or the current one) is never written into a page: it is typed again.
  const entries = Object.entries(body as Record<string, unknown>)
    .filter(([k]) => !/password|secret|^current$/i.test(k))
    .flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v])
        .filter((x): x is string => typeof x === "string")
        .map((x) => [k, x] as const),
    );
  if (!entries.some(([k, v]) => (k in TYPED_LINES || k in TYPED_TEXTS) && v.trim())) return "";
  const fields = entries.map(([k, v], i) => {
    const id = `kept-${i}`;
    if (k in TYPED_TEXTS)
      return html`<p><label for="${id}">${TYPED_TEXTS[k] as string}</label><br><textarea id="${id}" name="${k}" rows="8">${v}</textarea></p>`;
    if (k in TYPED_LINES)
      return html`<p><label for="${id}">${TYPED_LINES[k] as string}</label><br><input id="${id}" name="${k}" value="${v}"></p>`;
    return html`<input type="hidden" name="${k}" value="${v}">`;
  });
  return html`<h2>Nothing was sent: what you wrote is kept here</h2><form method="post" action="${req.url}">${fields}<p><button type="submit">Send again</button></p></form>`;
}

/** A page that needs nothing from the database: no workspace's branding, no session. */
function simplePage(
  reply: FastifyReply,
  title: string,
  message: string,
  status: number,
  more: Html | "" = "",
) {
  const nonce = newNonce();
  return sendHtml(
    reply,
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>${title}</title><link rel="stylesheet" href="${assetUrl("portal.css")}"></head><body><main id="main"><h1>${title}</h1><p>${message}</p>${more}</main></body></html>`,
    { kind: "page", nonce, status },
  );
}
