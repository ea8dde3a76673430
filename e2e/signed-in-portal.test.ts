import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { createCustomerSession } from "../src/server/auth/customer-session.service.ts";
import { cookieName } from "../src/server/http/shared/cookies.ts";
import { makeCustomer, makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// A signed-in customer in Chromium: invited by an agent, choosing a password, home, requests,
// one request (reply, solved, a colleague copied in), the account's sessions, signing out and in
// again, a magic link; then submitting signed in with "A colleague already reported this".

let s: Served;
serveForFile((served) => {
  s = served;
});

const NEW_PASSWORD = "blue kettle orchard lamp";

/** axe, no sideways scrolling, times shown local, focus visible on the main form, a screenshot. */
const check = (page: Page, name: string) => checkPage(page, name, { except: "#similar time" });

async function invitationLink(address: string): Promise<string> {
  const row = await s.env.ctx.database.db
    .selectFrom("outbox_emails")
    .select("template_data")
    .where("to_address", "=", address)
    .where("kind", "=", "customer_invitation")
    .orderBy("created_at", "desc")
    .executeTakeFirstOrThrow();
  const url = new URL((JSON.parse(row.template_data ?? "{}") as { url: string }).url);
  return url.pathname;
}

// The two runs are independent (a workspace each): they share the browser at once.
describe("the signed-in portal", { skip: skipReason, concurrency: true }, () => {
  for (const run of DESK_LIGHT_PHONE_DARK) {
    test(`at ${run.tag}: invited, choose a password, home, requests, a request, account, sign out and in`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      // Dana, and a colleague at the same company.
      const dana = await makeCustomer(s.env, team.ws.id, { company: "Globex", name: "Dana Scully" });
      const fox = await makeCustomer(s.env, team.ws.id, {
        companyId: dana.companyId as string,
        name: "Fox Mulder",
      });
      await submitTicket(s.env, slug, { subject: "Badge reader broken at the door" }, fox.headers);
      const mine = await submitTicket(
        s.env,
        slug,
        { subject: "VPN drops every hour", description: "Since Monday, on every laptop." },
        dana.headers,
      );
      const replied = await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${mine.reference}/replies`,
        headers: team.agent.headers,
        payload: { body: "Which VPN client version do you use?", status: "waiting" },
      });
      assert.equal(replied.statusCode, 201, replied.body);
      const access = await s.env.app.inject({
        method: "PUT",
        url: `/api/workspace/contacts/${dana.contactId}/portal-access`,
        headers: team.agent.headers,
        payload: { access: "company" },
      });
      assert.equal(access.statusCode, 200, access.body);
      const invited = await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/contacts/${dana.contactId}/portal-invitation`,
        headers: team.agent.headers,
      });
      assert.equal(invited.statusCode, 200, invited.body);

      const { context, page } = await newPage(s, run);
      await page.goto(await invitationLink(dana.email));
      await page.getByRole("heading", { name: "Welcome, Dana Scully" }).waitFor();
      await check(page, `customer-invitation-${run.tag}`);
      await page.getByLabel("Password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Accept and sign in" }).click();
      await page.waitForURL(`${s.base}/portal/${slug}/home`);

      // Home: open requests (the colleague's too), the activity timeline, the KB search box.
      const open = page.locator("section[aria-labelledby=open-title]");
      await open.getByText("VPN drops every hour").waitFor();
      assert.ok(await open.getByText("Badge reader broken at the door").isVisible(), "the company's");
      assert.match((await page.locator("ol.activity").textContent()) ?? "", /Fox Mulder submitted/);
      assert.ok(await page.getByRole("searchbox").first().isVisible(), "the help search");
      await check(page, `customer-home-${run.tag}`);
      const nav = page.getByRole("navigation", { name: "Portal" });

      // The help articles keep the signed-in navigation.
      await nav.getByRole("link", { name: "Help articles" }).click();
      await page.waitForURL(/\/kb$/);
      assert.equal(await nav.locator("[aria-current=page]").textContent(), "Help articles");
      await check(page, `customer-kb-${run.tag}`);

      // Requests, filtered to my own.
      await page.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Requests" }).click();
      await page.getByRole("heading", { name: "Requests" }).waitFor();
      assert.equal(await page.locator("ul.request-list > li").count(), 2);
      await page
        .getByRole("navigation", { name: "Filter requests" })
        .getByRole("link", { name: "Mine" })
        .click();
      await page.waitForURL(/whose=mine/);
      assert.equal(await page.locator("ul.request-list > li").count(), 1);
      await check(page, `customer-requests-${run.tag}`);

      // One request: the conversation, a reply, "This is solved", a colleague copied in.
      await page.getByRole("link", { name: /VPN drops every hour/ }).click();
      await page.getByRole("heading", { name: "VPN drops every hour" }).waitFor();
      assert.ok(await page.getByText("Which VPN client version do you use?").isVisible());
      await check(page, `customer-request-${run.tag}`);
      await page.getByLabel("Your reply").fill("Version 5.2, on Windows and macOS.");
      await page.getByRole("button", { name: "Send reply" }).click();
      await page.getByText("Version 5.2, on Windows and macOS.").waitFor();
      await page.getByLabel("Copy in a colleague").selectOption({ label: `Fox Mulder (${fox.email})` });
      await page.getByRole("button", { name: "Copy in", exact: true }).click();
      await page.locator("ul.cc-list bdi", { hasText: "Fox Mulder" }).waitFor();
      await page.getByRole("button", { name: "This is solved" }).click();
      await page.waitForURL(/solved/);
      await page.locator(".notice.success").waitFor();
      assert.equal(await page.getByRole("button", { name: "This is solved" }).count(), 0);
      await check(page, `customer-request-solved-${run.tag}`);

      // Account: two sessions (this browser, a phone signed in meanwhile); sign out everywhere else.
      const phone = await createCustomerSession(s.env.ctx, {
        workspaceId: team.ws.id,
        contactId: dana.contactId,
      });
      const phoneCookie = `${cookieName(s.env.ctx.config, "portico_customer")}=${phone.token}`;
      await page.getByRole("navigation", { name: "Portal" }).getByRole("link", { name: "Account" }).click();
      await page.getByRole("heading", { name: "Your account" }).waitFor();
      assert.equal(await nav.locator("[aria-current=page]").textContent(), "Account");
      assert.equal(await page.locator("ul.sessions > li").count(), 2);
      await check(page, `customer-account-${run.tag}`);
      await page.getByRole("button", { name: "Sign out everywhere else" }).click();
      await page.locator(".notice.success").waitFor();
      assert.equal(await page.locator("ul.sessions > li").count(), 1);
      const gone = await s.env.app.inject({ url: `/portal/${slug}/home`, headers: { cookie: phoneCookie } });
      assert.notEqual(gone.statusCode, 200, "the other session is signed out");

      // Sign out, sign in again with the password.
      await page.getByRole("button", { name: "Sign out of this browser" }).click();
      await page.waitForURL(/\/sign-in/);
      await check(page, `customer-sign-in-${run.tag}`);
      await page.getByLabel("Email").fill(dana.email);
      await page.getByLabel("Password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${s.base}/portal/${slug}/home`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();

      // A sign-in link by email: the same answer whether or not the address has an account.
      const other = await newPage(s, run);
      const answers: string[] = [];
      for (const email of [dana.email, "nobody@nowhere.test"]) {
        await other.page.goto(`/portal/${slug}/magic-link`);
        if (!answers.length) await check(other.page, `customer-magic-link-${run.tag}`);
        await other.page.getByLabel("Email").fill(email);
        await other.page.getByRole("button", { name: "Send the link" }).click();
        await other.page.getByRole("heading", { name: "Check your email" }).waitFor();
        answers.push((await other.page.locator("main").textContent()) ?? "");
      }
      assert.equal(answers[0], answers[1]);
      await check(other.page, `customer-check-email-${run.tag}`);
      await other.context.close();
    });
  }
});

describe("submitting signed in", { skip: skipReason }, () => {
  test("no name or email asked, a colleague's open request suggested, lands on the request", async () => {
    const team = await makeTeam(s.env);
    const slug = team.ws.slug;
    const dana = await makeCustomer(s.env, team.ws.id, {
      company: "Globex",
      name: "Dana Scully",
      access: "company",
    });
    const fox = await makeCustomer(s.env, team.ws.id, {
      companyId: dana.companyId as string,
      name: "Fox Mulder",
    });
    const reported = await submitTicket(s.env, slug, { subject: "Printer on floor 3 jams" }, fox.headers);

    for (const { viewport, dark, tag } of DESK_LIGHT_PHONE_DARK) {
      const { context, page } = await newPage(s, { viewport, dark });
      const [name, value] = dana.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto(`/portal/${slug}/submit`);
      assert.match((await page.locator(".submitting-as").textContent()) ?? "", /Submitting as Dana Scully/);
      assert.equal(await page.locator("#name, #email").count(), 0, "no name or email fields");
      const nav = page.getByRole("navigation", { name: "Portal" });
      assert.equal(await nav.locator("[aria-current=page]").textContent(), "New request");
      await page.getByLabel("Subject").pressSequentially("printer jams", { delay: 20 });
      const similar = page.locator("#similar");
      await similar.getByRole("heading", { name: /A colleague already reported this/ }).waitFor();
      assert.ok(await similar.getByRole("link", { name: new RegExp(reported.reference) }).isVisible());
      await check(page, `customer-submit-similar-${tag}`);
      await page.getByLabel("Subject").fill(`Scanner is offline (${tag})`);
      await page.getByRole("button", { name: "Submit request" }).click();
      await page.waitForURL(/\/requests\/TKT-\d+$/);
      await page.getByRole("heading", { name: `Scanner is offline (${tag})` }).waitFor();
      await check(page, `customer-submitted-${tag}`);
      await context.close();
    }
  });
});
