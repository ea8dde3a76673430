import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { buildApp } from "../../app.ts";
import type { SurveyKind } from "../../db/schema.surveys.ts";
import { outgoingMessageOf } from "../../email/email.message.ts";
import { createSurvey, sendSurvey } from "../../surveys/survey.service.ts";
import { makeCustomer, makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The survey link's pages for every kind: the question as an accessible radio group, each scale
// checked at its ends, unknown links and other portals, the unsubscribe page (a GET changes
// nothing; the one-click POST works as multipart too) and the answers' rate limit.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

/** A survey of `kind` sent now to a new contact; the paths of its answer and unsubscribe links. */
async function sent(team: Team, kind: SurveyKind) {
  const c = await makeCustomer(t, team.ws.id);
  const s = await t.ctx.database.db.transaction().execute((tx) =>
    createSurvey(t.ctx, tx, {
      workspaceId: team.ws.id,
      kind,
      contactId: c.contactId,
      companyId: null,
      trigger: "schedule",
      sendAt: t.ctx.now(),
    }),
  );
  assert.equal(await sendSurvey(t.ctx, s.id), "sent");
  const row = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["template_data", "headers"])
    .where("kind", "=", "survey_request")
    .where("to_address", "=", c.email)
    .executeTakeFirstOrThrow();
  const data = JSON.parse(row.template_data ?? "{}") as { url: string; unsubscribeUrl: string };
  return {
    id: s.id,
    contact: c,
    link: new URL(data.url).pathname,
    unsubscribe: new URL(data.unsubscribeUrl).pathname,
  };
}

const post = (url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(fields).toString(),
  });

const statusOf = async (id: string) =>
  (
    await t.ctx.database.db
      .selectFrom("surveys")
      .select(["status", "score"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).status;

describe("the question pages", () => {
  test("CSAT: a fieldset with its legend, five labelled radio stars, a labelled comment, no inline script", async () => {
    const team = await makeTeam(t);
    const { link } = await sent(team, "csat");
    const res = await t.app.inject({ url: link });
    assert.equal(res.statusCode, 200);
    assert.match(
      res.body,
      /<fieldset class="choice-group" id="score" tabindex="-1">\s*<legend>How would you rate your experience\?<\/legend>/,
    );
    for (let v = 1; v <= 5; v++) {
      assert.match(
        res.body,
        new RegExp(`<input type="radio" class="choice-input" id="score-${v}" name="score" value="${v}"`),
      );
      assert.match(res.body, new RegExp(`<label for="score-${v}" class="star">`));
    }
    assert.match(res.body, /<span class="visually-hidden">2 stars: Poor<\/span>/);
    assert.match(res.body, /<label for="comment">/);
    assert.doesNotMatch(res.body, /<script>|<script (?![^>]*src=)/, "no inline script");
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.headers["referrer-policy"], "no-referrer");
  });

  test("a comment of 2,000 emoji (about 24 KB as a form) is taken whole", async () => {
    const team = await makeTeam(t);
    const s = await sent(team, "csat");
    const comment = "😀".repeat(2000);
    const res = await post(s.link, { score: "4", comment });
    assert.ok(res.statusCode < 400, `answered ${res.statusCode}`);
    const row = await t.ctx.database.db
      .selectFrom("surveys")
      .select(["status", "comment"])
      .where("id", "=", s.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "answered");
    assert.equal(row.comment, comment);
  });

  test("NPS takes 0 and 10, not 11; its question and scale", async () => {
    const team = await makeTeam(t);
    const a = await sent(team, "nps");
    const row = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("to_address", "=", a.contact.email)
      .executeTakeFirstOrThrow();
    const html = outgoingMessageOf(row).html;
    for (const n of [0, 10]) assert.ok(html.includes(`${a.link}?score=${n}"`), `the email links score ${n}`);
    const chosen = await t.app.inject({ url: `${a.link}?score=10` });
    assert.match(chosen.body, /id="score-10" name="score" value="10" checked/);
    const page = await t.app.inject({ url: a.link });
    assert.match(page.body, /How likely are you to recommend us to a friend or colleague\?/);
    assert.equal((page.body.match(/name="score" value="\d+"/g) ?? []).length, 11);
    const bad = await post(a.link, { score: "11" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /must be a whole number from 0 to 10/);
    assert.equal((await post(a.link, { score: "0" })).statusCode, 303);
    const b = await sent(team, "nps");
    assert.equal((await post(b.link, { score: "10" })).statusCode, 303);
  });

  test('CES asks "How easy was it to get what you needed?" and takes 1–7', async () => {
    const team = await makeTeam(t);
    const a = await sent(team, "ces");
    const page = await t.app.inject({ url: a.link });
    assert.match(page.body, /How easy was it to get what you needed\?/);
    assert.equal((page.body.match(/name="score" value="\d+"/g) ?? []).length, 7);
    assert.equal((await post(a.link, { score: "0" })).statusCode, 400);
    assert.equal((await post(a.link, { score: "8" })).statusCode, 400);
    assert.equal((await post(a.link, { score: "7" })).statusCode, 303);
    assert.equal(await statusOf(a.id), "answered");
  });

  test("Still fixed? without an answer is a 400 naming the field", async () => {
    const team = await makeTeam(t);
    const a = await sent(team, "still_fixed");
    const res = await post(a.link, { comment: "hm" });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Your answer must be yes or no/);
    assert.equal(await statusOf(a.id), "sent");
  });

  test("an unknown token, or a token on another workspace's portal, is a 404", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    const a = await sent(team, "csat");
    const unknown = await t.app.inject({ url: `/portal/${team.ws.slug}/surveys/${"x".repeat(43)}` });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /We could not open that survey/);
    const elsewhere = a.link.replace(`/portal/${team.ws.slug}/`, `/portal/${other.ws.slug}/`);
    assert.equal((await t.app.inject({ url: elsewhere })).statusCode, 404);
    assert.equal((await post(elsewhere, { score: "1" })).statusCode, 404);
    assert.equal(await statusOf(a.id), "sent");
  });
});

describe("unsubscribing", () => {
  test("the page's GET changes nothing; a one-click POST as multipart unsubscribes", async () => {
    const team = await makeTeam(t);
    const a = await sent(team, "csat");
    const unsubscribed = async () =>
      (
        await t.ctx.database.db
          .selectFrom("contacts")
          .select("surveys_unsubscribed_at")
          .where("id", "=", a.contact.contactId)
          .executeTakeFirstOrThrow()
      ).surveys_unsubscribed_at;
    const page = await t.app.inject({ url: a.unsubscribe });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<button type="submit" class="primary">Unsubscribe<\/button>/);
    assert.equal(await unsubscribed(), null);
    const boundary = "----portico";
    const res = await t.app.inject({
      method: "POST",
      url: a.unsubscribe,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(await unsubscribed());
    // A later survey to them is skipped.
    const later = await t.ctx.database.db.transaction().execute((tx) =>
      createSurvey(t.ctx, tx, {
        workspaceId: team.ws.id,
        kind: "still_fixed",
        contactId: a.contact.contactId,
        companyId: null,
        trigger: "schedule",
        sendAt: t.ctx.now(),
      }),
    );
    assert.equal(await sendSurvey(t.ctx, later.id), "skipped", "still_fixed honours the unsubscription too");
  });
});

describe("the answers' rate limit", () => {
  test("30 answers in 10 minutes from one address; the 31st is a 429", async () => {
    const fresh = await testEnv();
    try {
      const team = await makeTeam(fresh);
      const c = await makeCustomer(fresh, team.ws.id);
      const s = await fresh.ctx.database.db.transaction().execute((tx) =>
        createSurvey(fresh.ctx, tx, {
          workspaceId: team.ws.id,
          kind: "csat",
          contactId: c.contactId,
          companyId: null,
          trigger: "schedule",
          sendAt: fresh.ctx.now(),
        }),
      );
      await sendSurvey(fresh.ctx, s.id);
      const row = await fresh.ctx.database.db
        .selectFrom("outbox_emails")
        .select("template_data")
        .where("kind", "=", "survey_request")
        .executeTakeFirstOrThrow();
      const link = new URL((JSON.parse(row.template_data ?? "{}") as { url: string }).url).pathname;
      const send = () =>
        fresh.app.inject({
          method: "POST",
          url: link,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: "score=9",
        });
      for (let i = 0; i < 30; i++) assert.equal((await send()).statusCode, 400);
      const limited = await send();
      assert.equal(limited.statusCode, 429);
      assert.ok(Number(limited.headers["retry-after"]) > 0);
    } finally {
      await fresh.close();
    }
  });
});

describe("the token stays out of the log", () => {
  test("the request lines of a survey link name its route, never its token", async () => {
    const team = await makeTeam(t);
    const a = await sent(team, "csat");
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const app = await buildApp({ ...t.ctx, log });
    try {
      await app.inject({ url: a.link });
      await app.inject({
        method: "POST",
        url: a.link,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "score=4",
      });
      await app.inject({ url: a.unsubscribe });
    } finally {
      await app.close();
    }
    const token = a.link.split("/").at(-1) as string;
    const unsubscribeToken = a.unsubscribe.split("/").at(-1) as string;
    const all = lines.join("");
    assert.match(all, /"route":"\/portal\/:slug\/surveys\/:token"/);
    assert.match(all, /"route":"\/portal\/:slug\/surveys\/unsubscribe\/:token"/);
    assert.ok(!all.includes(token) && !all.includes(unsubscribeToken), "no token in the log");
  });
});
