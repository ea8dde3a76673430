import type { TicketStatus } from "../../shared/tickets.ts";
import type { Vars } from "../i18n/translator.ts";
import { bdi, type Html } from "../web/html.ts";
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
    /** A line with someone else's words in it (a name, a subject): each isolated in <bdi> in the HTML. */
    isolated: (key: string, theirs: Record<string, string | null | undefined>, ours: Vars = {}) =>
      tr.th(key, {
        ...ours,
        ...Object.fromEntries(Object.entries(theirs).map(([k, x]) => [k, bdi(x ?? "")])),
      }),
    subject: (ours: string) => (l.subject ? fillPlaceholders(l.subject, all) : ours),
    intro: (ours: string | Html) => (l.intro ? fillPlaceholders(l.intro, all) : ours),
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
  return render(v.subject(v.t("email:confirmation.subject", vars)), () =>
    v.frame({
      brand: p.brand,
      heading: v.t("email:confirmation.heading", vars),
      paragraphs: [
        v.isolated("email:hi", { name: p.contactName }),
        v.intro(v.isolated("email:confirmation.intro", { subject: vars.subject, name: vars.name }, vars)),
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
  return render(v.subject(v.t("email:reply.subject", values)), () =>
    v.frame({
      brand: p.brand,
      heading: v.t("email:reply.heading", { agent: p.agentName, reference: p.reference }),
      paragraphs: [
        v.intro(v.isolated("email:reply.intro", { subject: values.subject, name: values.name }, values)),
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
  /** The CSAT survey's one-time link: the button, and the tracking link becomes a link (its words, in the HTML). */
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
  return render(v.subject(v.t("email:resolved.subject", values)), () =>
    v.frame({
      brand: p.brand,
      heading: v.t("email:resolved.heading", values),
      paragraphs: [
        v.intro(v.isolated("email:resolved.intro", { subject: values.subject, name: values.name }, values)),
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
  return render(v.subject(subject), () =>
    v.frame({
      brand: p.brand,
      heading:
        p.kind === "still_fixed" && p.reference ? v.t("email:survey.headingStillFixed", values) : question,
      paragraphs: [
        v.isolated("email:hi", { name: p.contactName }),
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
  return render(v.subject(v.t("email:open.subject", values)), () =>
    v.frame({
      brand: p.brand,
      heading: v.t("email:open.heading"),
      paragraphs: [
        v.isolated("email:hi", { name: p.contactName }),
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

/** What the four account emails (invitation, sign-in link, reset, address to confirm) are given. */
interface AccountLink {
  brand: Branding;
  name: string;
  url: string;
  lang?: EmailLang | undefined;
}

/**
 * The account emails' one shape: a greeting, the intro, the button with the link, and how long
 * it works. `words` is the email's group in the catalogue ("email:<words>.subject" and so on).
 */
function accountLinkEmail(
  p: AccountLink,
  e: {
    words: "invite" | "magic" | "reset" | "verify";
    /** The button's key in the group (the reset's button says its heading). */
    button: "button" | "heading";
    /** The note's values: how long the link works. */
    note: Vars;
    /** The intro's values beyond the name and portal, in the email's language (`t`). */
    introVars?: ((t: (key: string) => string) => Vars) | undefined;
    /** The key of our own line in place of the intro (the admin's too): the reader must know why the link came. */
    insteadOfIntro?: string | undefined;
  },
): Rendered {
  const values = { name: p.name, portal: p.brand.brandName };
  const v = voiceOf(p.lang, values);
  const key = (k: string) => `email:${e.words}.${k}`;
  return render(v.subject(v.t(key("subject"), values)), () =>
    v.frame({
      brand: p.brand,
      heading: v.t(key("heading"), values),
      paragraphs: [
        v.isolated("email:hi", { name: p.name }),
        e.insteadOfIntro
          ? v.t(e.insteadOfIntro)
          : v.intro(v.t(key("intro"), { ...values, ...e.introVars?.((k) => v.t(k)) })),
      ],
      button: { label: v.t(key(e.button)), url: p.url },
      note: v.t(key("note"), e.note),
    }),
  );
}

/** A contact invited to the portal by an agent: the link to choose a password. */
export const customerInvitation = (p: AccountLink & { invitedBy: string | null; expiresDays: number }) =>
  accountLinkEmail(p, {
    words: "invite",
    button: "button",
    note: { days: p.expiresDays },
    introVars: (t) => ({ inviter: p.invitedBy ?? t("email:invite.team") }),
  });

/** A sign-in link the customer asked for (or, registering again, was sent instead). */
export const customerMagicLink = (
  p: AccountLink & { expiresMinutes: number; alreadyRegistered?: boolean | undefined },
) =>
  accountLinkEmail(p, {
    words: "magic",
    button: "button",
    note: { minutes: p.expiresMinutes },
    insteadOfIntro: p.alreadyRegistered ? "email:magic.already" : undefined,
  });

/** A customer's password reset. */
export const customerPasswordReset = (p: AccountLink & { expiresMinutes: number }) =>
  accountLinkEmail(p, { words: "reset", button: "heading", note: { minutes: p.expiresMinutes } });

/** A new account's address to confirm. */
export const customerVerifyEmail = (p: AccountLink & { expiresHours: number }) =>
  accountLinkEmail(p, { words: "verify", button: "button", note: { hours: p.expiresHours } });

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
  return render(v.subject(v.t("email:tasks.subject", { ...values, count })), () =>
    v.frame({
      brand: p.brand,
      heading: v.t("email:tasks.heading"),
      paragraphs: [
        v.isolated("email:hi", { name: p.contactName }),
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
