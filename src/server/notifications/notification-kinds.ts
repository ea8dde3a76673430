// What an agent may be told, and how by default (in the app's bell, by email). Each agent changes
// these on their profile (agents.notify_prefs); what they did not set keeps the default.

export const NOTIFICATION_KINDS = [
  "new_ticket",
  "assigned",
  "customer_reply",
  "mention",
  "sla_warning",
  "sla_breach",
  "incident",
  "webhook_disabled",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Channels {
  app: boolean;
  email: boolean;
}

export const NOTIFICATION_DEFAULTS: Record<NotificationKind, Channels> = {
  /** A new ticket for one of my teams (or for anyone, while it has no team). */
  new_ticket: { app: true, email: true },
  /** A ticket was assigned to me by someone else, or by the auto-assignment. */
  assigned: { app: true, email: true },
  /** The customer replied on a ticket assigned to me. */
  customer_reply: { app: true, email: true },
  /** A colleague @mentioned me in an internal note. */
  mention: { app: true, email: true },
  /** A ticket of mine is about to miss its SLA deadline. */
  sla_warning: { app: true, email: false },
  /** A ticket of mine (or an unassigned one of my team) missed its SLA deadline. */
  sla_breach: { app: true, email: true },
  /** An incident was declared or resolved. */
  incident: { app: true, email: false },
  /** Admins: a webhook failed for days and was switched off. */
  webhook_disabled: { app: true, email: true },
};

/** agents.notify_prefs as stored, over the defaults; a malformed value reads as the defaults. */
export function notificationPrefs(json: string | null | undefined): Record<NotificationKind, Channels> {
  let stored: Record<string, Partial<Channels>> = {};
  try {
    const v = JSON.parse(json ?? "{}") as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) stored = v as Record<string, Partial<Channels>>;
  } catch {
    // the defaults
  }
  const out = {} as Record<NotificationKind, Channels>;
  for (const kind of NOTIFICATION_KINDS) {
    const s = stored[kind] ?? {};
    out[kind] = {
      app: typeof s.app === "boolean" ? s.app : NOTIFICATION_DEFAULTS[kind].app,
      email: typeof s.email === "boolean" ? s.email : NOTIFICATION_DEFAULTS[kind].email,
    };
  }
  return out;
}
