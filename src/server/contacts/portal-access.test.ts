import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { accountMailSettled } from "../auth/customer-accounts.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Agents give contacts portal access and invite them: the invitation's link (7 days, once, the
// older one retired by a new one), withdrawing access, the contact page's block, and the Outbox
// keeping the links to itself.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const api = (slug: string, path: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url: `/api/portal/${slug}/${path}`, payload: payload ?? {}, headers });
const me = (slug: string, cookie: string) =>
  t.app.inject({ method: "GET", url: `/api/portal/${slug}/me`, headers: { cookie } });

/** The token of the newest email of `kind` to `address`, from its link. */
async function linkToken(address: string, kind: string): Promise<string | undefined> {
  await accountMailSettled();
  const row = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["template_data"])
    .where("to_address", "=", address)
    .where("kind", "=", kind)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!row) return undefined;
  const url = (JSON.parse(row.template_data ?? "{}") as { url: string }).url;
  return url.split("/").pop();
}

describe("invitations", () => {
  test("an agent invites; the link works for 7 days, once; sending again retires the old one", async () => {
    const team = await makeTeam(t);
    await submitTicket(t, team.ws.slug, { email: "invitee@customer.test", name: "Ivy Invitee" });
    const contact = (
      await t.app.inject({ url: "/api/workspace/contacts?q=invitee", headers: { cookie: team.agent.cookie } })
    ).json().items[0] as { id: string };
    const invite = () =>
      t.app.inject({
        method: "POST",
        url: `/api/workspace/contacts/${contact.id}/portal-invitation`,
        headers: team.agent.headers,
      });
    const first = await invite();
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().access, "own");
    assert.ok(first.json().invitation);
    const oldToken = await linkToken("invitee@customer.test", "customer_invitation");
    const email = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("id")
      .where("to_address", "=", "invitee@customer.test")
      .where("kind", "=", "customer_invitation")
      .executeTakeFirstOrThrow();
    for (const url of [
      `/app/outbox/${email.id}`,
      `/app/outbox/${email.id}/html`,
      `/app/outbox/${email.id}/eml`,
    ]) {
      const shown = await t.app.inject({ url, headers: { cookie: team.admin.cookie } });
      assert.equal(shown.statusCode, 200, url);
      assert.ok(!shown.body.includes(oldToken as string), `the Outbox hides the link: ${url}`);
    }
    await invite();
    const newToken = await linkToken("invitee@customer.test", "customer_invitation");
    assert.notEqual(oldToken, newToken);
    const old = await api(team.ws.slug, "invitation/accept", {
      token: oldToken,
      password: "my own long phrase",
    });
    assert.equal(old.statusCode, 404, "the older link stopped working");

    t.advance(7 * 86400_000 + 60_000);
    try {
      const late = await api(team.ws.slug, "invitation/accept", {
        token: newToken,
        password: "my own long phrase",
      });
      assert.equal(late.statusCode, 404, "past 7 days");
    } finally {
      t.advance(-(7 * 86400_000 + 60_000));
    }
    t.advance(6 * 86400_000);
    try {
      const ok = await api(team.ws.slug, "invitation/accept", {
        token: newToken,
        password: "my own long phrase",
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().name, "Ivy Invitee");
    } finally {
      t.advance(-6 * 86400_000);
    }
    const signIn = await api(team.ws.slug, "sign-in", {
      email: "invitee@customer.test",
      password: "my own long phrase",
    });
    assert.equal(signIn.statusCode, 200);
  });

  test("withdrawing access signs the customer out at once", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 200);
    const res = await t.app.inject({
      method: "PUT",
      url: `/api/workspace/contacts/${c.contactId}/portal-access`,
      headers: team.agent.headers,
      payload: { access: "none" },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 401);
    const back = await t.app.inject({
      method: "PUT",
      url: `/api/workspace/contacts/${c.contactId}/portal-access`,
      headers: team.agent.headers,
      payload: { access: "own" },
    });
    assert.equal(back.statusCode, 200);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 401, "the session stays ended");
    const company = await t.app.inject({
      method: "PUT",
      url: `/api/workspace/contacts/${c.contactId}/portal-access`,
      headers: team.agent.headers,
      payload: { access: "company" },
    });
    assert.equal(company.statusCode, 400, "no company to manage");
    assert.ok(company.json().error.fields.access);
  });
});

describe("the contact page's portal access block", () => {
  test("shows the access and invitation; the form withdraws access", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const page = await t.app.inject({
      url: `/app/contacts/${c.contactId}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Portal access/);
    assert.match(page.body, /<option value="own" selected>/);
    assert.match(page.body, /Invite to the portal/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const res = await t.app.inject({
      method: "POST",
      url: `/app/contacts/${c.contactId}/portal-access`,
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: csrf, access: "none" }).toString(),
    });
    assert.equal(res.statusCode, 303);
    assert.equal((await me(team.ws.slug, c.cookie)).statusCode, 401);
    const invited = await t.app.inject({
      method: "POST",
      url: `/app/contacts/${c.contactId}/portal-invitation`,
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    assert.equal(invited.statusCode, 303);
    const after = await t.app.inject({
      url: String(invited.headers.location),
      headers: { cookie: team.agent.cookie },
    });
    assert.match(after.body, /Invitation sent/);
    assert.match(after.body, /Resend invitation/);
  });
});
