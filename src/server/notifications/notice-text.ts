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
}

/** The field of `data` as a string, or null. */
export const noticeField = (data: Record<string, unknown>, key: keyof NoticeData): string | null => {
  const v = data[key];
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
};

/** The notice's sentence without its ticket (the views link the ticket after it). */
export function noticeVerb(kind: string, data: Record<string, unknown>): string {
  const by = noticeField(data, "by");
  switch (kind as NotificationKind) {
    case "new_ticket":
      return by ? `New ticket from ${by}` : "New ticket";
    case "assigned":
      return by ? `${by} assigned you` : "Assigned to you";
    case "customer_reply":
      return by ? `${by} replied` : "The customer replied";
    case "mention":
      return by ? `${by} mentioned you` : "You were mentioned";
    case "sla_warning":
      return "SLA deadline soon";
    case "sla_breach":
      return "SLA deadline missed";
    case "incident":
      return by ? `Incident: ${by}` : "Incident";
    default:
      return "Notice";
  }
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
