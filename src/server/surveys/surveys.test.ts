import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { outgoingMessageOf } from "../email/email.message.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { DAY, email, form, MINUTE, pathOf, surveyWorld } from "./surveys.test-support.ts";

// CSAT end to end through the real app: the resolution's email carries the rate link, the link's
// page records one answer for 7 days, unsubscribed and recently asked contacts are not asked, a
// ticket is asked once; the portal's banner and page; the link's JSON API.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const { db, resolve, resolvedEmail, surveysOf, setSettings, resolvedWithLink } = surveyWorld(() => t);

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

    const own = await t.app.inject({ url: page, headers: { cookie: c.cookie } });
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /name="score"/);
    assert.doesNotMatch(own.body, /How did we do on/, "no banner on the survey's own page");
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
    const later = await t.app.inject({ url: `/portal/${team.ws.slug}/home`, headers: { cookie: c.cookie } });
    assert.doesNotMatch(later.body, /How did we do/, "the banner is gone once answered");
    const viaEmail = await t.app.inject({ method: "POST", url: link, ...form({ score: "1" }) });
    assert.match(viaEmail.body, /You already answered/);
    assert.match(viaEmail.body, /5 \/ 5/);
  });
});

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
