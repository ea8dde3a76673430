import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { surveySendJob } from "./survey.jobs.ts";
import { DAY, email, form, MINUTE, pathOf, surveyWorld, type Team } from "./surveys.test-support.ts";

// "Still fixed?" a few days after the resolution: Yes closes (a closing like any other), No
// reopens with the customer's words, or opens a follow-up of a request closed meanwhile; each
// question is about one resolution: a reopen skips or expires it, a new resolution asks anew.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const { db, resolve, surveysOf, setSettings, dueJobOf } = surveyWorld(() => t);

describe("Still fixed?", () => {
  async function stillFixedLink(team: Team) {
    await setSettings(team.ws.id, { still_fixed_days: 3 });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Wi-Fi drops" });
    const ticket = await resolve(team, s.reference);
    const sf = (await surveysOf(ticket.id)).find((x) => x.kind === "still_fixed");
    assert.equal(sf?.status, "scheduled");
    const job = await dueJobOf(sf?.id as string);
    assert.equal(job.run_at, sf?.send_at);
    assert.ok(Math.abs(Date.parse(job.run_at) - Date.parse(sf?.created_at as string) - 3 * DAY) < 1000);
    t.advance(3 * DAY);
    assert.equal(await surveySendJob.run(t.ctx, job), "done", "still_fixed is exempt from the quiet days");
    const row = await db()
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("ticket_id", "is", null)
      .where("kind", "=", "survey_request")
      .where("workspace_id", "=", team.ws.id)
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    const data = JSON.parse(row.template_data ?? "{}") as { url: string; kind: string };
    assert.equal(data.kind, "still_fixed");
    return { s, ticket, link: pathOf(data.url) };
  }

  const statusOf = async (id: string) =>
    (await db().selectFrom("tickets").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

  test("Yes closes the request as the customer's action", async () => {
    const team = await makeTeam(t);
    const { s, ticket, link } = await stillFixedLink(team);
    const page = await t.app.inject({ url: link });
    assert.match(page.body, new RegExp(`Is your request ${s.reference} still fixed\\?`));
    assert.match(page.body, /What&#39;s still wrong\?|What's still wrong\?/);
    const res = await t.app.inject({ method: "POST", url: link, ...form({ answer: "yes" }) });
    assert.equal(res.statusCode, 303);
    assert.equal(await statusOf(ticket.id), "closed");
    const event = await db()
      .selectFrom("ticket_events")
      .selectAll()
      .where("ticket_id", "=", ticket.id)
      .where("type", "=", "status_changed")
      .executeTakeFirstOrThrow();
    assert.equal(event.actor_type, "contact");
    assert.match(event.data, /"to":"closed"/);
    const api = await t.app.inject({
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
    });
    assert.equal(api.json().stillFixed.answer, "yes");
    const thanks = await t.app.inject({ url: `${link}?thanks=1` });
    assert.match(thanks.body, new RegExp(`We closed ${s.reference}`));
  });

  test("Yes closes like any closing: a chosen ticket type asks CES", async () => {
    const team = await makeTeam(t);
    const { ticket, link } = await stillFixedLink(team);
    const { type } = await db()
      .selectFrom("tickets")
      .select("type")
      .where("id", "=", ticket.id)
      .executeTakeFirstOrThrow();
    await setSettings(team.ws.id, { ces_enabled: true, ces_ticket_types: JSON.stringify([type]) });
    await t.app.inject({ method: "POST", url: link, ...form({ answer: "yes" }) });
    assert.equal(await statusOf(ticket.id), "closed");
    const ces = (await surveysOf(ticket.id)).filter((x) => x.kind === "ces");
    assert.equal(ces.length, 1, "the closing asks CES");
  });

  test("No on a request closed meanwhile opens a linked follow-up with the words, and says so", async () => {
    const team = await makeTeam(t);
    const { s, ticket, link } = await stillFixedLink(team);
    const closed = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "closed" },
    });
    assert.equal(closed.statusCode, 200);
    const res = await t.app.inject({
      method: "POST",
      url: link,
      ...form({ answer: "no", comment: "Still dropping at night." }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(await statusOf(ticket.id), "closed", "the closed request stays closed");
    const followUp = await db()
      .selectFrom("tickets")
      .selectAll()
      .where("follow_up_of_id", "=", ticket.id)
      .executeTakeFirstOrThrow();
    assert.equal(followUp.description, "Still dropping at night.");
    const original = await db()
      .selectFrom("tickets")
      .select("contact_id")
      .where("id", "=", ticket.id)
      .executeTakeFirstOrThrow();
    assert.equal(followUp.contact_id, original.contact_id);
    const thanks = await t.app.inject({ url: `${link}?thanks=1` });
    assert.match(thanks.body, new RegExp(`${s.reference} was already closed`));
    assert.match(thanks.body, new RegExp(`TKT-0*${followUp.number}\\b|${followUp.number}`));
    const answered = (await surveysOf(ticket.id)).find((x) => x.kind === "still_fixed");
    assert.equal(answered?.answer_outcome, "follow_up");
  });

  test("No reopens it with the customer's words as their public reply", async () => {
    const team = await makeTeam(t);
    const { ticket, link } = await stillFixedLink(team);
    const res = await t.app.inject({
      method: "POST",
      url: link,
      ...form({ answer: "no", comment: "It drops every evening again." }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(await statusOf(ticket.id), "open");
    const comment = await db()
      .selectFrom("comments")
      .selectAll()
      .where("ticket_id", "=", ticket.id)
      .where("author_type", "=", "contact")
      .executeTakeFirstOrThrow();
    assert.equal(comment.body, "It drops every evening again.");
    assert.equal(Boolean(comment.internal), false);
  });

  test("No without words reopens with a default text; an answer after the team reopened changes nothing", async () => {
    const team = await makeTeam(t);
    const a = await stillFixedLink(team);
    assert.equal(
      (await t.app.inject({ method: "POST", url: a.link, ...form({ answer: "no" }) })).statusCode,
      303,
    );
    assert.equal(await statusOf(a.ticket.id), "open");
    const words = await db()
      .selectFrom("comments")
      .select("body")
      .where("ticket_id", "=", a.ticket.id)
      .where("author_type", "=", "contact")
      .executeTakeFirstOrThrow();
    assert.equal(words.body, "The customer says the problem is not fixed.");

    const b = await stillFixedLink(team);
    const reopened = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${b.s.reference}`,
      headers: team.agent.headers,
      payload: { status: "in_progress" },
    });
    assert.equal(reopened.statusCode, 200);
    const expired = (await surveysOf(b.ticket.id)).find((x) => x.kind === "still_fixed");
    assert.equal(expired?.status, "expired", "reopened: the question sent no longer asks");
    await t.app.inject({ method: "POST", url: b.link, ...form({ answer: "yes" }) });
    assert.equal(await statusOf(b.ticket.id), "in_progress", "the team's status stands");
    const after = (await surveysOf(b.ticket.id)).find((x) => x.kind === "still_fixed");
    assert.equal(after?.status, "expired");
    assert.equal(after?.answer, null);
  });

  test("reopened: the waiting question is skipped at once; resolved again, a new one asks about the new resolution", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, { still_fixed_days: 3 });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Twice resolved" });
    const ticket = await resolve(team, s.reference);
    const [first] = (await surveysOf(ticket.id)).filter((x) => x.kind === "still_fixed");
    const firstResolved = (
      await db()
        .selectFrom("tickets")
        .select("resolved_at")
        .where("id", "=", ticket.id)
        .executeTakeFirstOrThrow()
    ).resolved_at;
    assert.equal(Date.parse(first?.ticket_resolved_at as string), Date.parse(firstResolved as string));
    t.advance(MINUTE);
    const reopen = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "open" },
    });
    assert.equal(reopen.statusCode, 200);
    const skipped = (await surveysOf(ticket.id)).find((x) => x.id === first?.id);
    assert.equal(skipped?.status, "skipped");
    assert.equal(skipped?.skip_reason, "reopened");
    t.advance(MINUTE);
    await resolve(team, s.reference);
    const fixed = (await surveysOf(ticket.id)).filter((x) => x.kind === "still_fixed");
    assert.equal(fixed.length, 2, "a new question for the new resolution");
    const second = fixed.find((x) => x.id !== first?.id);
    assert.equal(second?.status, "scheduled");
    assert.notEqual(second?.ticket_resolved_at, first?.ticket_resolved_at);
  });

  test("a customer's reply that reopens the request skips its waiting question", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, { still_fixed_days: 3 });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Reply reopens" });
    const ticket = await resolve(team, s.reference);
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets/${s.reference}/replies?t=${encodeURIComponent(s.token)}`,
      payload: { body: "It broke again." },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(await statusOf(ticket.id), "open");
    const sf = (await surveysOf(ticket.id)).find((x) => x.kind === "still_fixed");
    assert.equal(sf?.status, "skipped");
    assert.equal(sf?.skip_reason, "reopened");
  });

  test("an answer about an earlier resolution does not act on the ticket resolved again since", async () => {
    const team = await makeTeam(t);
    const a = await stillFixedLink(team);
    // Closed, then resolved again by the team (no reopen between): a new resolution.
    for (const status of ["closed", "resolved"]) {
      t.advance(MINUTE);
      const r = await t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${a.s.reference}`,
        headers: team.agent.headers,
        payload: { status },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    assert.equal(await statusOf(a.ticket.id), "resolved");
    await t.app.inject({ method: "POST", url: a.link, ...form({ answer: "no", comment: "Old news" }) });
    assert.equal(await statusOf(a.ticket.id), "resolved", "the new resolution stands");
    const thanks = await t.app.inject({ url: `${a.link}?thanks=1` });
    assert.match(thanks.body, /was left as it is/);
  });

  test("not sent once the ticket was reopened", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, { still_fixed_days: 3 });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Reopened soon" });
    const ticket = await resolve(team, s.reference);
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "open" },
    });
    const sf = (await surveysOf(ticket.id)).find((x) => x.kind === "still_fixed");
    t.advance(3 * DAY);
    assert.equal(await surveySendJob.run(t.ctx, await dueJobOf(sf?.id as string)), "skipped");
    assert.equal((await surveysOf(ticket.id)).find((x) => x.kind === "still_fixed")?.skip_reason, "reopened");
  });
});
