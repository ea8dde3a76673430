import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// "Submit another" keeps who the customer is: the confirmation page posts the name and email
// back and the form comes filled in, with nothing in an address and nothing stored.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const fieldValue = (body: string, id: string) =>
  body.match(new RegExp(`<input id="${id}" name="${id}"[^>]*value="([^"]*)"`))?.[1];

describe("submit another", () => {
  test("the confirmation posts the name and email back; the next form comes filled in", async () => {
    const sent = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit`,
      headers: FORM,
      payload: new URLSearchParams({
        name: "Dana <Ortiz>",
        email: "dana@customer.test",
        subject: "First question",
      }).toString(),
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.body, /Request received/);
    const again = sent.body.match(
      /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/,
    );
    assert.ok(again, "Submit another is a form posting back");
    assert.equal(again[1] ?? "", `/portal/${team.ws.slug}/submit/another`);
    assert.match(String(again[2]), /name="name" value="Dana &lt;Ortiz&gt;"/, "escaped");
    assert.match(String(again[2]), /name="email" value="dana@customer.test"/);
    assert.doesNotMatch(sent.body, /href="[^"]*dana@customer\.test/, "no address carries the email");

    const next = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: { ...FORM, "sec-fetch-site": "same-origin" },
      payload: new URLSearchParams({ name: "Dana <Ortiz>", email: "dana@customer.test" }).toString(),
    });
    assert.equal(next.statusCode, 200);
    assert.equal(next.headers["cache-control"], "no-store");
    assert.equal(fieldValue(next.body, "name"), "Dana &lt;Ortiz&gt;");
    assert.equal(fieldValue(next.body, "email"), "dana@customer.test");
    assert.equal(fieldValue(next.body, "subject"), "", "the subject starts empty");
    assert.doesNotMatch(next.body, /error-summary/, "nothing is refused on a fresh form");
  });

  test("a post from another site is refused; an oversized value is not filled in", async () => {
    const cross = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: { ...FORM, "sec-fetch-site": "cross-site" },
      payload: "name=Mallory&email=m%40evil.test",
    });
    assert.equal(cross.statusCode, 403);
    assert.doesNotMatch(cross.body, /Mallory/);
    const long = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: FORM,
      payload: `name=${"x".repeat(201)}&email=a%40b.test`,
    });
    assert.equal(long.statusCode, 200);
    assert.equal(fieldValue(long.body, "name"), "");
    assert.equal(fieldValue(long.body, "email"), "a@b.test");
  });

  test("the new-request page after replying to a closed request keeps the name, not the email", async () => {
    const s = await submitTicket(t, team.ws.slug, { name: "Robin Closed", email: "robin@customer.test" });
    const closed = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "closed" },
    });
    assert.equal(closed.statusCode, 200, closed.body);
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/tickets/${s.reference}/reply`,
      headers: { ...FORM, cookie: `portico_track=${s.token}` },
      payload: "body=It%20broke%20again",
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.body, /We started a new request/);
    const again = res.body.match(
      /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/,
    );
    assert.ok(again);
    assert.match(String(again[2]), /name="name" value="Robin Closed"/);
    assert.doesNotMatch(res.body, /robin@customer\.test/, "whoever holds the link does not see the email");
  });
});
