import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  DESKTOP,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// The data's lifecycle in Chromium: Settings → Data retention, a contact's Download and Erase
// (a wrong address refused, then the erasure), and the audit log with its filter.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("data lifecycle", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: retention saved, a contact exported and erased, the audit log`, async () => {
      const team = await makeTeam(s.env);
      const customer = await makeCustomer(s.env, team.ws.id, {
        company: "Initech",
        name: "Milton Waddams",
        email: `milton-${run.tag}@customer.test`,
      });
      const { context, page } = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      await page.goto("/app/settings#retention");
      await page.getByLabel("Searches that found nothing (days)").fill("60");
      await page.getByLabel("Raw incoming mail (days)").fill("");
      await page.getByRole("button", { name: "Save retention" }).click();
      await page.waitForURL(/saved=retention/);
      await page.getByText("Data retention saved").waitFor();
      assert.equal(
        await page.getByLabel("Raw incoming mail (days)").inputValue(),
        "",
        "blank keeps for ever",
      );
      // The whole settings page is checked by app.test.ts; here once more, with the new section.
      if (run.viewport === DESKTOP) await checkPage(page, `settings-retention-${run.tag}`);

      await page.goto(`/app/contacts/${customer.contactId}`);
      await checkPage(page, `contact-data-${run.tag}`);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Download their data (JSON)" }).click(),
      ]);
      const data = JSON.parse(fs.readFileSync((await download.path()) as string, "utf8"));
      assert.equal(data.contact.name, "Milton Waddams");

      await page.getByText("Erase this contact").click();
      await page.getByLabel("Type their email address to confirm").fill("someone-else@customer.test");
      await page.getByRole("button", { name: "Erase contact" }).click();
      await page.locator("#error-summary").waitFor();
      await checkPage(page, `contact-erase-refused-${run.tag}`);
      await page.getByLabel("Type their email address to confirm").fill(customer.email);
      await page.getByRole("button", { name: "Erase contact" }).click();
      await page.waitForURL(/saved=erased/);
      await page.getByRole("heading", { name: "Erased contact", level: 1 }).waitFor();
      assert.ok(!(await page.content()).includes("Milton"));
      await checkPage(page, `contact-erased-${run.tag}`);

      await page.goto("/app/settings/audit");
      await page.locator("tbody strong", { hasText: "Contact erased" }).waitFor();
      await checkPage(page, `audit-${run.tag}`);
      await page.getByLabel("Action").selectOption("settings.retention");
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForURL(/action=settings\.retention/);
      assert.equal(await page.locator("tbody tr").count(), 1);
      await context.close();
    });
  }
});
