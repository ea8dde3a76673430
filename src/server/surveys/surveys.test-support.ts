import assert from "node:assert/strict";
import type { DueJob } from "../jobs/job-kinds.ts";
import { type makeTeam, submitTicket } from "../test/factories.ts";
import type { TestEnv } from "../test/harness.ts";

// What the survey tests share: resolving a ticket through the API, its emails and surveys, the
// CSAT link's path, the workspace's survey settings and a survey's send job as the scheduler
// hands it over.

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export type Team = Awaited<ReturnType<typeof makeTeam>>;

let n = 0;
/** A new contact's address each time: the quiet days are per contact. */
export const email = () => `survey-${++n}-${process.pid}@customer.test`;

export const pathOf = (url: string) => new URL(url).pathname;

export const form = (fields: Record<string, string>) => ({
  headers: { "content-type": "application/x-www-form-urlencoded" },
  payload: new URLSearchParams(fields).toString(),
});

/** The helpers, on the test file's environment (made in its before()). */
export function surveyWorld(env: () => TestEnv) {
  const db = () => env().ctx.database.db;
  async function resolve(team: Team, reference: string) {
    const res = await env().app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${reference}/resolve`,
      headers: team.agent.headers,
      payload: { resolution: "Replaced the toner." },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { id: string };
  }

  async function resolvedEmail(ticketId: string) {
    const row = await db()
      .selectFrom("outbox_emails")
      .selectAll()
      .where("ticket_id", "=", ticketId)
      .where("kind", "=", "ticket_resolved")
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    return { row, data: JSON.parse(row.template_data ?? "{}") as Record<string, string | undefined> };
  }

  const surveysOf = (ticketId: string) =>
    db().selectFrom("surveys").selectAll().where("ticket_id", "=", ticketId).orderBy("created_at").execute();

  async function setSettings(workspaceId: string, s: Record<string, unknown>) {
    await db()
      .insertInto("survey_settings")
      .values({ workspace_id: workspaceId, updated_at: env().ctx.now().toISOString(), ...s } as never)
      .onConflict((oc) => oc.column("workspace_id").doUpdateSet(s))
      .execute();
  }

  async function dueJobOf(surveyId: string): Promise<DueJob> {
    const j = await db()
      .selectFrom("scheduled_jobs")
      .selectAll()
      .where("key", "=", `survey:${surveyId}`)
      .executeTakeFirstOrThrow();
    return { ...j, payload: JSON.parse(j.payload) as Record<string, unknown> };
  }

  /** A ticket of a new contact, resolved; its CSAT link's path. */
  async function resolvedWithLink(team: Team, address = email()) {
    const s = await submitTicket(env(), team.ws.slug, { email: address, subject: "Toner empty" });
    const ticket = await resolve(team, s.reference);
    const { data, row } = await resolvedEmail(ticket.id);
    assert.ok(data.rateUrl, "the resolution email carries the rate link");
    return { s, ticket, link: pathOf(data.rateUrl), data, row };
  }
  return { db, resolve, resolvedEmail, surveysOf, setSettings, dueJobOf, resolvedWithLink };
}
