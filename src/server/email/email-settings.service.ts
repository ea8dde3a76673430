import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { type FieldErrors, forbidden, validationFailed } from "../errors.ts";
import { LOCALES, type Locale } from "../i18n/locales.ts";
import { emailWordingOf } from "../workspaces/portal-settings.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import { getWorkspace, updateWorkspaceAudited } from "../workspaces/workspace.service.ts";
import { type Rendered, renderTemplate, type TemplateCall } from "./email.templates.ts";
import {
  CUSTOMER_EMAIL_KINDS,
  CUSTOMER_EMAILS,
  type CustomerEmailKind,
  type EmailLang,
  isCustomerEmail,
  wordingProblem,
} from "./email.wording.ts";
import { repliesCanArrive, supportAddressOf } from "./outbox.ts";

// Settings → Emails: whether mail leaves and replies come back (from the configuration), and the
// workspace's own subject and intro of each customer email in each language, with a preview
// built from sample data. Everyone of the team reads them; admins change them (audited).

export interface EmailWordingView {
  subject: string | null;
  intro: string | null;
}

export interface EmailSettingsView {
  status: {
    /** smtp: sent through SMTP_URL; file: only written to the Outbox and DATA_DIR/mail as .eml. */
    delivery: "smtp" | "file";
    /** How replies by email arrive: the built-in SMTP listener, IMAP, or not at all. */
    inbound: "smtp" | "imap" | "smtp+imap" | null;
    /** The address customers' replies go to, when there is one. */
    replyAddress: string | null;
    /** Whether customer emails invite "reply to this email". */
    repliesArrive: boolean;
  };
  /** Every customer email, per language, the workspace's wording (null: ours). */
  templates: Record<CustomerEmailKind, Record<Locale, EmailWordingView>>;
  placeholders: Record<CustomerEmailKind, string[]>;
}

export function emailStatusOf(ctx: AppContext, ws: Workspace): EmailSettingsView["status"] {
  const smtpIn = ctx.config.inboundSmtpPort !== undefined;
  const imap = ctx.config.imapUrl !== undefined;
  return {
    delivery: ctx.config.smtpUrl ? "smtp" : "file",
    inbound: smtpIn && imap ? "smtp+imap" : smtpIn ? "smtp" : imap ? "imap" : null,
    replyAddress: supportAddressOf(ctx, ws),
    repliesArrive: repliesCanArrive(ctx, ws),
  };
}

function templatesOf(ws: Workspace): EmailSettingsView["templates"] {
  const out = {} as EmailSettingsView["templates"];
  for (const kind of CUSTOMER_EMAIL_KINDS) {
    out[kind] = {} as Record<Locale, EmailWordingView>;
    for (const locale of LOCALES) out[kind][locale] = emailWordingOf(ws, kind, locale);
  }
  return out;
}

export const emailSettingsOf = (ctx: AppContext, ws: Workspace): EmailSettingsView => ({
  status: emailStatusOf(ctx, ws),
  templates: templatesOf(ws),
  placeholders: Object.fromEntries(
    CUSTOMER_EMAIL_KINDS.map((k) => [k, [...CUSTOMER_EMAILS[k]]]),
  ) as EmailSettingsView["placeholders"],
});

export async function getEmailSettings(ctx: AppContext, actor: AgentActor): Promise<EmailSettingsView> {
  return emailSettingsOf(ctx, await getWorkspace(ctx, actor));
}

/** A change: per email and language, the subject and intro; null or empty is ours again. */
export type EmailTemplatesPatch = Partial<
  Record<string, Partial<Record<string, { subject?: string | null; intro?: string | null }>>>
>;

/**
 * Sets the wording given (emails and languages left out stay as they are). Every problem is
 * answered at once, each under its field: `<kind>.<locale>.subject`.
 */
export async function updateEmailTemplates(
  ctx: AppContext,
  actor: AgentActor,
  patch: EmailTemplatesPatch,
): Promise<EmailSettingsView> {
  if (actor.role !== "admin") throw forbidden("Only admins change the emails' wording.");
  const ws = await getWorkspace(ctx, actor);
  const saved = templatesOf(ws);
  const fields: FieldErrors = {};
  const changed: string[] = [];
  for (const [kind, byLocale] of Object.entries(patch)) {
    if (!isCustomerEmail(kind)) {
      fields[kind] = `is not a customer email; they are ${CUSTOMER_EMAIL_KINDS.join(", ")}`;
      continue;
    }
    for (const [locale, wording] of Object.entries(byLocale ?? {})) {
      if (!(LOCALES as readonly string[]).includes(locale)) {
        fields[`${kind}.${locale}`] = `is not a language of ours; they are ${LOCALES.join(", ")}`;
        continue;
      }
      const current = saved[kind][locale as Locale];
      for (const field of ["subject", "intro"] as const) {
        const given = wording?.[field];
        if (given === undefined) continue;
        const text = given?.trim() || null;
        const problem = text ? wordingProblem(kind, field, text) : null;
        if (problem) fields[`${kind}.${locale}.${field}`] = problem;
        else if (text !== current[field]) {
          current[field] = text;
          changed.push(`${kind}.${locale}.${field}`);
        }
      }
    }
  }
  if (Object.keys(fields).length) throw validationFailed(fields);
  if (!changed.length) return emailSettingsOf(ctx, ws);
  const stored: Record<string, Record<string, EmailWordingView>> = {};
  for (const kind of CUSTOMER_EMAIL_KINDS)
    for (const locale of LOCALES) {
      const w = saved[kind][locale];
      if (w.subject || w.intro) {
        stored[kind] ??= {};
        (stored[kind] as Record<string, EmailWordingView>)[locale] = w;
      }
    }
  const updated = await updateWorkspaceAudited(
    ctx,
    actor,
    { email_templates: JSON.stringify(stored) },
    () => ({
      action: "settings.email_templates",
      summary: `Customer emails' wording changed: ${changed.join(", ")}`,
      details: { changed },
    }),
  );
  return emailSettingsOf(ctx, updated);
}

const SAMPLE_TIME = "2026-12-06T17:03:00.000Z";

/** One customer email as it would read now, in one language, from sample data. */
export function previewEmail(
  ctx: AppContext,
  ws: Workspace,
  kind: CustomerEmailKind,
  locale: Locale,
): Rendered {
  const brand = brandingOf(ws);
  const lang: EmailLang = {
    locale,
    timeZone: ws.time_zone || "UTC",
    ticketWords: ws.ticket_words ?? "{}",
    ...emailWordingOf(ws, kind, locale),
  };
  // The workspace's own address: its verified domain, else PUBLIC_URL/portal/<slug>.
  const link = (path: string) => portalUrl(ctx.config, ws, path);
  const canReply = repliesCanArrive(ctx, ws);
  const ticket = { brand, reference: "TKT-0042", subject: "Printer on the 2nd floor jams" };
  const name = "Casey Customer";
  const calls: Record<CustomerEmailKind, TemplateCall> = {
    ticket_confirmation: {
      kind,
      params: {
        ...ticket,
        contactName: name,
        trackingUrl: link("/track/sample"),
        viaEmail: false,
        canReply,
        description: "Since this morning every print job stops halfway with a paper jam.",
        files: ["jam.jpg", "printer-log.txt"],
        receivedAt: SAMPLE_TIME,
        lang,
      },
    },
    agent_reply: {
      kind,
      params: {
        ...ticket,
        agentName: "Alex Agent",
        body: "Thanks, we have ordered a new roller. It arrives tomorrow.",
        trackingUrl: link("/track/sample"),
        resolved: false,
        canReply,
        contactName: name,
        earlier: [
          {
            author: null,
            body: "Since this morning every print job stops halfway with a paper jam.",
            at: SAMPLE_TIME,
          },
        ],
        lang,
      },
    },
    ticket_resolved: {
      kind,
      params: {
        ...ticket,
        resolution: "The roller is replaced; the printer works again.",
        trackingUrl: link("/track/sample"),
        canReply,
        contactName: name,
        lang,
      },
    },
    survey_request: {
      kind,
      params: {
        brand,
        kind: "csat",
        contactName: name,
        reference: ticket.reference,
        subject: ticket.subject,
        url: link("/survey/sample"),
        unsubscribeUrl: link("/survey/sample/unsubscribe"),
        expiresDays: 7,
        lang,
      },
    },
    open_requests: {
      kind,
      params: {
        brand,
        contactName: name,
        requests: [{ ...ticket, statusLabel: "Open", url: link("/track/sample") }],
        linkDays: 7,
        lang,
      },
    },
    customer_invitation: {
      kind,
      params: { brand, name, invitedBy: "Alex Agent", url: link("/invite/sample"), expiresDays: 7, lang },
    },
    customer_magic_link: {
      kind,
      params: { brand, name, url: link("/sign-in/sample"), expiresMinutes: 15, lang },
    },
    customer_password_reset: {
      kind,
      params: { brand, name, url: link("/reset/sample"), expiresMinutes: 60, lang },
    },
    customer_verify_email: {
      kind,
      params: { brand, name, url: link("/verify/sample"), expiresHours: 24, lang },
    },
    task_reminder: {
      kind,
      params: {
        brand,
        contactName: name,
        tasks: [{ title: "Sign the data processing agreement", due: "", dueAt: SAMPLE_TIME, overdue: false }],
        url: link("/onboarding"),
        lang,
      },
    },
  } as Record<CustomerEmailKind, TemplateCall>;
  return renderTemplate(calls[kind]);
}
