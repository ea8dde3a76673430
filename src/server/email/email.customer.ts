import type { TicketStatus } from "../../shared/tickets.ts";
import type { Branding } from "../workspaces/workspace.branding.ts";
import { type Frame, type Rendered, render } from "./email.frame.ts";
import {
  type EmailLang,
  ENGLISH,
  fillPlaceholders,
  formatWhen,
  type Placeholder,
  translatorOf,
} from "./email.wording.ts";

// The emails customers get, in their language (i18n catalogues, namespace "email") with the
// workspace's word for "ticket", and the admin's subject and intro where set (email.wording.ts).
// Each takes the language its email was queued with (`lang`; emails queued before languages were
// stored read as English). Internal notes never reach these functions: the conversation an
// agent's reply quotes was read through the customer's own access (outbox.ts).

type Values = Partial<Record<Placeholder, string>>;

/** The email's translator, and its subject and intro: the admin's (placeholders filled) or ours. */
function voiceOf(lang: EmailLang | undefined, values: Values) {
  const l = lang ?? ENGLISH;
  const tr = translatorOf(l);
  const all: Values = { ...values, ticket: tr.t("email:word") };
  return {
    lang: l,
    t: tr.t,
    subject: (ours: string) => (l.subject ? fillPlaceholders(l.subject, all) : ours),
    intro: (ours: string) => (l.intro ? fillPlaceholders(l.intro, all) : ours),
    when: (iso: string) => formatWhen(iso, l),
    frame: (f: Omit<Frame, "lang" | "unsubscribeLabels">): Frame => ({
      ...f,
      lang: l.locale,
      unsubscribeLabels: f.unsubscribeUrl
        ? { text: tr.t("email:footer.noMoreSurveys"), link: tr.t("email:footer.unsubscribe") }
        : undefined,
    }),
  };
}

/** One message of the conversation an agent's reply quotes. */
export interface QuotedMessage {
  /** The agent's name; null for the customer's own message. */
  author: string | null;
  body: string;
  at: string;
}

export function ticketConfirmation(p: {
  brand: Branding;
  reference: string;
  subject: string;
  contactName: string;
  trackingUrl: string;
  viaEmail: boolean;
  canReply: boolean;
  /** What the customer sent: their message and the names of their files. */
  description?: string | undefined;
  files?: string[] | undefined;
  receivedAt?: string | undefined;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = {
    reference: p.reference,
    subject: p.subject,
    name: p.contactName,
    portal: p.brand.brandName,
  };
  const v = voiceOf(p.lang, values);
  const vars = { ...values, agent: "" };
  return render(
    v.subject(v.t("email:confirmation.subject", vars)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:confirmation.heading", vars),
      paragraphs: [
        v.t("email:hi", { name: p.contactName }),
        v.intro(v.t("email:confirmation.intro", vars)),
        ...(p.receivedAt ? [v.t("email:confirmation.received", { when: v.when(p.receivedAt) })] : []),
        ...(p.files?.length ? [v.t("email:confirmation.files", { files: p.files.join(", ") })] : []),
      ],
      quote: p.description ? { label: v.t("email:confirmation.youWrote"), text: p.description } : undefined,
      button: { label: v.t("email:confirmation.button"), url: p.trackingUrl },
      note: p.canReply ? v.t(p.viaEmail ? "email:replyByEmail" : "email:replyOrLink") : v.t("email:linkOnly"),
    }),
  );
}

export function agentReplyToCustomer(p: {
  brand: Branding;
  reference: string;
  subject: string;
  agentName: string;
  body: string;
  trackingUrl: string;
  resolved: boolean;
  canReply: boolean;
  contactName?: string | undefined;
  /** The public messages before this reply, newest first (never an internal note). */
  earlier?: QuotedMessage[] | undefined;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = {
    reference: p.reference,
    subject: p.subject,
    name: p.contactName ?? "",
    portal: p.brand.brandName,
  };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:reply.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:reply.heading", { agent: p.agentName, reference: p.reference }),
      paragraphs: [
        v.intro(v.t("email:reply.intro", values)),
        ...(p.resolved
          ? [v.t(p.canReply ? "email:reply.resolvedEmail" : "email:reply.resolvedPage", values)]
          : []),
      ],
      quote: { label: v.t("email:reply.wrote", { name: p.agentName }), text: p.body },
      quotes: (p.earlier ?? []).map((m) => ({
        label:
          m.author === null
            ? v.t("email:reply.youWroteAt", { when: v.when(m.at) })
            : v.t("email:reply.wroteAt", { name: m.author, when: v.when(m.at) }),
        text: m.body,
      })),
      button: { label: v.t("email:reply.button"), url: p.trackingUrl },
      note: v.t(p.canReply ? "email:replyOrLink" : "email:linkOnly"),
    }),
  );
}

export function ticketResolved(p: {
  brand: Branding;
  reference: string;
  subject: string;
  resolution: string | null;
  trackingUrl: string;
  canReply: boolean;
  /** The CSAT survey's one-time link: the button, and the tracking link becomes a link. */
  rateUrl?: string | undefined;
  unsubscribeUrl?: string | undefined;
  contactName?: string | undefined;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = {
    reference: p.reference,
    subject: p.subject,
    name: p.contactName ?? "",
    portal: p.brand.brandName,
  };
  const v = voiceOf(p.lang, values);
  const view = v.t("email:resolved.view");
  return render(
    v.subject(v.t("email:resolved.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:resolved.heading", values),
      paragraphs: [
        v.intro(v.t("email:resolved.intro", values)),
        ...(p.rateUrl ? [v.t("email:resolved.rateAsk")] : []),
      ],
      quote: p.resolution ? { label: v.t("email:resolved.resolution"), text: p.resolution } : undefined,
      button: p.rateUrl
        ? { label: v.t("email:resolved.rate"), url: p.rateUrl }
        : { label: view, url: p.trackingUrl },
      links: p.rateUrl ? [{ text: view, url: p.trackingUrl }] : undefined,
      note: [
        v.t(p.canReply ? "email:resolved.reopenEmail" : "email:resolved.reopenPage"),
        ...(p.rateUrl ? [v.t("email:resolved.rateOnce")] : []),
      ].join(" "),
      unsubscribeUrl: p.unsubscribeUrl,
    }),
  );
}

const SURVEY_KINDS = ["csat", "nps", "ces", "still_fixed"] as const;

/** A survey on its own (CSAT sent later, NPS, CES, "Still fixed?"): one question, one link. */
export function surveyRequest(p: {
  brand: Branding;
  kind: (typeof SURVEY_KINDS)[number];
  contactName: string;
  reference: string | null;
  subject: string | null;
  url: string;
  unsubscribeUrl: string;
  expiresDays: number;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = {
    reference: p.reference ?? "",
    subject: p.subject ?? "",
    name: p.contactName,
    portal: p.brand.brandName,
  };
  const v = voiceOf(p.lang, values);
  const about = p.reference
    ? v.t(p.subject ? "email:survey.aboutSubject" : "email:survey.about", values)
    : "";
  const question = {
    csat: v.t("email:survey.question.csat"),
    nps: v.t("email:survey.question.nps"),
    ces: v.t("email:survey.question.ces"),
    still_fixed: v.t("email:survey.question.still_fixed"),
  }[p.kind];
  const subject =
    p.kind === "still_fixed" && p.reference
      ? v.t("email:survey.subjectStillFixed", values)
      : p.kind === "csat" && p.reference
        ? v.t("email:survey.subjectCsat", values)
        : v.t("email:survey.subjectOther", values);
  return render(
    v.subject(subject),
    v.frame({
      brand: p.brand,
      heading:
        p.kind === "still_fixed" && p.reference ? v.t("email:survey.headingStillFixed", values) : question,
      paragraphs: [
        v.t("email:hi", { name: p.contactName }),
        v.intro(
          p.kind === "still_fixed"
            ? v.t("email:survey.introStillFixed", { about })
            : p.kind === "csat"
              ? v.t("email:survey.introCsat", { about })
              : v.t("email:survey.introOther", values),
        ),
      ],
      button: {
        label: v.t(p.kind === "csat" ? "email:survey.rate" : "email:survey.answer"),
        url: p.url,
      },
      scale:
        p.kind === "nps"
          ? {
              caption: v.t("email:survey.scale"),
              items: Array.from({ length: 11 }, (_, n) => ({ text: String(n), url: `${p.url}?score=${n}` })),
            }
          : undefined,
      note: v.t("email:survey.expires", { count: p.expiresDays }),
      unsubscribeUrl: p.unsubscribeUrl,
    }),
  );
}

/** "Email me my requests": the open requests of an address, each with a fresh tracking link. */
export function openRequests(p: {
  brand: Branding;
  contactName: string;
  /** `status`: the customer's status code, said in the email's language (else `statusLabel`, English). */
  requests: { reference: string; subject: string; status?: TicketStatus; statusLabel: string; url: string }[];
  linkDays: number;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.contactName, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:open.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:open.heading"),
      paragraphs: [
        v.t("email:hi", { name: p.contactName }),
        v.intro(v.t("email:open.intro", { days: p.linkDays })),
      ],
      links: p.requests.map((r) => ({
        text: `${r.reference}: ${r.subject} (${r.status ? v.t(`email:status.${r.status}`) : r.statusLabel})`,
        url: r.url,
      })),
      note: v.t("email:open.note"),
    }),
  );
}

/** A contact invited to the portal by an agent: the link to choose a password. */
export function customerInvitation(p: {
  brand: Branding;
  name: string;
  invitedBy: string | null;
  url: string;
  expiresDays: number;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.name, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:invite.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:invite.heading", values),
      paragraphs: [
        v.t("email:hi", { name: p.name }),
        v.intro(v.t("email:invite.intro", { ...values, inviter: p.invitedBy ?? v.t("email:invite.team") })),
      ],
      button: { label: v.t("email:invite.button"), url: p.url },
      note: v.t("email:invite.note", { days: p.expiresDays }),
    }),
  );
}

/** A sign-in link the customer asked for (or, registering again, was sent instead). */
export function customerMagicLink(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresMinutes: number;
  alreadyRegistered?: boolean | undefined;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.name, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:magic.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:magic.heading"),
      paragraphs: [
        v.t("email:hi", { name: p.name }),
        // Registering again says so in our words: the reader must know why the link came.
        p.alreadyRegistered ? v.t("email:magic.already") : v.intro(v.t("email:magic.intro")),
      ],
      button: { label: v.t("email:magic.button"), url: p.url },
      note: v.t("email:magic.note", { minutes: p.expiresMinutes }),
    }),
  );
}

/** A customer's password reset. */
export function customerPasswordReset(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresMinutes: number;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.name, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:reset.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:reset.heading"),
      paragraphs: [v.t("email:hi", { name: p.name }), v.intro(v.t("email:reset.intro"))],
      button: { label: v.t("email:reset.heading"), url: p.url },
      note: v.t("email:reset.note", { minutes: p.expiresMinutes }),
    }),
  );
}

/** A new account's address to confirm. */
export function customerVerifyEmail(p: {
  brand: Branding;
  name: string;
  url: string;
  expiresHours: number;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.name, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  return render(
    v.subject(v.t("email:verify.subject", values)),
    v.frame({
      brand: p.brand,
      heading: v.t("email:verify.heading"),
      paragraphs: [v.t("email:hi", { name: p.name }), v.intro(v.t("email:verify.intro"))],
      button: { label: v.t("email:verify.button"), url: p.url },
      note: v.t("email:verify.note", { hours: p.expiresHours }),
    }),
  );
}

/** Onboarding: the customer's tasks due tomorrow or overdue, in one email a day. */
export function taskReminder(p: {
  brand: Branding;
  contactName: string;
  /** `due`: a date already written for the reader; `dueAt`, when given, is written here in their language. */
  tasks: { title: string; due: string; dueAt?: string | undefined; overdue: boolean }[];
  url: string;
  lang?: EmailLang | undefined;
}): Rendered {
  const values = { name: p.contactName, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  const count = p.tasks.length;
  // In the reader's zone (the contact's, else the workspace's), the zone named.
  const day = (t: (typeof p.tasks)[number]) => (t.dueAt ? formatWhen(t.dueAt, v.lang) : t.due);
  return render(
    v.subject(v.t("email:tasks.subject", { ...values, count })),
    v.frame({
      brand: p.brand,
      heading: v.t("email:tasks.heading"),
      paragraphs: [
        v.t("email:hi", { name: p.contactName }),
        v.intro(v.t("email:tasks.intro", { count })),
        ...p.tasks.map(
          (t) =>
            `• ${v.t(t.overdue ? "email:tasks.overdue" : "email:tasks.due", { title: t.title, due: day(t) })}`,
        ),
      ],
      button: { label: v.t("email:tasks.button"), url: p.url },
    }),
  );
}
