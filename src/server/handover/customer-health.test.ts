import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSurvey, sendSurvey } from "../surveys/survey.service.ts";
import { setSurveySettings } from "../surveys/survey.test-support.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { CustomerHealth, HandoverResult } from "./handover.schemas.ts";

// The customer health summary through the real app: real survey answers (CSAT twice, NPS), a
// resolved request and a handover whose messages give a sentiment trend; in the handover's answer
// and note, and on its own route; another workspace's contact is a 404.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

async function created(team: Team, body: Record<string, unknown>) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/workspace/handovers",
    headers: team.agent.headers,
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as HandoverResult;
}

const fullBody = (email: string) => ({
  customer: { email, name: "Noor Customer" },
  transcript: [
    { from: "customer", text: "My invoice for November is wrong." },
    { from: "bot", text: "Let me check your plan." },
    { from: "customer", text: "This is terrible, I am very angry, fix it now!" },
  ],
  source: "Ava",
});

describe("customer health", () => {
  async function answered(team: Team, contactId: string, kind: "csat" | "nps", score: number) {
    const s = await t.ctx.database.db.transaction().execute((tx) =>
      createSurvey(t.ctx, tx, {
        workspaceId: team.ws.id,
        kind,
        contactId,
        companyId: null,
        trigger: "schedule",
        sendAt: t.ctx.now(),
      }),
    );
    assert.equal(await sendSurvey(t.ctx, s.id), "sent");
    const row = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("kind", "=", "survey_request")
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const link = new URL((JSON.parse(row.template_data ?? "{}") as { url: string }).url).pathname;
    const res = await t.app.inject({
      method: "POST",
      url: link,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ score: String(score) }).toString(),
    });
    assert.equal(res.statusCode, 303, res.body);
  }

  test("numbers from real surveys, tickets and sentiment; in the handover and on its own", async () => {
    const team = await makeTeam(t);
    await setSurveySettings(t, team.ws.id, { quiet_days: 0 });
    const c = await makeCustomer(t, team.ws.id);
    const empty = await t.app.inject({
      url: `/api/workspace/contacts/${c.contactId}/health`,
      headers: team.agent.headers,
    });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), {
      openTickets: { count: 0, newest: [] },
      totalTickets: 0,
      lastCsat: null,
      lastNps: null,
      sentiment: { latest: null, average: null, trend: null },
    });

    await answered(team, c.contactId, "csat", 2);
    t.advance(60_000);
    await answered(team, c.contactId, "csat", 5);
    await answered(team, c.contactId, "nps", 9);
    // A calm first request, resolved; then the handover, angrier as it goes.
    const calm = await submitTicket(t, team.ws.slug, {
      email: c.email,
      subject: "Thanks, great service, works well",
    });
    const resolved = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${calm.reference}/resolve`,
      headers: team.agent.headers,
      payload: { resolution: "Done." },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    const r = await created(team, fullBody(c.email));
    const h = r.health;
    assert.equal(h.totalTickets, 2);
    assert.deepEqual(h.openTickets, { count: 1, newest: [r.ticket.reference] });
    assert.equal(h.lastCsat?.score, 5, "the latest CSAT, not the first");
    assert.equal(h.lastNps?.score, 9);
    assert.ok(h.lastCsat && Date.parse(h.lastCsat.at) > 0);
    assert.ok(h.sentiment.latest !== null && h.sentiment.average !== null);
    assert.ok(h.sentiment.trend !== null, "the handover's own messages give a trend");

    const alone = await t.app.inject({
      url: `/api/workspace/contacts/${c.contactId}/health`,
      headers: team.agent.headers,
    });
    assert.equal(alone.statusCode, 200);
    assert.deepEqual(alone.json() as CustomerHealth, h);

    const note = await t.ctx.database.db
      .selectFrom("comments")
      .select("body")
      .where("ticket_id", "=", r.ticket.id)
      .where("internal", "=", true)
      .executeTakeFirstOrThrow();
    assert.match(note.body, /Last CSAT: 5\/5 on /);
    assert.match(note.body, /Last NPS: 9\/10 on /);
    assert.match(note.body, new RegExp(`Open tickets: 1 \\(${r.ticket.reference}\\)`));
    assert.match(note.body, /Tickets in total: 2/);
  });

  test("a contact of another workspace is a 404, like one that does not exist", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const theirs = await makeCustomer(t, other.ws.id);
    const res = await t.app.inject({
      url: `/api/workspace/contacts/${theirs.contactId}/health`,
      headers: team.agent.headers,
    });
    assert.equal(res.statusCode, 404);
    const none = await t.app.inject({
      url: "/api/workspace/contacts/no-such-id/health",
      headers: team.agent.headers,
    });
    assert.equal(none.statusCode, 404);
    assert.equal(
      (res.json() as { error: { code: string } }).error.code,
      (none.json() as { error: { code: string } }).error.code,
    );
  });
});
