import type { NotificationKind } from "./notification-kinds.ts";

// What a notification says, in one line, the same in the bell and in its email. Pure: the email
// templates and the app's views both read it. `data` is what the notifier fixed when it was made
// (notify.ts): the ticket's reference and subject, who did it, an excerpt.

export interface NoticeData {
  reference?: string | null | undefined;
  subject?: string | null | undefined;
  /** Who did it: an agent's or the customer's name. */
  by?: string | null | undefined;
  /** A few words of what was written (a note that mentions, a customer's reply). */
  excerpt?: string | null | undefined;
  /** Which way an incident went: "declared" or "resolved" (its title is the subject). */
  event?: string | null | undefined;
}

/** The field of `data` as a string, or null. */
export const noticeField = (data: Record<string, unknown>, key: keyof NoticeData): string | null => {
  const v = data[key];
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
};

/** Each kind's sentence: with who did it (the words before and after the name), and without. */
const SENTENCES: Record<NotificationKind, { by: [string, string] | null; plain: string }> = {
  new_ticket: { by: ["New ticket from ", ""], plain: "New ticket" },
  assigned: { by: ["", " assigned you"], plain: "Assigned to you" },
  customer_reply: { by: ["", " replied"], plain: "The customer replied" },
  mention: { by: ["", " mentioned you"], plain: "You were mentioned" },
  sla_warning: { by: null, plain: "SLA deadline soon" },
  sla_breach: { by: null, plain: "SLA deadline missed" },
  incident: { by: ["Incident: ", ""], plain: "Incident" },
  webhook_disabled: { by: null, plain: "A webhook was switched off after failing for days" },
};

/** Sentences of a kind that says which way it went (data.event). */
const EVENT_SENTENCES: Record<string, { by: [string, string]; plain: string }> = {
  "incident:declared": { by: ["", " declared an incident"], plain: "An incident was declared" },
  "incident:resolved": { by: ["", " resolved an incident"], plain: "An incident was resolved" },
};

/**
 * The sentence as parts around the name, so a page can isolate the name (<bdi>): [before, name,
 * after], or [sentence] when there is no name in it.
 */
export function noticeParts(
  kind: string,
  by: string | null,
  event?: string | null,
): [string] | [string, string, string] {
  const s = EVENT_SENTENCES[`${kind}:${event}`] ??
    SENTENCES[kind as NotificationKind] ?? { by: null, plain: "Notice" };
  return s.by && by ? [s.by[0], by, s.by[1]] : [s.plain];
}

/** The notice's sentence without its ticket (the views link the ticket after it). */
export function noticeVerb(kind: string, data: Record<string, unknown>): string {
  return noticeParts(kind, noticeField(data, "by"), noticeField(data, "event")).join("");
}

/** The whole line, for an email's subject or a plain list: "Ann mentioned you on TKT-0042: Printer". */
export function noticeLine(kind: string, data: Record<string, unknown>): string {
  const ref = noticeField(data, "reference");
  const subject = noticeField(data, "subject");
  return `${noticeVerb(kind, data)}${ref ? ` on ${ref}` : ""}${subject ? `: ${subject}` : ""}`;
}

/** A short excerpt of a text for a notice: one line, at most `max` characters. */
export function excerptOf(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : flat;
}
