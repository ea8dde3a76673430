import type { FastifyReply, FastifyRequest } from "fastify";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import type { AppContext } from "../../context.ts";
import type { Translator } from "../../i18n/translator.ts";
import { pendingSurveyOf } from "../../surveys/survey.read.ts";
import { type Html, html } from "../../web/html.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { incidentBannerFor } from "../public/incident-banner.ts";
import { surveyBanner } from "../public/survey.views.ts";
import { type CustomerPage, plainNotFound, portalLayout } from "../shared/customer.layout.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { customerTranslator } from "../shared/locale.ts";
import type { GateAnswers } from "../shared/session-gate.ts";
import { expiredFormMain } from "./account.views.ts";
import { customerOf } from "./gate.ts";
import { type Reader, readerFor } from "./reader.ts";

// Every signed-in portal page leaves through here: the workspace's branded frame with the
// customer's navigation (the company's pages only for a contact of a company), never cached; and
// the gate's answers for those pages (htmlAnswers: to sign-in and back, or an expired form).

const slugOf = (req: FastifyRequest) => (req.params as { slug?: string }).slug ?? "";

export interface CustomerPageSpec {
  /** The page's title, or how to say it in the customer's language. */
  title: string | ((t: Translator) => string);
  current?: CustomerPage;
  /** The page's content, in the customer's language and with their times (reader.ts). */
  main: (ws: Workspace, t: Reader) => Html;
  status?: number;
  /** The survey's own page: no banner asking for it. */
  noSurveyBanner?: boolean;
}

export async function sendCustomerPage(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: CustomerPageSpec,
) {
  const nonce = newNonce();
  const ws = await findWorkspaceBySlug(ctx, slugOf(req));
  if (!ws) return plainNotFound(reply, nonce);
  reply.header("cache-control", "no-store");
  const customer = {
    csrfToken: customerCsrfTokenFor(req.customerToken as string),
    company: customerOf(req).actor.companyId !== null,
    ...(p.current ? { current: p.current } : {}),
  };
  // A survey waiting for this customer's answer: a banner on every page but its own.
  const pending = p.noSurveyBanner ? null : await pendingSurveyOf(ctx, customerOf(req).actor);
  const me = customerOf(req).contact;
  const t = readerFor(customerTranslator(ctx.config, reply, ws, me.locale), me.timeZone);
  const incidents = await incidentBannerFor(ctx, ws, t, customerOf(req).actor, {
    action: (id) => `/portal/${ws.slug}/incidents/${id}/affected`,
    csrf: customer.csrfToken,
    // A page answering a form (an expired one) has no address to come back to: the home.
    back: req.method === "GET" ? (req.url.split("?")[0] as string) : `/portal/${ws.slug}/home`,
  });
  const survey = pending ? surveyBanner(ws, pending, t) : undefined;
  const banner = incidents || survey ? html`${incidents ?? ""}${survey ?? ""}` : undefined;
  const title = typeof p.title === "string" ? p.title : p.title(t);
  return sendHtml(reply, portalLayout({ ws, t, nonce, title, customer, banner, main: p.main(ws, t) }), {
    kind: "page",
    nonce,
    status: p.status ?? 200,
  });
}

/** Back where they were after signing in: the same page for a GET, else the home. */
export const htmlAnswers = (ctx: AppContext): GateAnswers => ({
  unauthenticated: (req, reply) => {
    const slug = encodeURIComponent(slugOf(req));
    const next = req.method === "GET" ? req.url : `/portal/${slug}/home`;
    return reply.redirect(`/portal/${slug}/sign-in?next=${encodeURIComponent(next)}`, 303);
  },
  csrfFailed: (req, reply) =>
    sendCustomerPage(ctx, req, reply, {
      title: (t) => t.t("account:expired.title"),
      status: 403,
      main: (_ws, t) => expiredFormMain(t),
    }),
  tokenInForm: true,
});
