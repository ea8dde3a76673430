import { systemActorIn } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { AppContext } from "../context.ts";
import type { DueJob, JobHandler } from "../jobs/job-kinds.ts";
import { scheduleJob } from "../jobs/scheduler.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { surveysVisibleTo } from "./survey.access.ts";
import { createSurvey } from "./survey.service.ts";
import { surveySettingsOf } from "./survey-settings.ts";

// NPS, once a day for each workspace: a contact is asked nps_first_days (30) after their first
// ticket was resolved or closed, then every nps_every_days (90) after the last NPS survey. The
// survey is created to send now; its survey_send job then applies the unsubscribe and
// quiet-days rules. A survey skipped (asked something else recently) does not count as asked,
// so the contact is asked once the quiet days have passed. At most NPS_BATCH contacts a run, in
// transactions of NPS_TX contacts: a large workspace is worked through over a few runs (the next
// one follows within minutes), never in one giant transaction.

const DAY = 86_400_000;
export const NPS_BATCH = 2000;
const NPS_TX = 200;
/** When a run leaves contacts for the next, it follows this soon. */
const MORE_AFTER_MS = 5 * 60_000;

/** Contacts of the workspace due an NPS survey at `now`, up to `limit`. */
export async function npsDueContacts(ctx: AppContext, workspaceId: string, now: Date, limit = NPS_BATCH) {
  const db = ctx.database.db;
  const actor = systemActorIn("nps sweep", workspaceId);
  const settings = await surveySettingsOf(ctx, workspaceId);
  if (!settings.nps_enabled) return [];
  const firstBy = new Date(now.getTime() - settings.nps_first_days * DAY).toISOString();
  const lastBy = new Date(now.getTime() - settings.nps_every_days * DAY).toISOString();
  return contactsVisibleTo(db, actor)
    .select(["contacts.id", "contacts.company_id"])
    .where("contacts.surveys_unsubscribed_at", "is", null)
    .where(
      "contacts.id",
      "in",
      ticketsVisibleTo(db, actor)
        .select("tickets.contact_id")
        .where((eb) =>
          eb.or([eb("tickets.resolved_at", "<=", firstBy), eb("tickets.closed_at", "<=", firstBy)]),
        ),
    )
    .where(
      "contacts.id",
      "not in",
      surveysVisibleTo(db, actor)
        .select("surveys.contact_id")
        .where("surveys.kind", "=", "nps")
        .where("surveys.status", "!=", "skipped")
        .where("surveys.created_at", ">", lastBy),
    )
    .orderBy("contacts.id")
    .limit(limit)
    .execute();
}

/** One run for one workspace; answers how many surveys it created. */
export async function sweepNps(ctx: AppContext, workspaceId: string, limit = NPS_BATCH): Promise<number> {
  const now = ctx.now();
  const due = await npsDueContacts(ctx, workspaceId, now, limit);
  for (let i = 0; i < due.length; i += NPS_TX) {
    const slice = due.slice(i, i + NPS_TX);
    await ctx.database.db.transaction().execute(async (tx) => {
      for (const c of slice) {
        await createSurvey(ctx, tx, {
          workspaceId,
          kind: "nps",
          contactId: c.id,
          companyId: c.company_id,
          trigger: "schedule",
          sendAt: now,
        });
      }
    });
  }
  return due.length;
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export const npsSweepJob: JobHandler = {
  // A sweep missed during downtime is simply the next one: it finds the same contacts.
  staleAfterMs: 2 * DAY,
  async run(ctx: AppContext, job: DueJob) {
    const workspaceId = job.workspace_id;
    if (!workspaceId) return "skipped";
    const n = await sweepNps(ctx, workspaceId);
    const now = ctx.now();
    await ctx.database.db.transaction().execute(async (tx) => {
      if (n >= NPS_BATCH) {
        // More are due: the next batch shortly.
        await scheduleJob(ctx, tx, {
          kind: "nps_sweep",
          key: `nps:sweep:${workspaceId}:more:${now.toISOString()}`,
          runAt: new Date(now.getTime() + MORE_AFTER_MS),
          workspaceId,
        });
      }
      // And tomorrow's run (one a day by its key, however many runs today).
      const tomorrow = new Date(Date.parse(`${dayOf(now)}T00:00:00.000Z`) + DAY);
      await scheduleJob(ctx, tx, {
        kind: "nps_sweep",
        key: `nps:sweep:${workspaceId}:${dayOf(tomorrow)}`,
        runAt: tomorrow,
        workspaceId,
      });
    });
    return n > 0 ? "done" : "skipped";
  },
};

/**
 * Makes sure every workspace has today's sweep scheduled (at start-up, or once a day): a
 * workspace created since, or one whose chain of daily runs was lost, is picked up. The key is
 * the one a run schedules for the next day, so nothing runs twice.
 */
export async function scheduleNpsSweeps(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const workspaces = await ctx.database.db.selectFrom("workspaces").select("id").execute();
  let n = 0;
  for (const { id } of workspaces) {
    const added = await ctx.database.db.transaction().execute((tx) =>
      scheduleJob(ctx, tx, {
        kind: "nps_sweep",
        key: `nps:sweep:${id}:${dayOf(now)}`,
        runAt: now,
        workspaceId: id,
      }),
    );
    if (added) n++;
  }
  return n;
}
