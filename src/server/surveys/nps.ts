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

export const npsSweepJob: JobHandler = {
  // A sweep missed during downtime is simply the next one: it finds the same contacts.
  staleAfterMs: 2 * DAY,
  async run(ctx: AppContext, job: DueJob) {
    const workspaceId = job.workspace_id;
    if (!workspaceId) return "skipped";
    const n = await sweepNps(ctx, workspaceId);
    const now = ctx.now();
    if (n >= NPS_BATCH) {
      // More are due: the next batch shortly. Tomorrow's sweep is planned by jobs/recurring.ts.
      await ctx.database.db.transaction().execute((tx) =>
        scheduleJob(ctx, tx, {
          kind: "nps_sweep",
          key: `nps_sweep:${workspaceId}:more:${now.toISOString()}`,
          runAt: new Date(now.getTime() + MORE_AFTER_MS),
          workspaceId,
        }),
      );
    }
    return n > 0 ? "done" : "skipped";
  },
};
