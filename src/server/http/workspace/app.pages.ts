import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { signOut } from "../../auth/session.service.ts";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { OUTAGE_MESSAGES } from "../../lib/outage.ts";
import { type Html, html } from "../../web/html.ts";
import { answeringOutage, jsonErrorHandler, unexpectedOutage } from "../shared/errors.ts";
import { pageTree } from "../shared/page-tree.ts";
import type { GateAnswers } from "../shared/session-gate.ts";
import { addOpenTaskBadge, agentTaskPages } from "./agent-tasks.pages.ts";
import { apiKeyPages } from "./api-keys.pages.ts";
import { auditPages } from "./audit.pages.ts";
import { brandingPages } from "./branding.pages.ts";
import { companyPages } from "./companies.pages.ts";
import { contactPages } from "./contacts.pages.ts";
import { companyDocumentPages } from "./documents.pages.ts";
import { domainPages } from "./domain.pages.ts";
import { emailSettingsPages } from "./email-settings.pages.ts";
import { fasterPages } from "./faster.pages.ts";
import { formPages } from "./forms.pages.ts";
import { addAgentGate, clearSessionCookie } from "./gate.ts";
import { importPages } from "./import.pages.ts";
import { incidentPages } from "./incidents.pages.ts";
import { insightsPages } from "./insights.pages.ts";
import { kbPages } from "./kb.pages.ts";
import { APP_LABELS, safeNext, sendAppPage, sendPublicAppPage } from "./layout.ts";
import { macroPages } from "./macros.pages.ts";
import { addNotificationBell, notificationPages } from "./notifications.pages.ts";
import { onboardingPages } from "./onboarding.pages.ts";
import { outboxPages } from "./outbox.pages.ts";
import { portalSettingsPages } from "./portal-settings.pages.ts";
import { reportPages } from "./reports.pages.ts";
import { addAvailability, routingPages } from "./routing.pages.ts";
import { sentimentPages } from "./sentiment.pages.ts";
import { settingsPages } from "./settings.pages.ts";
import { setupPages } from "./setup.pages.ts";
import { signInPages } from "./sign-in.pages.ts";
import { slaSettingsPages } from "./sla.pages.ts";
import { surveySettingsPages } from "./survey-settings.pages.ts";
import { ticketPages } from "./tickets.pages.ts";
import { webhookPages } from "./webhooks.pages.ts";

// The agents' workspace app (/app) and first-run setup (/setup): server-rendered pages that
// work without JavaScript, enhanced by app.js. The agents' one gate (gate.ts) guards the whole
// signed-in tree; sign-in, invitations and setup stay outside it.

/** How the pages answer the gate's refusals: back to sign-in, or the page saying a form expired. */
const PAGE_ANSWERS: GateAnswers = {
  unauthenticated: (req, reply) => {
    // Back where they were after signing in: the same page for a GET, else the queue.
    const next = safeNext(req.method === "GET" ? req.url : undefined);
    return reply.redirect(`/app/sign-in?next=${encodeURIComponent(next)}`, 303);
  },
  csrfFailed: (req, reply) =>
    sendAppPage(req, reply, {
      title: "Please try again",
      status: 403,
      main: html`<h1>That form had expired</h1><p>Nothing was changed. Go back, reload the page and try again.</p>`,
    }),
  tokenInForm: true,
};

/** What the fields of a refusal say (a control character in the address or a form, say). */
const fieldList = (err: AppError) =>
  err.fields
    ? html`<ul>${Object.entries(err.fields).map(([f, m]) => html`<li>${APP_LABELS[f] ?? f} ${m}</li>`)}</ul>`
    : "";

const notFoundMain = html`<h1>Not found</h1><p>It may have been moved, or it is not in this workspace. <a href="/app">Back to the queue</a></p>`;

/**
 * Every error of the app's pages as a page: signed in, in the app's frame; before the gate has
 * admitted anyone (sign-in, setup, a refused address), in the frame without a session.
 */
function appErrorPage(err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  const page = (p: { title: string; status: number; main: Html }) =>
    req.session ? sendAppPage(req, reply, p) : sendPublicAppPage(reply, p);
  if (err instanceof AppError && err.status < 500) {
    if (err.headers) reply.headers(err.headers);
    return page({
      title: err.status === 404 ? "Not found" : "That did not work",
      status: err.status,
      main:
        err.status === 404
          ? notFoundMain
          : html`<h1>That did not work</h1><p>${err.message}</p>${fieldList(err)}<p><a href="/app">Back to the queue</a></p>`,
    });
  }
  if (!(err instanceof AppError) && err.statusCode && err.statusCode < 500) {
    // Fastify's own refusals (a form too large, say): the JSON answer, as before.
    return jsonErrorHandler(err, req, reply);
  }
  const outage = unexpectedOutage(err);
  if (outage) {
    // What was typed in a form is still in the browser: going back keeps it.
    answeringOutage(req, reply, outage, err);
    return page({
      title: "Temporarily unavailable",
      status: 503,
      main: html`<h1>Temporarily unavailable</h1><p>${OUTAGE_MESSAGES[outage.code]}</p><p>${req.method === "GET" || req.method === "HEAD" ? "Reload the page in a moment." : "Nothing was saved. Go back and send it again in a moment."}</p>`,
    });
  }
  req.log.error({ err }, "unhandled error");
  return page({
    title: "Something went wrong",
    status: 500,
    main: html`<h1>Something went wrong on our side</h1><p>Go back and try again. If it keeps happening, tell your administrator and quote request ${req.id}.</p>`,
  });
}

export const appPages =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    await pageTree(app, { formBodyLimit: 64 * 1024, errorHandler: appErrorPage });
    await app.register(setupPages(ctx));
    await app.register(signInPages(ctx));

    await app.register(
      async (tree) => {
        addAgentGate(tree, ctx, PAGE_ANSWERS);
        addOpenTaskBadge(tree, ctx);
        addAvailability(tree, ctx);
        addNotificationBell(tree, ctx);

        tree.post("/sign-out", async (req, reply) => {
          await signOut(ctx, req.sessionToken as string);
          clearSessionCookie(ctx, reply);
          return reply.redirect("/app/sign-in?signedOut=1", 303);
        });

        await tree.register(ticketPages(ctx));
        await tree.register(fasterPages(ctx));
        await tree.register(contactPages(ctx));
        await tree.register(companyPages(ctx));
        await tree.register(companyDocumentPages(ctx));
        await tree.register(onboardingPages(ctx));
        await tree.register(formPages(ctx));
        await tree.register(importPages(ctx));
        await tree.register(insightsPages(ctx));
        await tree.register(settingsPages(ctx), { prefix: "/settings" });
        await tree.register(brandingPages(ctx), { prefix: "/settings" });
        await tree.register(surveySettingsPages(ctx), { prefix: "/settings/surveys" });
        await tree.register(sentimentPages(ctx), { prefix: "/settings/sentiment" });
        await tree.register(domainPages(ctx), { prefix: "/settings/domain" });
        await tree.register(emailSettingsPages(ctx), { prefix: "/settings/emails" });
        await tree.register(portalSettingsPages(ctx), { prefix: "/settings/portal" });
        await tree.register(auditPages(ctx), { prefix: "/settings/audit" });
        await tree.register(webhookPages(ctx), { prefix: "/settings/webhooks" });
        await tree.register(apiKeyPages(ctx), { prefix: "/settings/api-keys" });
        await tree.register(slaSettingsPages(ctx), { prefix: "/settings/sla" });
        await tree.register(agentTaskPages(ctx), { prefix: "/tasks" });
        await tree.register(incidentPages(ctx), { prefix: "/incidents" });
        await tree.register(outboxPages(ctx), { prefix: "/outbox" });
        await tree.register(kbPages(ctx), { prefix: "/kb" });
        await tree.register(macroPages(ctx), { prefix: "/macros" });
        await tree.register(reportPages(ctx), { prefix: "/insights/reports" });
        await tree.register(routingPages(ctx));
        await tree.register(notificationPages(ctx));

        tree.setNotFoundHandler((req, reply) =>
          sendAppPage(req, reply, { title: "Not found", status: 404, main: notFoundMain }),
        );
      },
      { prefix: "/app" },
    );
  };
