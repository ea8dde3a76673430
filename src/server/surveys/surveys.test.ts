import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { deliverDueEmails } from "../email/delivery.ts";
import { outgoingMessageOf } from "../email/email.message.ts";
import { mailDir } from "../email/email.transport.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { surveySendJob } from "./survey.jobs.ts";

// Surveys end to end through the real app: a resolution's email carries the CSAT link, the link's
// page records one answer for 7 days, unsubscribed and recently asked contacts are not asked, a
// separate CSAT email and "Still fixed?" go out by their job, "Still fixed?" closes or reopens.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

let n = 0;
const email = () => `survey-${++n}-${process.pid}@customer.test`;
type Team = Awaited<ReturnType<typeof makeTeam>>;

const db = () => t.ctx.database.db;

async function resolve(team: Team, reference: string) {
  const res = await t.app.inject({
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

const pathOf = (url: string) => new URL(url).pathname;

const surveysOf = (ticketId: string) =>
  db().selectFrom("surveys").selectAll().where("ticket_id", "=", ticketId).orderBy("created_at").execute();

const form = (fields: Record<string, string>) => ({
  headers: { "content-type": "application/x-www-form-urlencoded" },
  payload: new URLSearchParams(fields).toString(),
});

async function setSettings(workspaceId: string, s: Record<string, unknown>) {
  await db()
    .insertInto("survey_settings")
    .values({ workspace_id: workspaceId, updated_at: t.ctx.now().toISOString(), ...s } as never)
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
  const s = await submitTicket(t, team.ws.slug, { email: address, subject: "Toner empty" });
  const ticket = await resolve(team, s.reference);
  const { data, row } = await resolvedEmail(ticket.id);
  assert.ok(data.rateUrl, "the resolution email carries the rate link");
  return { s, ticket, link: pathOf(data.rateUrl), data, row };
}

describe("CSAT in the resolution email", () => {
  test("resolve → the email's button → 2 stars and a comment, recorded once", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Toner empty" });
    // An internal note never reaches a token page.
    const note = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: team.agent.headers,
      payload: { body: "SECRET-SURVEY-NOTE-77" },
    });
    assert.equal(note.statusCode, 201, note.body);
    const ticket = await resolve(team, s.reference);
    const { data, row } = await resolvedEmail(ticket.id);
    assert.ok(data.rateUrl && data.unsubscribeUrl, "rate and unsubscribe links in template_data");
    assert.match(data.rateUrl, new RegExp(`/portal/${team.ws.slug}/surveys/[A-Za-z0-9_-]{40,}$`));
    const message = outgoingMessageOf(row);
    assert.match(message.html, /Rate your experience/);
    assert.match(message.text, /View your request/, "the tracking link stays, as a link");
    assert.equal(message.headers["List-Unsubscribe"], `<${data.unsubscribeUrl}>`);
    assert.equal(message.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");

    const link = pathOf(data.rateUrl);
    const page = await t.app.inject({ url: link });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Rate your experience/);
    assert.match(page.body, new RegExp(`How would you rate your experience with ${s.reference}\\?`));
    assert.equal((page.body.match(/type="radio"[^>]*name="score"/g) ?? []).length, 5);
    assert.ok(!page.body.includes("SECRET-SURVEY-NOTE-77"), "no internal note on a token page");
    assert.match(String(page.headers["content-security-policy"]), /script-src/);

    const posted = await t.app.inject({
      method: "POST",
      url: link,
      ...form({ score: "2", comment: "Slow." }),
    });
    assert.equal(posted.statusCode, 303, posted.body);
    assert.equal(posted.headers.location, `${link}?thanks=1`);
    const thanks = await t.app.inject({ url: `${link}?thanks=1` });
    assert.match(thanks.body, /Thanks — your rating was recorded/);

    const [csat] = (await surveysOf(ticket.id)).filter((x) => x.kind === "csat");
    assert.equal(csat?.score, 2);
    assert.equal(csat?.comment, "Slow.");
    assert.equal(csat?.answered_via, "email");
    assert.equal(csat?.status, "answered");

    const again = await t.app.inject({
      method: "POST",
      url: link,
      ...form({ score: "5", comment: "Great!" }),
    });
    assert.equal(again.statusCode, 200);
    assert.match(again.body, /You already answered/);
    assert.match(again.body, /2 \/ 5/);
    assert.match(again.body, /Slow\./);
    const [still] = (await surveysOf(ticket.id)).filter((x) => x.kind === "csat");
    assert.equal(still?.score, 2, "the second use records nothing");
    assert.equal(still?.comment, "Slow.");

    // The agents see it in the ticket's API answer and sidebar.
    const api = await t.app.inject({
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
    });
    assert.deepEqual(api.json().satisfaction, { score: 2, comment: "Slow.", answeredAt: still?.answered_at });
    const sidebar = await t.app.inject({
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.match(sidebar.body, /Customer satisfaction/);
    assert.match(sidebar.body, /2 \/ 5/);
  });

  test("?score=N chooses a score on the page and records nothing", async () => {
    const team = await makeTeam(t);
    const { ticket, link } = await resolvedWithLink(team);
    const page = await t.app.inject({ url: `${link}?score=4` });
    assert.match(page.body, /id="score-4" name="score" value="4" checked/);
    const [csat] = await surveysOf(ticket.id);
    assert.equal(csat?.status, "sent");
    assert.equal(csat?.score, null);
  });

  test("a score out of range is a 400 naming the field; the form keeps the comment", async () => {
    const team = await makeTeam(t);
    const { link } = await resolvedWithLink(team);
    const res = await t.app.inject({ method: "POST", url: link, ...form({ score: "6", comment: "Kept" }) });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Your rating must be a whole number from 1 to 5/);
    assert.match(res.body, />Kept<\/textarea>/);
    const long = await t.app.inject({
      method: "POST",
      url: link,
      ...form({ score: "3", comment: "x".repeat(2001) }),
    });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /at most 2,000 characters/);
  });

  test("the link works 7 days minus a minute after sending, not 7 days plus a minute", async () => {
    const team = await makeTeam(t);
    const early = await resolvedWithLink(team);
    const late = await resolvedWithLink(team);
    t.advance(7 * DAY - MINUTE);
    const ok = await t.app.inject({ method: "POST", url: early.link, ...form({ score: "4" }) });
    assert.equal(ok.statusCode, 303);
    t.advance(2 * MINUTE);
    const page = await t.app.inject({ url: late.link });
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /This link has expired/);
    const res = await t.app.inject({ method: "POST", url: late.link, ...form({ score: "4" }) });
    assert.equal(res.statusCode, 410);
    const [csat] = await surveysOf(late.ticket.id);
    assert.equal(csat?.score, null, "nothing recorded after expiry");
    assert.equal(csat?.status, "sent");
  });

  test("one-click unsubscribe; an unsubscribed contact is not asked again and their email has no button", async () => {
    const team = await makeTeam(t);
    const address = email();
    const first = await resolvedWithLink(team, address);
    const unsubscribe = pathOf(first.data.unsubscribeUrl as string);
    const confirm = await t.app.inject({ url: unsubscribe });
    assert.match(confirm.body, /Unsubscribe from surveys\?/);
    const oneClick = await t.app.inject({
      method: "POST",
      url: unsubscribe,
      ...form({ "List-Unsubscribe": "One-Click" }),
    });
    assert.equal(oneClick.statusCode, 200);
    assert.match(oneClick.body, /You are unsubscribed/);
    const contact = await db()
      .selectFrom("contacts")
      .select("surveys_unsubscribed_at")
      .where("email_normalized", "=", address)
      .where("workspace_id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.ok(contact.surveys_unsubscribed_at);

    // No quiet days: only the unsubscription keeps them from being asked.
    await setSettings(team.ws.id, { quiet_days: 0 });
    const s = await submitTicket(t, team.ws.slug, { email: address, subject: "Again" });
    const ticket = await resolve(team, s.reference);
    const { data } = await resolvedEmail(ticket.id);
    assert.equal(data.rateUrl, undefined, "no button");
    assert.equal(data.unsubscribeUrl, undefined);
    const [csat] = (await surveysOf(ticket.id)).filter((x) => x.kind === "csat");
    assert.equal(csat?.status, "skipped");
    assert.equal(csat?.skip_reason, "unsubscribed");
    assert.equal(csat?.token_hash, null);
  });

  test("quiet days: asked 7 days minus a minute ago → skipped 'quiet'; 7 days ago → asked", async () => {
    const team = await makeTeam(t);
    const address = email();
    await resolvedWithLink(team, address);
    t.advance(7 * DAY - MINUTE);
    const b = await submitTicket(t, team.ws.slug, { email: address, subject: "B" });
    const tb = await resolve(team, b.reference);
    const [quiet] = (await surveysOf(tb.id)).filter((x) => x.kind === "csat");
    assert.equal(quiet?.status, "skipped");
    assert.equal(quiet?.skip_reason, "quiet");
    assert.equal((await resolvedEmail(tb.id)).data.rateUrl, undefined);
    t.advance(MINUTE);
    const c = await submitTicket(t, team.ws.slug, { email: address, subject: "C" });
    const tc = await resolve(team, c.reference);
    const [asked] = (await surveysOf(tc.id)).filter((x) => x.kind === "csat");
    assert.equal(asked?.status, "sent");
  });

  test("at most one CSAT per ticket: resolved again after a reopen, no second survey", async () => {
    const team = await makeTeam(t);
    const { s, ticket } = await resolvedWithLink(team);
    const reopen = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "open" },
    });
    assert.equal(reopen.statusCode, 200);
    t.advance(10 * DAY);
    await resolve(team, s.reference);
    const csats = (await surveysOf(ticket.id)).filter((x) => x.kind === "csat");
    assert.equal(csats.length, 1);
    assert.equal((await resolvedEmail(ticket.id)).data.rateUrl, undefined);
  });
});

describe("the survey_send job", () => {
  test("separate_email: the CSAT is its own email after the delay, sent once, with List-Unsubscribe", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, {
      csat_delivery: "separate_email",
      csat_delay_minutes: 30,
      still_fixed_days: 0,
    });
    const s = await submitTicket(t, team.ws.slug, { email: email(), subject: "Later" });
    const ticket = await resolve(team, s.reference);
    assert.equal(
      (await resolvedEmail(ticket.id)).data.rateUrl,
      undefined,
      "no button in the resolution email",
    );
    const [csat] = await surveysOf(ticket.id);
    assert.equal(csat?.status, "scheduled");
    const job = await dueJobOf(csat?.id as string);
    assert.equal(job.kind, "survey_send");
    assert.equal(job.run_at, csat?.send_at);
    assert.ok(Math.abs(Date.parse(job.run_at) - Date.parse(csat?.created_at as string) - 30 * MINUTE) < 1000);

    t.advance(30 * MINUTE);
    assert.equal(await surveySendJob.run(t.ctx, job), "done");
    assert.equal(await surveySendJob.run(t.ctx, job), "skipped", "a second run sends nothing");
    const [sent] = await surveysOf(ticket.id);
    assert.equal(sent?.status, "sent");
    assert.equal(Date.parse(sent?.expires_at as string) - Date.parse(sent?.sent_at as string), 7 * DAY);
    const emails = await db()
      .selectFrom("outbox_emails")
      .selectAll()
      .where("workspace_id", "=", team.ws.id)
      .where("kind", "=", "survey_request")
      .execute();
    assert.equal(emails.length, 1);
    const message = outgoingMessageOf(emails[0] as NonNullable<(typeof emails)[0]>);
    assert.match(message.subject, new RegExp(`\\[${s.reference}\\] How did we do\\?`));
    assert.match(message.html, /Rate your experience/);
    assert.match(message.html, /Unsubscribe from surveys/);
    assert.match(String(message.headers["List-Unsubscribe"]), /\/surveys\/unsubscribe\//);
    assert.equal(message.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");

    // Delivered: the .eml carries both headers; the stored copy keeps none of the link tokens.
    await deliverDueEmails(t.ctx, systemActor("outbox delivery"), { limit: 1000 });
    const eml = fs.readFileSync(path.join(mailDir(t.ctx.config), `${emails[0]?.id}.eml`), "utf8");
    assert.match(eml, /^List-Unsubscribe:\s+<http:\/\/[^>]+\/surveys\/unsubscribe\/[A-Za-z0-9_-]{40,}>\r?$/m);
    assert.match(eml, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const stored = await db()
      .selectFrom("outbox_emails")
      .select(["status", "headers", "template_data"])
      .where("id", "=", emails[0]?.id as string)
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, "sent");
    assert.match(stored.headers, /\/surveys\/unsubscribe\/\(removed-once-sent\)/);
    assert.match(stored.template_data ?? "", /\/surveys\/\(removed-once-sent\)/);
    assert.doesNotMatch(
      `${stored.headers}${stored.template_data}`,
      /\/surveys\/(unsubscribe\/)?[A-Za-z0-9_-]{40,}/,
    );
  });

  test("a reply that resolves is the resolution's email: the CSAT leaves at once as its own", async () => {
    const team = await makeTeam(t);
    const address = email();
    const s = await submitTicket(t, team.ws.slug, { email: address, subject: "By reply" });
    const res = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: team.agent.headers,
      payload: { body: "Done, it works now.", status: "resolved" },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id = (res.json() as { ticket: { id: string } }).ticket.id;
    const csat = (await surveysOf(id)).find((x) => x.kind === "csat");
    assert.equal(csat?.status, "sent");
    const request = await db()
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("kind", "=", "survey_request")
      .where("to_address", "=", address)
      .executeTakeFirstOrThrow();
    assert.match(request.template_data ?? "", /"kind":"csat"/);
  });

  test("a reopened ticket's CSAT is skipped 'reopened'; a stale job skips its survey 'stale'", async () => {
    const team = await makeTeam(t);
    await setSettings(team.ws.id, {
      csat_delivery: "separate_email",
      csat_delay_minutes: 0,
      still_fixed_days: 0,
    });
    const a = await submitTicket(t, team.ws.slug, { email: email(), subject: "Reopened" });
    const ta = await resolve(team, a.reference);
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${a.reference}`,
      headers: team.agent.headers,
      payload: { status: "open" },
    });
    const [sa] = await surveysOf(ta.id);
    assert.equal(await surveySendJob.run(t.ctx, await dueJobOf(sa?.id as string)), "skipped");
    assert.equal((await surveysOf(ta.id))[0]?.skip_reason, "reopened");

    const b = await submitTicket(t, team.ws.slug, { email: email(), subject: "Stale" });
    const tb = await resolve(team, b.reference);
    const [sb] = await surveysOf(tb.id);
    assert.equal(surveySendJob.staleAfterMs, DAY);
    await surveySendJob.onStale?.(t.ctx, await dueJobOf(sb?.id as string));
    const [stale] = await surveysOf(tb.id);
    assert.equal(stale?.status, "skipped");
    assert.equal(stale?.skip_reason, "stale");
  });
});

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

describe("in the signed-in portal", () => {
  test("a banner on every page; answered there it counts once, and the email's link shows it", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const other = await makeCustomer(t, team.ws.id);
    const { s, ticket, link } = await resolvedWithLink(team, c.email);
    const [csat] = await surveysOf(ticket.id);
    const home = await t.app.inject({ url: `/portal/${team.ws.slug}/home`, headers: { cookie: c.cookie } });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, new RegExp(`How did we do on ${s.reference}\\?`));
    const page = `/portal/${team.ws.slug}/account/surveys/${csat?.id}`;
    assert.match(home.body, new RegExp(`href="${page}"`));
    const requests = await t.app.inject({
      url: `/portal/${team.ws.slug}/requests`,
      headers: { cookie: c.cookie },
    });
    assert.match(requests.body, /Rate your experience/);

    const otherHome = await t.app.inject({
      url: `/portal/${team.ws.slug}/home`,
      headers: { cookie: other.cookie },
    });
    assert.doesNotMatch(otherHome.body, /How did we do/);
    const stranger = await t.app.inject({ url: page, headers: { cookie: other.cookie } });
    assert.equal(stranger.statusCode, 404, "another contact's survey is not found");
    const strangerPost = await t.app.inject({
      method: "POST",
      url: page,
      headers: { cookie: other.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: other.csrf, score: "1" }).toString(),
    });
    assert.equal(strangerPost.statusCode, 404);

    const form = await t.app.inject({ url: page, headers: { cookie: c.cookie } });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="score"/);
    assert.doesNotMatch(form.body, /How did we do on/, "no banner on the survey's own page");
    const posted = await t.app.inject({
      method: "POST",
      url: page,
      headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: c.csrf, score: "5", comment: "Lovely" }).toString(),
    });
    assert.equal(posted.statusCode, 303, posted.body);
    const [answered] = await surveysOf(ticket.id);
    assert.equal(answered?.score, 5);
    assert.equal(answered?.answered_via, "portal");
    const after = await t.app.inject({ url: `/portal/${team.ws.slug}/home`, headers: { cookie: c.cookie } });
    assert.doesNotMatch(after.body, /How did we do/, "the banner is gone once answered");
    const viaEmail = await t.app.inject({ method: "POST", url: link, ...formBody({ score: "1" }) });
    assert.match(viaEmail.body, /You already answered/);
    assert.match(viaEmail.body, /5 \/ 5/);
  });
});

const formBody = form;

describe("the JSON API", () => {
  test("reads the question, answers once (201, then 409), checks the range (400 with the field)", async () => {
    const team = await makeTeam(t);
    const { link, s } = await resolvedWithLink(team);
    const token = link.split("/").at(-1) as string;
    const url = `/api/public/portals/${team.ws.slug}/surveys/${token}`;
    const view = await t.app.inject({ url });
    assert.equal(view.statusCode, 200, view.body);
    assert.equal(view.json().state, "open");
    assert.equal(view.json().reference, s.reference);
    assert.deepEqual(view.json().scale, { min: 1, max: 5 });
    const bad = await t.app.inject({ method: "POST", url, payload: { score: 0 } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, "validation_failed");
    assert.ok(bad.json().error.fields.score);
    const ok = await t.app.inject({ method: "POST", url, payload: { score: 3, comment: "Fine" } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().answer.score, 3);
    const again = await t.app.inject({ method: "POST", url, payload: { score: 4 } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, "survey_answered");
    const unknown = await t.app.inject({
      url: `/api/public/portals/${team.ws.slug}/surveys/${"x".repeat(43)}`,
    });
    assert.equal(unknown.statusCode, 404);
  });
});
