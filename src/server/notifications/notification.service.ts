import type { AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { notFound, validationFailed } from "../errors.ts";
import { isTimeZone } from "../i18n/time-zones.ts";
import { noticeField, noticeLine } from "./notice-text.ts";
import { notificationsVisibleTo, notificationsWritableBy } from "./notification.access.ts";
import type { NotificationView, Profile, ProfilePatch } from "./notification.schemas.ts";
import { NOTIFICATION_KINDS, type NotificationKind, notificationPrefs } from "./notification-kinds.ts";

// The signed-in agent's own notifications (the bell, /app/notifications) and their choices (the
// profile: per kind in the app and by email, and their time zone). Every read and mark goes
// through notification.access.ts, which gives an agent their own rows only: another agent's is a 404.

type Row = {
  id: string;
  kind: string;
  ticket_id: string | null;
  data: string;
  read_at: string | null;
  created_at: string;
};

function viewOf(r: Row): NotificationView {
  let data: Record<string, unknown> = {};
  try {
    const v = JSON.parse(r.data) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) data = v as Record<string, unknown>;
  } catch {
    // an empty line
  }
  const reference = noticeField(data, "reference");
  return {
    id: r.id,
    kind: ((NOTIFICATION_KINDS as readonly string[]).includes(r.kind)
      ? r.kind
      : "incident") as NotificationKind,
    text: noticeLine(r.kind, data),
    ticket: reference && r.ticket_id ? { reference, subject: noticeField(data, "subject") } : null,
    incident: incidentOf(r.kind, data),
    event: noticeField(data, "event"),
    by: noticeField(data, "by"),
    excerpt: noticeField(data, "excerpt"),
    readAt: r.read_at,
    createdAt: r.created_at,
  };
}

/** An incident's notice: the incident it names. */
function incidentOf(kind: string, data: Record<string, unknown>) {
  const id = typeof data.incidentId === "string" ? data.incidentId : null;
  return kind === "incident" && id ? { id, title: noticeField(data, "subject") ?? "" } : null;
}

const COLUMNS = ["id", "kind", "ticket_id", "data", "read_at", "created_at"] as const;

/** How many of the agent's notifications are unread. */
export async function unreadCount(ctx: AppContext, actor: AgentActor): Promise<number> {
  const row = await notificationsVisibleTo(ctx.database.db, actor)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("read_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The agent's notifications, newest first, with the unread count. */
export async function listNotifications(
  ctx: AppContext,
  actor: AgentActor,
  opts: { unreadOnly?: boolean; limit?: number } = {},
): Promise<{ unread: number; items: NotificationView[] }> {
  let q = notificationsVisibleTo(ctx.database.db, actor)
    .select([...COLUMNS])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(opts.limit ?? 50);
  if (opts.unreadOnly) q = q.where("read_at", "is", null);
  const [rows, unread] = await Promise.all([q.execute(), unreadCount(ctx, actor)]);
  return { unread, items: rows.map(viewOf) };
}

/** Marks one of the agent's own notifications read (again: unchanged). 404 for anyone else's. */
export async function markNotificationRead(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
): Promise<NotificationView> {
  const db = ctx.database.db;
  await notificationsWritableBy(db, actor)
    .set({ read_at: nowIso(ctx) })
    .where("id", "=", id)
    .where("read_at", "is", null)
    .execute();
  const row = await notificationsVisibleTo(db, actor)
    .select([...COLUMNS])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("No such notification.");
  return viewOf(row);
}

/** Marks every unread notification of the agent's read; answers how many. */
export async function markAllNotificationsRead(ctx: AppContext, actor: AgentActor): Promise<number> {
  const r = await notificationsWritableBy(ctx.database.db, actor)
    .set({ read_at: nowIso(ctx) })
    .where("read_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

async function agentRow(ctx: AppContext, actor: AgentActor) {
  const row = await ctx.database.db
    .selectFrom("agents")
    .select(["notify_prefs", "time_zone"])
    .where("id", "=", actor.agentId)
    .where("workspace_id", "=", actor.workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/** The agent's own choices: where each kind reaches them, and their time zone. */
export async function getProfile(ctx: AppContext, actor: AgentActor): Promise<Profile> {
  const row = await agentRow(ctx, actor);
  return { timeZone: row.time_zone, notifications: notificationPrefs(row.notify_prefs) };
}

/** The agent's time zone for the app's pages (time.js), or null for the browser's. */
export async function agentTimeZone(ctx: AppContext, actor: AgentActor): Promise<string | null> {
  return (await agentRow(ctx, actor)).time_zone;
}

/** Changes the agent's own choices; what is left out stays. Answers the whole profile. */
export async function updateProfile(
  ctx: AppContext,
  actor: AgentActor,
  patch: ProfilePatch,
): Promise<Profile> {
  if (patch.timeZone !== undefined && patch.timeZone !== null && !isTimeZone(patch.timeZone)) {
    throw validationFailed({ timeZone: "is not a known time zone" });
  }
  const before = await getProfile(ctx, actor);
  const notifications = { ...before.notifications };
  for (const kind of NOTIFICATION_KINDS) {
    const p = patch.notifications?.[kind];
    if (p) notifications[kind] = { ...notifications[kind], ...p };
  }
  const timeZone = patch.timeZone === undefined ? before.timeZone : patch.timeZone;
  await ctx.database.db
    .updateTable("agents")
    .set({ notify_prefs: JSON.stringify(notifications), time_zone: timeZone })
    .where("id", "=", actor.agentId)
    .where("workspace_id", "=", actor.workspaceId)
    .execute();
  return { timeZone, notifications };
}
