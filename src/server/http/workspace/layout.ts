import type { FastifyReply, FastifyRequest } from "fastify";
import {
  PRIORITY_LABELS,
  STATUS_LABELS,
  type TicketPriority,
  type TicketStatus,
} from "../../../shared/tickets.ts";
import { csrfTokenFor, type SessionInfo } from "../../auth/session.service.ts";
import type { FieldErrors } from "../../errors.ts";
import { withoutBidiControls } from "../../lib/bidi.ts";
import { assetUrl } from "../../web/assets.ts";
import { errorSummary, fieldError, type Labels } from "../../web/forms.ts";
import { bdi, type Html, html } from "../../web/html.ts";
import { newNonce, sendHtml } from "../shared/html-response.ts";
import { availabilityControl } from "./availability.views.ts";
import { bellLink } from "./bell.views.ts";

// The agents' app: the frame every page shares (navigation, who is signed in, sign-out, the
// keyboard shortcut help) and small pieces the pages reuse. app.css and app.js are the app's
// own files; nothing here is ever sent to a customer.

export type Section =
  | "queue"
  | "contacts"
  | "companies"
  | "kb"
  | "settings"
  | "outbox"
  | "onboarding"
  | "forms"
  | "tasks"
  | "insights"
  | "incidents";

export const APP_LABELS: Labels = {
  workspace: "Workspace",
  email: "Email",
  password: "Password",
  name: "Name",
  slug: "Portal address",
  "admin.name": "Your name",
  "admin.email": "Your email",
  "admin.password": "Password",
  body: "Message",
  kind: "Send as",
  status: "Status",
  priority: "Priority",
  assigneeId: "Assignee",
  resolution: "Resolution",
  brandName: "Brand name",
  logoUrl: "Logo URL",
  primaryColor: "Primary colour",
  secondaryColor: "Accent colour",
  font: "Font",
  customCss: "Custom CSS",
  supportEmail: "Support email",
  role: "Role",
  cursor: "Page",
  q: "Search",
};

export const appErrorSummary = (errors: FieldErrors | undefined, message?: string) =>
  errorSummary(APP_LABELS, errors, message);
export const appFieldError = (errors: FieldErrors | undefined, field: string) =>
  fieldError(APP_LABELS, errors, field);

export const statusBadge = (status: TicketStatus) =>
  html`<span class="status status-${status}">${STATUS_LABELS[status]}</span>`;
export const priorityBadge = (priority: TicketPriority) =>
  html`<span class="priority priority-${priority}">${PRIORITY_LABELS[priority]}</span>`;

/** The CSRF field every form in the app carries; checked by the agents' one gate (gate.ts). */
export const csrfField = (req: FastifyRequest) =>
  html`<input type="hidden" name="_csrf" value="${csrfTokenFor(req.sessionToken as string)}">`;

function head(title: string): Html {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${withoutBidiControls(title)} · Portico</title>
<link rel="stylesheet" href="${assetUrl("app.css")}">
<link rel="stylesheet" href="${assetUrl("files.css")}">
<link rel="stylesheet" href="${assetUrl("faster.css")}">
<link rel="icon" href="data:,">
<script src="${assetUrl("time.js")}" defer></script>
<script src="${assetUrl("app.js")}" defer></script>
<script src="${assetUrl("live.js")}" defer></script>
<script src="${assetUrl("bell.js")}" defer></script>
<script src="${assetUrl("sla.js")}" defer></script>
<script src="${assetUrl("files.js")}" defer></script>
<script src="${assetUrl("compose.js")}" defer></script>
<script src="${assetUrl("faster.js")}" defer></script>
</head>`;
}

const SHORTCUTS: [string, string][] = [
  ["/", "Search the queue"],
  ["j / k", "Next / previous ticket in the queue"],
  ["Enter", "Open the selected ticket"],
  ["t", "Take the ticket (assign it to me)"],
  ["a / s / p", "Change the assignee / status / priority"],
  ["x", "Select the ticket in the queue"],
  ["r", "Write a reply to the customer"],
  ["n", "Write an internal note"],
  ["g then q", "Go to the queue"],
  ["g then c", "Go to contacts"],
  ["g then s", "Go to settings"],
  ["?", "Show these shortcuts"],
];

export interface AppPage {
  title: string;
  main: Html;
  section?: Section;
  status?: number;
}

/** A signed-in page: navigation, the agent, sign-out and the shortcut help. */
export function sendAppPage(req: FastifyRequest, reply: FastifyReply, page: AppPage): FastifyReply {
  const s = req.session as SessionInfo;
  const nonce = newNonce();
  const nav = (section: Section, href: string, label: string, count?: number | null) =>
    html`<a href="${href}"${page.section === section ? html` aria-current="page"` : ""}>${label}${count ? html` <span class="nav-count">${String(count)}<span class="visually-hidden"> open</span></span>` : ""}</a>`;
  return sendHtml(
    reply,
    html`<html lang="en">
${head(page.title)}
<body class="app"${req.bell?.timeZone ? html` data-zone="${req.bell.timeZone}"` : ""}>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
  <a class="logo" href="/app"><span class="mark" aria-hidden="true">P</span><span>${bdi(s.workspace.name)}</span></a>
  <nav aria-label="Main">
    ${nav("queue", "/app", "Queue")}
    ${nav("tasks", "/app/tasks", "Tasks", req.openTasks)}
    ${nav("incidents", "/app/incidents", "Incidents")}
    ${nav("contacts", "/app/contacts", "Contacts")}
    ${nav("companies", "/app/companies", "Companies")}
    ${nav("kb", "/app/kb", "Knowledge base")}
    ${nav("onboarding", "/app/onboarding/templates", "Onboarding")}
    ${nav("forms", "/app/forms", "Forms")}
    ${nav("insights", "/app/insights", "Insights")}
    ${nav("settings", "/app/settings", "Settings")}
    ${s.agent.role === "admin" ? nav("outbox", "/app/outbox", "Outbox") : ""}
  </nav>
  <div class="me">
    ${availabilityControl(req)}
    ${req.bell ? bellLink(req.bell.unread, req.url.startsWith("/app/notifications")) : ""}
    <span class="who" title="${s.agent.email}">${bdi(s.agent.name)}${s.agent.role === "admin" ? html` <span class="tag">Admin</span>` : ""}</span>
    <a class="linkish" href="/app/profile">Profile</a>
    <button type="button" class="linkish" data-shortcuts-open aria-haspopup="dialog">Shortcuts</button>
    <form method="post" action="/app/sign-out">${csrfField(req)}<button type="submit" class="linkish">Sign out</button></form>
  </div>
</header>
<main id="main" tabindex="-1">
${page.main}
<p class="visually-hidden" aria-live="polite" id="live-announce"></p>
</main>
<dialog id="shortcuts" aria-labelledby="shortcuts-title">
  <h2 id="shortcuts-title">Keyboard shortcuts</h2>
  <dl>${SHORTCUTS.map(([k, d]) => html`<div><dt><kbd>${k}</kbd></dt><dd>${d}</dd></div>`)}</dl>
  <form method="dialog"><button type="submit">Close</button></form>
</dialog>
</body>
</html>`,
    { kind: "page", nonce, status: page.status ?? 200 },
  );
}

/** A page without a session: sign-in, first-run setup, and their errors. */
export function sendPublicAppPage(
  reply: FastifyReply,
  page: { title: string; main: Html; status?: number },
): FastifyReply {
  const nonce = newNonce();
  return sendHtml(
    reply,
    html`<html lang="en">
${head(page.title)}
<body class="app narrow">
<main id="main" tabindex="-1">
<p class="logo standalone"><span class="mark" aria-hidden="true">P</span><span>Portico</span></p>
${page.main}
</main>
</body>
</html>`,
    { kind: "page", nonce, status: page.status ?? 200 },
  );
}

/**
 * Only paths inside the app are followed after sign-in: never another site, and only an address
 * as a browser sends it (printable ASCII, no space or backslash), which a Location header takes.
 */
export function safeNext(raw: unknown): string {
  return typeof raw === "string" &&
    /^\/app(?:[/?#]|$)/.test(raw) &&
    !raw.startsWith("//") &&
    !/[^!-~]|\\/.test(raw)
    ? raw
    : "/app";
}
