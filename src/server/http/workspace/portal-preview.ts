import type { Translator } from "../../i18n/translator.ts";
import type { PortalArticle } from "../../kb/kb.schemas.ts";
import type { PortalTicket } from "../../tickets/customer-portal.schemas.ts";
import type { html } from "../../web/html.ts";
import { pageShown } from "../../workspaces/portal-basics.ts";
import { portalOpen } from "../../workspaces/portal-settings.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { requestMain } from "../portal/portal.views.ts";
import { readerFor } from "../portal/reader.ts";
import { homeMain } from "../public/home.views.ts";
import { articleMain } from "../public/kb.views.ts";
import { submitForm } from "../public/submit.views.ts";
import { type CustomerPage, portalLayout } from "../shared/customer.layout.ts";
import { closedMain } from "../shared/portal-closed.views.ts";

// The preview of the whole portal on Settings → Portal: each page in the workspace's frame and
// (unsaved) settings, with sample content only, never a customer's. Framed by the settings page,
// without scripts; the request page as a signed-in customer sees it.

export type PreviewPage = "home" | "article" | "submit" | "request";
export const isPreviewPage = (v: unknown): v is PreviewPage =>
  v === "home" || v === "article" || v === "submit" || v === "request";

const SAMPLE_DAY = "2026-01-12T09:30:00.000Z";

const SAMPLE_ARTICLE: PortalArticle = {
  id: "sample",
  slug: "reset-your-password",
  title: "Reset your password",
  html: "<p>Choose <strong>Forgot password</strong> on the sign-in page and enter your email address. The link we send works for an hour.</p><p>No email after a few minutes? Check your spam folder, then write to us.</p>",
  tags: [],
  category: { name: "Getting started", slug: "getting-started" },
  updatedAt: SAMPLE_DAY,
};

const SAMPLE_TOPICS = {
  topics: [
    { name: "Getting started", slug: "getting-started", description: "Your first steps.", count: 4 },
    { name: "Billing", slug: "billing", description: "Invoices and payment.", count: 3 },
    { name: "Account", slug: "account", description: "", count: 1 },
  ],
  uncategorised: 0,
};

const sampleTicket = (t: Translator): PortalTicket => ({
  reference: "TKT-0042",
  subject: "Invoice address needs changing",
  description: "Our invoices still show the old address. Could you change it to our new office?",
  type: "Support Request",
  status: "waiting",
  statusLabel: t.t("tracking:status.waiting"),
  mine: true,
  createdAt: SAMPLE_DAY,
  lastActivityAt: SAMPLE_DAY,
  contact: { name: "Alex Sample" },
  assignee: null,
  attachments: [],
  conversation: [
    {
      id: "m1",
      author: { type: "agent", name: "Sam from Support" },
      body: "Thanks for getting in touch. Which address should the invoices show?",
      createdAt: SAMPLE_DAY,
      attachments: [],
    },
  ],
  hasOlder: false,
  nextBefore: null,
  resolution: null,
  ccs: [],
  canCopyIn: false,
  canClose: true,
});

/** One page of the portal as the draft settings show it, light or dark. */
export function previewPage(
  ws: Workspace,
  t: Translator,
  page: PreviewPage,
  scheme: "light" | "dark",
  nonce: string,
) {
  const frame = { ws, t, nonce, preview: true, scheme };
  if (!portalOpen(ws)) {
    return portalLayout({
      ...frame,
      title: t.t("home:closed.title"),
      closed: true,
      main: closedMain(t, ws),
    });
  }
  const views: Record<
    PreviewPage,
    () => { title: string; current: CustomerPage; main: ReturnType<typeof html> }
  > = {
    home: () => ({
      title: t.t("home:title"),
      current: "home",
      main: homeMain(ws, t, { kb: pageShown(ws, "kb") ? SAMPLE_TOPICS : null, openRequests: null }),
    }),
    article: () => ({
      title: SAMPLE_ARTICLE.title,
      current: "kb",
      main: articleMain(ws, t, SAMPLE_ARTICLE, { kind: "ask" }),
    }),
    submit: () => ({ title: t.t("common:nav.submit"), current: "new", main: submitForm(ws, t, {}) }),
    request: () => ({
      title: "TKT-0042",
      current: "requests",
      main: requestMain(ws, sampleTicket(t), { csrfToken: "preview", colleagues: [], t }, readerFor(t, null)),
    }),
  };
  const v = views[page]();
  return portalLayout({
    ...frame,
    ...v,
    ...(page === "request" ? { customer: { csrfToken: "preview" } } : {}),
  });
}
