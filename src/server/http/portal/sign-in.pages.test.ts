import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { accountMailSettled } from "../../auth/customer-accounts.ts";
import { hashPassword } from "../../auth/passwords.ts";
import { makeCustomer, makeTeam, openPreSessionForm, PASSWORD } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { cookieName } from "../shared/cookies.ts";
import { portalNext } from "./sign-in.shared.ts";

// The portal's sign-in pages without JavaScript: forms with the pre-session token, links whose
// GET uses nothing, `next` kept within the portal, and the account page behind the gate.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function customerCookie(res: { cookies: { name: string; value: string }[] }): string | undefined {
  const name = cookieName(t.ctx.config, "portico_customer");
  const c = res.cookies.find((x) => x.name === name && x.value);
  return c ? `${name}=${c.value}` : undefined;
}

async function customerWithPassword(wsId: string) {
  const c = await makeCustomer(t, wsId);
  await t.ctx.database.db
    .updateTable("contacts")
    .set({
      password_hash: await hashPassword(PASSWORD, t.ctx.config.passwordHashCost),
      email_verified_at: t.ctx.now().toISOString(),
    })
    .where("id", "=", c.contactId)
    .execute();
  return c;
}

describe("portal sign-in pages", () => {
  test("next stays within the portal", () => {
    assert.equal(portalNext("acme", "/portal/acme/account"), "/portal/acme/account");
    for (const bad of [
      "https://evil.test/",
      "//evil.test",
      "/portal/other/home",
      "/portal/acme/\\evil",
      "/app",
    ]) {
      assert.equal(portalNext("acme", bad), "/portal/acme/home", bad);
    }
  });

  test("sign in by the form, then the account page; signing out", async () => {
    const team = await makeTeam(t);
    const c = await customerWithPassword(team.ws.id);
    const page = await t.app.inject({ url: `/portal/${team.ws.slug}/sign-in` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Email me a sign-in link/);
    assert.match(page.body, /Forgot password\?/);
    assert.match(page.body, /Create an account/);

    const pre = await openPreSessionForm(t, `/portal/${team.ws.slug}/sign-in`);
    const wrong = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/sign-in`,
      headers: pre.headers,
      payload: form({ _csrf: pre.csrf, email: c.email, password: "not it at all", next: "" }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /do not match/);
    const noToken = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/sign-in`,
      headers: pre.headers,
      payload: form({ email: c.email, password: PASSWORD }),
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal(customerCookie(noToken), undefined);

    const ok = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/sign-in`,
      headers: pre.headers,
      payload: form({
        _csrf: pre.csrf,
        email: c.email,
        password: PASSWORD,
        next: `/portal/${team.ws.slug}/account`,
      }),
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, `/portal/${team.ws.slug}/account`);
    const cookie = customerCookie(ok) as string;
    const account = await t.app.inject({ url: `/portal/${team.ws.slug}/account`, headers: { cookie } });
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Where you are signed in/);
    assert.match(account.body, /This browser/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1] as string;

    const out = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/sign-out`,
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: csrf }),
    });
    assert.equal(out.statusCode, 303);
    const gone = await t.app.inject({ url: `/portal/${team.ws.slug}/account`, headers: { cookie } });
    assert.equal(gone.statusCode, 303);
    assert.match(String(gone.headers.location), /\/sign-in\?next=/);
  });

  test("a magic link's GET uses nothing; its POST signs in", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const pre = await openPreSessionForm(t, `/portal/${team.ws.slug}/magic-link`);
    const asked = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/magic-link`,
      headers: pre.headers,
      payload: form({ _csrf: pre.csrf, email: c.email }),
    });
    assert.equal(asked.statusCode, 202);
    assert.match(asked.body, /Check your email/);
    await accountMailSettled();
    const row = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("to_address", "=", c.email)
      .executeTakeFirstOrThrow();
    const path = new URL((JSON.parse(row.template_data ?? "{}") as { url: string }).url).pathname;
    for (let i = 0; i < 2; i++) {
      const scanned = await t.app.inject({ url: path });
      assert.equal(scanned.statusCode, 200, "still valid after a GET");
      assert.equal(customerCookie(scanned), undefined);
    }
    const linkForm = await openPreSessionForm(t, path);
    const used = await t.app.inject({
      method: "POST",
      url: path,
      headers: linkForm.headers,
      payload: form({ _csrf: linkForm.csrf, next: "" }),
    });
    assert.equal(used.statusCode, 303);
    assert.equal(used.headers.location, `/portal/${team.ws.slug}/home`);
    assert.ok(customerCookie(used));
    assert.equal((await t.app.inject({ url: path })).statusCode, 404, "used up");
  });

  test("registration: a page when open, 404 when the portal is for invited customers only", async () => {
    const team = await makeTeam(t);
    assert.equal((await t.app.inject({ url: `/portal/${team.ws.slug}/register` })).statusCode, 200);
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ portal_access: "invited" })
      .where("id", "=", team.ws.id)
      .execute();
    const closed = await t.app.inject({ url: `/portal/${team.ws.slug}/register` });
    assert.equal(closed.statusCode, 404);
    assert.match(closed.body, /by invitation/);
    const signIn = await t.app.inject({ url: `/portal/${team.ws.slug}/sign-in` });
    assert.doesNotMatch(signIn.body, /Create an account/);
  });
});
