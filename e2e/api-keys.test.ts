import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Settings → API keys in Chromium: an admin creates a key, sees its token once (with a Copy
// button and the warning), the key reads the queue, the list shows it without its token, and a
// revocation (confirmed on its own page) stops it. 1280 px light and 375 px dark, axe clean.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("API keys page", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: create a key, its token shown once, then revoke it`, async () => {
      const team = await makeTeam(s.env);
      const ticket = await submitTicket(s.env, team.ws.slug, { subject: "Read through a key" });
      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
      ]);

      await page.goto("/app/settings");
      await page.locator("nav.toc a", { hasText: "API keys" }).click();
      await page.waitForURL(/\/app\/settings\/api-keys$/);
      await page.locator("p.empty", { hasText: "No API keys yet." }).waitFor();
      await checkPage(page, `api-keys-empty-${run.tag}`);

      await page.locator("#name").fill("Reporting");
      await page.getByLabel("Read only: GET requests, nothing changes").check();
      await page.getByRole("button", { name: "Create key" }).click();
      const tokenField = page.locator("#new-key-token");
      await tokenField.waitFor();
      const token = await tokenField.inputValue();
      assert.match(token, /^ptk_[A-Za-z0-9_-]{43}$/);
      await page.getByRole("alert").filter({ hasText: "it is shown only once" }).waitFor();
      await page.getByRole("button", { name: "Copy", exact: true }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      await checkPage(page, `api-keys-created-${run.tag}`);

      const res = await s.env.app.inject({
        url: "/api/workspace/tickets",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().items[0].reference, ticket.reference);

      // Shown once: the list afterwards has the key's first characters only, and when it was used.
      await page.goto("/app/settings/api-keys");
      const row = page.locator("tbody tr", { hasText: "Reporting" });
      await row.waitFor();
      assert.equal(await page.locator("#new-key-token").count(), 0);
      assert.ok(!(await page.content()).includes(token.slice(12)), "the token is not shown again");
      assert.match(String(await row.textContent()), new RegExp(`${token.slice(0, 12)}…`));
      assert.match(String(await row.textContent()), /Read only/);
      assert.doesNotMatch(String(await row.textContent()), /Never/, "last used is shown");

      await row.getByRole("link", { name: "Revoke Reporting" }).click();
      await page.getByRole("heading", { name: "Revoke the key Reporting?" }).waitFor();
      await checkPage(page, `api-keys-revoke-${run.tag}`);
      await page.getByRole("button", { name: "Revoke key" }).click();
      await page.waitForURL(/done=revoked/);
      await page.locator("tbody tr", { hasText: "Revoked" }).waitFor();
      await checkPage(page, `api-keys-revoked-${run.tag}`);

      const refused = await s.env.app.inject({
        url: "/api/workspace/tickets",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(refused.statusCode, 401);
      await context.close();
    });
  }
});
