import { type SystemActor, systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import { absoluteUrl, enqueueEmail } from "../email/outbox.ts";
import { brandingOf } from "../workspaces/workspace.branding.ts";
import {
  CUSTOMER_TASK_COLUMNS,
  plansVisibleTo,
  taskRemindersVisibleTo,
  tasksVisibleTo,
} from "./plan.access.ts";

// Once a day, each customer with tasks of theirs due tomorrow or overdue gets one email listing
// them, in the workspace's brand. task_reminders (contact, day) makes it once: a second run the
// same day, or another process, finds the row and sends nothing. Only the portal side of a task
// is read (CUSTOMER_TASK_COLUMNS): the email is a customer's path.

const DAY = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const dateFmt = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

type DueTask = {
  id: string;
  title: string;
  due_at: string | null;
  company_id: string;
  portal_assignee_contact_id: string | null;
};

/** Sends the day's reminders; answers how many emails were queued. */
export async function sendTaskReminders(ctx: AppContext, actor: SystemActor): Promise<number> {
  const db = ctx.database.db;
  const now = ctx.now();
  const today = dayOf(now);
  // Due before the end of tomorrow (UTC), not complete, on an active plan, shown on the portal.
  const until = new Date(Date.parse(`${today}T00:00:00.000Z`) + 2 * DAY).toISOString();
  const rows = await tasksVisibleTo(db, actor)
    .innerJoin("plans", "plans.id", "tasks.plan_id")
    .select([...CUSTOMER_TASK_COLUMNS, "plans.workspace_id"])
    .where("tasks.actor", "=", "customer")
    .where("tasks.portal_visible", "=", true)
    .where("tasks.portal_status", "!=", "complete")
    .where("tasks.due_at", "is not", null)
    .where("tasks.due_at", "<", until)
    .where(
      "tasks.plan_id",
      "in",
      plansVisibleTo(db, actor).select("plans.id").where("plans.status", "=", "active"),
    )
    .orderBy("tasks.due_at")
    .limit(5000)
    .execute();
  const byWorkspace = new Map<string, DueTask[]>();
  for (const r of rows) byWorkspace.set(r.workspace_id, [...(byWorkspace.get(r.workspace_id) ?? []), r]);
  let sent = 0;
  for (const [workspaceId, tasks] of byWorkspace) {
    sent += await remindWorkspace(ctx, workspaceId, tasks, now).catch((err: unknown) => {
      ctx.log.warn({ err, workspaceId }, "task reminders failed; they will be tried again");
      return 0;
    });
  }
  return sent;
}

async function remindWorkspace(ctx: AppContext, workspaceId: string, tasks: DueTask[], now: Date) {
  const db = ctx.database.db;
  const actor = systemActorIn("task reminders", workspaceId);
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
            overdue: new Date(t.due_at as string) < now,
          })),
          url: absoluteUrl(ctx, `/portal/${ws.slug}/onboarding`),
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

/** The job: looks every hour; task_reminders keeps it to one email a contact a day. */
export function startTaskReminders(ctx: AppContext, actor: SystemActor, everyMs = 60 * 60_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sendTaskReminders(ctx, actor)
      .catch((err: unknown) => ctx.log.warn({ err }, "task reminders failed; they will run again"))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
