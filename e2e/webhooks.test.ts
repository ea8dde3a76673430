import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// Settings → Webhooks in Chromium: an admin adds an endpoint with the keyboard-usable form, sees
// the signing secret once (and copies it), sends a test event and finds it in the delivery log
// (waiting: no delivery worker runs here), then opens the delivery. 1280 px light and 375 px
// dark, axe clean.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("webhooks in the settings", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: add an endpoint, see the secret once, send a test, read the log`, async () => {
      const team = await makeTeam(s.env);
      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto("/app/settings");
      await page.locator("nav.toc a", { hasText: "Webhooks" }).click();
      await page.waitForURL(/\/app\/settings\/webhooks$/);
      await page.locator("p.empty", { hasText: "No webhooks yet" }).waitFor();

      // An internal address is refused, the error beside the field.
      await page.locator("#name").fill("Operations CRM");
      await page.locator("#url").fill("http://127.0.0.1:9000/hook");
      await page.locator("#event-ticket-resolved").check();
      await page.locator("button", { hasText: "Add webhook" }).click();
      await page.locator("#url-error", { hasText: "must be a public address" }).waitFor();
      await checkPage(page, `webhooks-error-${run.tag}`);

      await page.locator("#url").fill("https://hooks.example.com/portico");
      await page.locator("button", { hasText: "Add webhook" }).click();
      const secret = page.locator("#webhook-secret");
      await secret.waitFor();
      const value = await secret.inputValue();
      assert.match(value, /^whsec_/);
      await page.locator("button[data-copy=webhook-secret]").click();
      await page.locator("button[data-copy=webhook-secret]", { hasText: "Copied" }).waitFor();
      await checkPage(page, `webhooks-secret-${run.tag}`);
      await screenshot(page, `webhooks-secret-${run.tag}`);

      await page.locator("button", { hasText: "Send test event" }).click();
      await page.waitForURL(/done=test/);
      await page.locator("p.notice", { hasText: "Test event queued" }).waitFor();
      const row = page.locator("#log tbody tr").first();
      await row.locator("text=Test event").waitFor();
      await row.locator(".tag", { hasText: "Waiting" }).waitFor();
      // The secret was shown once: the endpoint's page does not carry it again.
      assert.equal(await page.locator("#webhook-secret").count(), 0);
      assert.ok(!(await page.content()).includes(value));
      await checkPage(page, `webhooks-endpoint-${run.tag}`);
      await screenshot(page, `webhooks-endpoint-${run.tag}`);

      await row.locator("a", { hasText: "Test event" }).click();
      await page.locator("h1", { hasText: "Test event" }).waitFor();
      await page.locator("text=Not tried yet.").waitFor();
      await checkPage(page, `webhooks-delivery-${run.tag}`);

      await page.goto("/app/settings/webhooks");
      await page.locator("td a", { hasText: "Operations CRM" }).waitFor();
      await page.locator("td .tag", { hasText: "Active" }).waitFor();
      await checkPage(page, `webhooks-list-${run.tag}`);
      await screenshot(page, `webhooks-list-${run.tag}`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  }
});
