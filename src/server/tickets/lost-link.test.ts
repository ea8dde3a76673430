import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { renderTemplate } from "../email/email.templates.ts";
import { outboxVisibleTo } from "../email/outbox.access.ts";
import { makeTeam, type SignedInAgent, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { ticketsWritableBy } from "./ticket.access.ts";

// "Email me my requests": the same answer for any address; a known one with open requests gets
// one email listing them with fresh tracking links; asking is limited per client and per address.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

let client = 0;
/** Each test asks from an address of its own, so the per-client limit of one does not touch another. */
const nextClient = () => `203.0.113.${++client}`;

const ask = (slug: string, email: string, remoteAddress: string) =>
  t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/lost-link`,
    remoteAddress,
    payload: { email },
  });

const askPage = (slug: string, email: string, remoteAddress: string) =>
  t.app.inject({
    method: "POST",
    url: `/portal/${slug}/lost-link`,
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ email }).toString(),
  });

async function lostLinkEmails(workspaceId: string) {
  return outboxVisibleTo(t.ctx.database.db, systemActorIn("test", workspaceId))
    .select(["to_address", "template_data"])
    .where("kind", "=", "open_requests")
    .execute();
}

async function setLevel(admin: SignedInAgent, portalAccess: string) {
  const res = await t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/portal-access",
    headers: admin.headers,
    payload: { portalAccess },
  });
  assert.equal(res.statusCode, 200);
}

describe("Email me my requests", () => {
  test("answers the same for a known and an unknown address; the known one gets fresh working links to its open requests", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const email = "lost@customer.test";
    const first = await submitTicket(t, slug, { email, subject: "First problem" });
    const second = await submitTicket(t, slug, { email, subject: "Second problem" });
    const done = await submitTicket(t, slug, { email, subject: "Solved problem" });
    await submitTicket(t, slug, { email: "someone@else.test", subject: "Not theirs" });
    await ticketsWritableBy(t.ctx.database.db, systemActorIn("test", team.ws.id))
      .set({ status: "resolved" })
      .where("tickets.number", "=", Number(done.reference.replace(/\D/g, "")))
      .execute();

    const from = nextClient();
    const known = await ask(slug, "Lost@Customer.test", from);
    const unknown = await ask(slug, "nobody@customer.test", from);
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.statusCode, 202);
    assert.equal(known.body, unknown.body, "the same answer either way");

    const emails = await lostLinkEmails(team.ws.id);
    assert.equal(emails.length, 1, "one email, to the known address only");
    assert.equal(emails[0]?.to_address, email);
    const data = JSON.parse(emails[0]?.template_data as string) as {
      requests: { reference: string; url: string }[];
    };
    assert.deepEqual(
      data.requests.map((r) => r.reference).sort(),
      [first.reference, second.reference].sort(),
    );
    const rendered = renderTemplate({ kind: "open_requests", params: data as never });
    for (const r of data.requests) {
      assert.ok(
        rendered.text.includes(r.url) && rendered.html.includes(r.url),
        "each link in the text and the HTML",
      );
      const token = new URL(r.url).searchParams.get("t") as string;
      assert.ok(token && token !== first.token && token !== second.token, "a fresh token");
      const res = await t.app.inject({
        url: `/api/public/portals/${slug}/tickets/${r.reference}?t=${token}`,
      });
      assert.equal(res.statusCode, 200, "the fresh link opens its request");
    }
  });

  test("the page: a form, and one confirmation for every address", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    await submitTicket(t, slug, { email: "page@customer.test" });
    const form = await t.app.inject({ url: `/portal/${slug}/lost-link` });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Email me my requests/);
    const from = nextClient();
    const known = await askPage(slug, "page@customer.test", from);
    const unknown = await askPage(slug, "nobody@customer.test", from);
    assert.equal(known.statusCode, 200);
    const main = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1];
    assert.equal(main(known.body), main(unknown.body));
    assert.match(known.body, /Check your email/);
    assert.equal((await lostLinkEmails(team.ws.id)).length, 1);
    const bad = await askPage(slug, "not an address", from);
    assert.equal(bad.statusCode, 400);
  });

  test("is limited: an address gets at most two emails an hour, a client five asks", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    await submitTicket(t, slug, { email: "often@customer.test" });
    for (let i = 0; i < 3; i++)
      assert.equal((await ask(slug, "often@customer.test", nextClient())).statusCode, 202);
    assert.equal((await lostLinkEmails(team.ws.id)).length, 2, "the third ask sends nothing more");

    const from = nextClient();
    for (let i = 0; i < 5; i++) assert.equal((await ask(slug, `n${i}@customer.test`, from)).statusCode, 202);
    const limited = await ask(slug, "n6@customer.test", from);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, "rate_limited");
  });

  test("on a portal that needs sign-in, points to sign in instead", async () => {
    const team = await makeTeam(t);
    await setLevel(team.admin, "account");
    const page = await t.app.inject({ url: `/portal/${team.ws.slug}/lost-link` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /\/portal\/[^/]+\/sign-in\?next=/);
    const api = await ask(team.ws.slug, "any@customer.test", nextClient());
    assert.equal(api.statusCode, 401);
    assert.equal(api.json().error.code, "sign_in_required");
  });
});
