import { type SystemActor, systemActor, systemActorIn, type WorkspaceSystemActor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { enqueueEmail } from "../email/outbox.ts";
import type { JobHandler } from "../jobs/job-kinds.ts";
import { portalUrl } from "../workspaces/portal-url.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import {
  CUSTOMER_TASK_COLUMNS,
  plansVisibleTo,
  taskRemindersVisibleTo,
  tasksVisibleTo,
} from "./plan.access.ts";

// Once a day (the task_reminders job), each customer with tasks of theirs due tomorrow or overdue
// gets one email listing them, in the workspace's brand. task_reminders (contact, day) makes it once: a second run the
// same day, or another process, finds the row and sends nothing. Only the portal side of a task
// is read (CUSTOMER_TASK_COLUMNS): the email is a customer's path. Reminders stop two weeks after
// the due date (a task abandoned that long is the team's to chase, not a daily email), and each
// workspace is read on its own, so one workspace's backlog never crowds out another's.

const DAY = 86_400_000;
/** How long after its due date a task is still reminded of. */
export const REMIND_OVERDUE_DAYS = 14;
/** At most this many tasks a workspace a day: beyond it, the rest wait for the next day. */
const PER_WORKSPACE = 5000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const dateFmt = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

type DueTask = {
  id: string;
  title: string;
  due_at: string | null;
  company_id: string;
  portal_assignee_contact_id: string | null;
};

/** The window of due dates reminded of: from two weeks overdue to the end of tomorrow (UTC). */
function dueWindow(now: Date) {
  const from = new Date(now.getTime() - REMIND_OVERDUE_DAYS * DAY).toISOString();
  const until = new Date(Date.parse(`${dayOf(now)}T00:00:00.000Z`) + 2 * DAY).toISOString();
  return { from, until };
}

/** Customer tasks due in the window, not complete, shown on the portal, on an active plan. */
function dueTasks(ctx: AppContext, actor: SystemActor | WorkspaceSystemActor, now: Date) {
  const db = ctx.database.db;
  const { from, until } = dueWindow(now);
  return tasksVisibleTo(db, actor)
    .where("tasks.actor", "=", "customer")
    .where("tasks.portal_visible", "=", true)
    .where("tasks.portal_status", "!=", "complete")
    .where("tasks.due_at", "is not", null)
    .where("tasks.due_at", ">=", from)
    .where("tasks.due_at", "<", until)
    .where(
      "tasks.plan_id",
      "in",
      plansVisibleTo(db, actor).select("plans.id").where("plans.status", "=", "active"),
    );
}

/** Sends the day's reminders; answers how many emails were queued. */
export async function sendTaskReminders(ctx: AppContext, actor: SystemActor): Promise<number> {
  return (await remindAll(ctx, actor)).sent;
}

/** Every workspace in turn, one's failure not stopping the others; answers what was sent and failed. */
async function remindAll(ctx: AppContext, actor: SystemActor) {
  const now = ctx.now();
  const workspaces = await dueTasks(ctx, actor, now)
    .select("tasks.workspace_id")
    .distinct()
    .orderBy("tasks.workspace_id")
    .execute();
  let sent = 0;
  let failed = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    sent += await remindWorkspace(ctx, workspaceId, now).catch((err: unknown) => {
      ctx.log.warn({ err, workspaceId }, "task reminders failed; they will be tried again");
      failed++;
      return 0;
    });
  }
  return { sent, failed };
}

async function remindWorkspace(ctx: AppContext, workspaceId: string, now: Date) {
  const db = ctx.database.db;
  const actor = systemActorIn("task reminders", workspaceId);
  const tasks: DueTask[] = await dueTasks(ctx, actor, now)
    .select(CUSTOMER_TASK_COLUMNS)
    .orderBy("tasks.due_at", "desc")
    .orderBy("tasks.id")
    .limit(PER_WORKSPACE)
    .execute();
  if (!tasks.length) return 0;
  const ws = await db.selectFrom("workspaces").selectAll().where("id", "=", workspaceId).executeTakeFirst();
  if (!ws) return 0;
  const today = dayOf(now);
  const companies = [...new Set(tasks.map((t) => t.company_id))];
  const contacts = await contactsVisibleTo(db, actor)
    .select([
      "contacts.id",
      "contacts.name",
      "contacts.email",
      "contacts.company_id",
      "contacts.portal_access",
    ])
    .where("contacts.company_id", "in", companies)
    .where("contacts.portal_access", "!=", "none")
    .execute();
  const already = new Set(
    (
      await taskRemindersVisibleTo(db, actor)
        .select("task_reminders.contact_id")
        .where("task_reminders.sent_on", "=", today)
        .execute()
    ).map((r) => r.contact_id),
  );
  let sent = 0;
  for (const c of contacts) {
    if (already.has(c.id)) continue;
    // Theirs: assigned to them, or to nobody in their company.
    const mine = tasks.filter(
      (t) =>
        t.company_id === c.company_id &&
        (t.portal_assignee_contact_id === c.id || t.portal_assignee_contact_id === null),
    );
    mine.sort((a, b) => (a.due_at ?? "").localeCompare(b.due_at ?? ""));
    if (!mine.length) continue;
    await db.transaction().execute(async (tx) => {
      const res = await tx
        .insertInto("task_reminders")
        .values({
          contact_id: c.id,
          sent_on: today,
          workspace_id: workspaceId,
          tasks: mine.length,
          created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.columns(["contact_id", "sent_on"]).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await enqueueEmail(ctx, tx, {
        kind: "task_reminder",
        params: {
          brand: brandingOf(ws),
          contactName: c.name,
          tasks: mine.map((t) => ({
            title: t.title,
            due: dateFmt.format(new Date(t.due_at as string)),
            dueAt: t.due_at as string,
            overdue: new Date(t.due_at as string) < now,
          })),
          url: portalUrl(ctx.config, ws, "/onboarding"),
        },
        ws,
        audience: "customer",
        to: [{ address: c.email, name: c.name }],
        autoSubmitted: true,
      });
      sent++;
    });
  }
  return sent;
}

/**
 * The scheduled job (planned once a day at 08:00 UTC by jobs/recurring.ts). A workspace that
 * failed fails the run, which the scheduler tries again later: those already reminded today are
 * not again. A day's run found after the day is over is skipped: the next day's reminds of the
 * same tasks.
 */
export const taskRemindersJob: JobHandler = {
  staleAfterMs: 20 * 3600_000,
  run: async (ctx) => {
    const { sent, failed } = await remindAll(ctx, systemActor("task reminders"));
    if (failed) throw new Error(`task reminders failed in ${failed} workspace(s)`);
    return sent > 0 ? "done" : "skipped";
  },
};
