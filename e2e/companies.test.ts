import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeCustomer, makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Agents and their customers' companies in Chromium: the companies list and a company (domains,
// notes), a contact's company and portal access, the queue's Company column and filter, the
// portal access setting, and importing contacts from pasted CSV text.

let s: Served;
serveForFile((served) => {
  s = served;
});

const check = (page: Page, name: string) => checkPage(page, name);

const runs = DESK_LIGHT_PHONE_DARK;

// The two runs are independent (a workspace each): they share the browser at once.
describe("companies", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: companies, a company, a contact's company and portal access, the queue, settings, import`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const { context, page } = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      // A customer of an existing company has an open ticket; another contact has no company.
      const initech = await makeCustomer(s.env, team.ws.id, { company: "Initech", name: "Peter Gibbons" });
      await submitTicket(s.env, slug, { subject: "TPS reports cover sheet missing" }, initech.headers);
      await submitTicket(s.env, slug, { subject: "Stapler gone", email: "milton@basement.test" });
      const lone = await makeCustomer(s.env, team.ws.id, {
        name: "Wendy Walker",
        email: "wendy@globex.example",
        access: "none",
      });

      // Companies: search, then add one.
      await page.goto("/app/companies");
      await page.getByRole("heading", { name: "Companies" }).waitFor();
      await check(page, `app-companies-${run.tag}`);
      await page.getByRole("searchbox", { name: "Search" }).fill("initech");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.waitForURL(/q=initech/);
      assert.equal(await page.locator("tr[data-row]").count(), 1);
      await page.getByLabel("Name", { exact: true }).fill("Globex Corporation");
      await page.getByLabel(/Internal notes/).fill("Pays yearly. Ask for Hank.");
      await page.getByRole("button", { name: "Add company" }).click();
      await page.getByRole("heading", { name: "Globex Corporation", level: 1 }).waitFor();

      // The company: a domain that joins automatically, notes.
      await page.getByLabel("Add a domain").fill("globex.example");
      await page.locator("#new-auto").check();
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.locator("#domains").getByText("globex.example").waitFor();
      assert.equal(await page.locator("#domains input[type=checkbox]").first().isChecked(), true);
      await page.getByLabel("Internal notes").fill("Pays yearly. Ask for Hank Scorpio.");
      await page.getByRole("button", { name: "Save details" }).click();
      await page.waitForLoadState();
      assert.equal(
        await page.getByLabel("Internal notes").inputValue(),
        "Pays yearly. Ask for Hank Scorpio.",
      );
      await check(page, `app-company-${run.tag}`);

      // The contact: set their company, give portal access to the company's requests, invite.
      await page.goto(`/app/contacts/${lone.contactId}`);
      await page.getByRole("heading", { name: "Wendy Walker" }).waitFor();
      await page.locator("#companyId").selectOption({ label: "Globex Corporation" });
      await page.getByRole("button", { name: "Set company" }).click();
      await page.locator("#company").getByRole("link", { name: "Globex Corporation" }).waitFor();
      await page.locator("#access").selectOption("company");
      await page.locator("#portal-access").getByRole("button", { name: "Save" }).click();
      await page.waitForLoadState();
      assert.equal(await page.locator("#access").inputValue(), "company");
      await page.getByRole("button", { name: "Invite to the portal" }).click();
      await page
        .locator("#portal-access")
        .getByText(/Invited/)
        .waitFor();
      assert.ok(await page.getByRole("button", { name: "Resend invitation" }).isVisible());
      await check(page, `app-contact-${run.tag}`);

      // The queue: a Company column, and a filter by company.
      await page.goto("/app");
      await page.getByRole("heading", { name: "Queue" }).waitFor();
      const row = page.locator("tr[data-row]", { hasText: "TPS reports cover sheet missing" });
      assert.equal(await row.locator("td.company").textContent(), "Initech");
      await page.locator("#f-company").selectOption({ label: "Initech" });
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/company=/);
      assert.equal(await page.locator("tr[data-row]").count(), 1);
      await check(page, `app-queue-company-${run.tag}`);

      // Settings: who can use the portal.
      await page.goto("/app/settings");
      const section = page.locator("#portal-access");
      await section.getByLabel("Invited contacts only").check();
      await section.getByRole("button", { name: "Save portal access" }).click();
      await page.waitForLoadState();
      assert.equal(
        await page.locator("#portal-access").getByLabel("Invited contacts only").isChecked(),
        true,
      );
      await page.locator("#portal-access").scrollIntoViewIfNeeded();
      await check(page, `app-settings-portal-access-${run.tag}`);

      // Import: pasted text with one bad row; the preview says which; import the valid rows.
      await page.goto("/app/contacts/import");
      await check(page, `app-import-${run.tag}`);
      await page
        .getByLabel("The file's text")
        .fill(
          "Email,Name,Company\nmichael@initrode.example,Michael Bolton,Initrode\nnot-an-email,Samir N,Initrode\nlumbergh@initech.example,Bill Lumbergh,Initech\n",
        );
      await page.getByRole("button", { name: "Check the file" }).click();
      await page.getByRole("heading", { name: "Rows with errors" }).waitFor();
      const errors = page.locator("table.import-table").first();
      assert.match((await errors.textContent()) ?? "", /3[\s\S]*Email/);
      await check(page, `app-import-preview-${run.tag}`);
      await page.getByLabel(/Import the 2 valid rows/).check();
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.locator(".notice.success", { hasText: "Imported" }).waitFor({ timeout: 20_000 });
      assert.match((await page.locator(".import-counts").textContent()) ?? "", /2\s+contacts added/);
      await check(page, `app-import-done-${run.tag}`);
      await context.close();
    });
  }
});
