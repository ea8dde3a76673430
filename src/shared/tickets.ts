// Ticket vocabulary shared by the server and the pages. Stored values are snake_case; labels
// are what people read.

export const TICKET_STATUSES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const STATUS_LABELS: Record<TicketStatus, string> = {
  open: "Open",
  in_progress: "In Progress",
  waiting: "Waiting",
  resolved: "Resolved",
  closed: "Closed",
};

export const TICKET_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  low: "Low",
  medium: "Medium",
  high: "High",
  urgent: "Urgent",
};
export const PRIORITY_RANK: Record<TicketPriority, number> = { low: 0, medium: 1, high: 2, urgent: 3 };

export const TICKET_TYPES = ["Support Request", "General Inquiry", "Bug Report", "Feature Request"] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
/** The type a request has when its sender chooses none. */
export const DEFAULT_TICKET_TYPE: TicketType = "Support Request";

export const TICKET_CHANNELS = ["portal", "email", "agent", "api", "chat"] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

/** The description limit, counted in Unicode code points on both sides. */
export const DESCRIPTION_MAX = 5000;
export const SUBJECT_MAX = 200;
export const NAME_MAX = 120;
export const EMAIL_MAX = 254;
export const MESSAGE_MAX = 20000;

/** Counts code points, as the server's validator does: an emoji is one, not two. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function formatReference(number: number): string {
  return `TKT-${String(number).padStart(4, "0")}`;
}

/** TKT-0042 → 42; anything else → null. Case-insensitive; at least four digits. */
export function parseReference(ref: string): number | null {
  const m = /^TKT-(\d{4,9})$/i.exec(ref);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? n : null;
}
