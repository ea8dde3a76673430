import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, openRequest } from "../test/portal-world.ts";
import { countEmailReply } from "./reply-limits.ts";

// Customer replies are limited per ticket and per client address: the API answers 429
// rate_limited with Retry-After, the pages say it in the reader's language and keep the text.

let t: TestEnv;
before(async () => {
  t = await testEnv({
    REPLY_RATE_LIMIT_PER_TICKET_PER_HOUR: "3",
    REPLY_RATE_LIMIT_PER_ADDRESS_PER_HOUR: "5",
  });
});
after(() => t.close());

const HOUR = 3_600_000;
let addressSeq = 0;
/** Each test replies from its own client address, so the per-address limit is its own. */
const newAddress = () => `10.9.${Math.floor(++addressSeq / 250)}.${addressSeq % 250}`;

const replyApi = (slug: string, s: Submitted, body: string, from: string) =>
  t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/tickets/${s.reference}/replies?t=${s.token}`,
    payload: { body },
    remoteAddress: from,
  });

const publicMessages = async (slug: string, s: Submitted) =>
  (
    (await t.app.inject({ url: trackUrl(slug, s) })).json() as { conversation: { body: string }[] }
  ).conversation.map((m) => m.body);

describe("replies from the tracking link", () => {
  test("a ticket takes its hour's replies, then 429 rate_limited with Retry-After, and nothing is stored", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const from = newAddress();
    for (let i = 1; i <= 3; i++) {
      const ok = await replyApi(team.ws.slug, s, `reply ${i}`, from);
      assert.equal(ok.statusCode, 201, ok.body);
    }
    // From another address too: the ticket's own limit.
    const refused = await replyApi(team.ws.slug, s, "reply 4", newAddress());
    assert.equal(refused.statusCode, 429);
    const retry = Number(refused.headers["retry-after"]);
    assert.ok(retry > 3500 && retry <= 3600, `Retry-After ${retry}`);
    const error = refused.json().error;
    assert.equal(error.code, "rate_limited");
    assert.match(error.message, /several replies/);
    assert.deepEqual(await publicMessages(team.ws.slug, s), ["reply 1", "reply 2", "reply 3"]);
    // An hour later the ticket takes replies again.
    t.advance(HOUR + 1000);
    assert.equal((await replyApi(team.ws.slug, s, "reply 5", from)).statusCode, 201);
  });

  test("one client address takes its hour's replies over all tickets; another address still may reply", async () => {
    const team = await makeTeam(t);
    const tickets = [await submitTicket(t, team.ws.slug), await submitTicket(t, team.ws.slug)];
    const from = newAddress();
    for (const [i, s] of [tickets[0], tickets[0], tickets[1], tickets[1], tickets[1]].entries()) {
      const ok = await replyApi(team.ws.slug, s as Submitted, `reply ${i}`, from);
      assert.equal(ok.statusCode, 201, ok.body);
    }
    const second = tickets[0] as Submitted;
    // Two replies on this ticket (under its 3), but the address has sent 5.
    const refused = await replyApi(team.ws.slug, second, "one more", from);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, "rate_limited");
    assert.ok(Number(refused.headers["retry-after"]) > 0);
    // The refused reply took no slot of the ticket: someone else may still write its third.
    assert.equal((await replyApi(team.ws.slug, second, "from elsewhere", newAddress())).statusCode, 201);
    t.advance(HOUR + 1000);
  });

  test("a reply refused for its files takes no slot: of the ticket's nor of the address's", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const from = newAddress();
    const withFile = () =>
      t.app.inject({
        method: "POST",
        url: `/api/public/portals/${team.ws.slug}/tickets/${s.reference}/replies?t=${s.token}`,
        payload: { body: "See the file", attachments: ["no-such-upload"] },
        remoteAddress: from,
      });
    for (let i = 0; i < 6; i++) {
      const refused = await withFile();
      assert.equal(refused.statusCode, 400, refused.body);
    }
    for (let i = 1; i <= 3; i++) {
      const ok = await replyApi(team.ws.slug, s, `reply ${i}`, from);
      assert.equal(ok.statusCode, 201, ok.body);
    }
    assert.equal((await replyApi(team.ws.slug, s, "reply 4", from)).statusCode, 429);
    t.advance(HOUR + 1000);
  });

  test("replies by email count toward their ticket's hour", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const ticket = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .where("number", "=", Number(s.reference.slice(4)))
      .executeTakeFirstOrThrow();
    await countEmailReply(t.ctx, ticket.id);
    await countEmailReply(t.ctx, ticket.id);
    await countEmailReply(t.ctx, ticket.id);
    assert.equal((await replyApi(team.ws.slug, s, "from the portal", newAddress())).statusCode, 429);
    t.advance(HOUR + 1000);
  });

  test("the tracking page says so in the reader's language and keeps the typed reply", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    const from = newAddress();
    for (let i = 1; i <= 3; i++)
      assert.equal((await replyApi(team.ws.slug, s, `r${i}`, from)).statusCode, 201);
    const post = (language: string, body: string) =>
      t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/tickets/${s.reference}/reply`,
        headers: {
          cookie: `portico_track=${s.token}`,
          "content-type": "application/x-www-form-urlencoded",
          "accept-language": language,
        },
        payload: new URLSearchParams({ body }).toString(),
        remoteAddress: from,
      });
    const en = await post("en", "My long reply & <details>");
    assert.equal(en.statusCode, 429);
    assert.ok(Number(en.headers["retry-after"]) > 0);
    assert.match(en.body, /You have sent several replies in a short time\. Please wait 60 minutes/);
    assert.match(en.body, /<textarea id="body"[^>]*>My long reply &amp; &lt;details&gt;<\/textarea>/);
    const de = await post("de", "Meine Antwort");
    assert.equal(de.statusCode, 429);
    assert.match(de.body, /Sie haben in kurzer Zeit mehrere Antworten gesendet/);
    assert.match(de.body, />Meine Antwort<\/textarea>/);
    const fr = await post("fr", "Ma réponse");
    assert.match(fr.body, /Vous avez envoyé plusieurs réponses en peu de temps/);
    assert.match(fr.body, />Ma réponse<\/textarea>/);
    t.advance(HOUR + 1000);
  });
});

describe("replies from the signed-in portal", () => {
  test("count toward the same limits: the API answers 429, the page keeps the text", async () => {
    const team = await makeTeam(t);
    const pat = await customerIn(t, team.ws.id, null, "own", "Pat Own");
    const ref = await openRequest(t, team.ws.slug, pat, "Limited");
    const from = newAddress();
    const reply = (body: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/portal/${team.ws.slug}/tickets/${ref}/replies`,
        headers: pat.headers,
        payload: { body },
        remoteAddress: from,
      });
    // Refused for its files: it takes no slot.
    const withFile = await t.app.inject({
      method: "POST",
      url: `/api/portal/${team.ws.slug}/tickets/${ref}/replies`,
      headers: pat.headers,
      payload: { body: "See the file", attachments: ["no-such-upload"] },
      remoteAddress: from,
    });
    assert.equal(withFile.statusCode, 400, withFile.body);
    for (let i = 1; i <= 3; i++) assert.equal((await reply(`r${i}`)).statusCode, 201);
    const refused = await reply("r4");
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, "rate_limited");
    assert.ok(Number(refused.headers["retry-after"]) > 0);
    const page = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/requests/${ref}/reply`,
      headers: { cookie: pat.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: pat.csrf, body: "Kept as typed" }).toString(),
      remoteAddress: from,
    });
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /You have sent several replies in a short time/);
    assert.match(page.body, />Kept as typed<\/textarea>/);
    t.advance(HOUR + 1000);
  });
});
