import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { CANARY, FIELDS, taskWithForm } from "../src/server/forms/forms.test-support.ts";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  PHONE,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// A task's form in Chromium: the home's "Forms to complete", the draft saved by itself while
// typing and continued by a colleague in another browser, an error beside its field, the copy;
// and the builder with its preview. On a phone (375 px) in dark mode and at a desk in light mode.

let s: Served;
serveForFile((served) => {
  s = served;
});

const check = (page: Page, name: string) => checkPage(page, name);

async function signedIn(context: BrowserContext, cookie: string) {
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: s.base }]);
}

const runs = DESK_LIGHT_PHONE_DARK;

describe("forms in the browser", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: fill with autosave, continue on another device, submit, see the copy`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const created = await s.env.app.inject({
        method: "POST",
        url: "/api/workspace/forms",
        headers: team.admin.headers,
        payload: { name: "Single sign-on", fields: FIELDS },
      });
      const form = created.json() as { id: string };
      const otto = await makeCustomer(s.env, team.ws.id, { company: "Acme", name: "Otto Own" });
      const cleo = await makeCustomer(s.env, team.ws.id, {
        companyId: otto.companyId as string,
        name: "Cleo Colleague",
      });
      const taskId = await taskWithForm(s.env, team.ws.id, otto.companyId as string, form.id);

      const first = await newPage(s, run);
      await signedIn(first.context, otto.cookie);
      await first.page.goto(`/portal/${slug}/home`);
      await first.page.getByRole("link", { name: "Start Single sign-on" }).click();
      await first.page.getByRole("heading", { name: "Single sign-on" }).waitFor();
      await check(first.page, `forms-fill-${run.tag}`);
      await first.page.getByLabel("IdP metadata URL").fill("https://idp.acme.test/meta");
      await first.page.getByText("Draft saved.").waitFor({ timeout: 10_000 });
      await first.context.close();

      const second = await newPage(s, run);
      await signedIn(second.context, cleo.cookie);
      await second.page.goto(`/portal/${slug}/onboarding/tasks/${taskId}/form`);
      assert.equal(
        await second.page.getByLabel("IdP metadata URL").inputValue(),
        "https://idp.acme.test/meta",
      );
      await second.page.getByLabel("Billing contact").fill("not an email");
      await second.page.getByLabel("Pro").check();
      await second.page.getByRole("button", { name: "Submit" }).click();
      await second.page.locator("#q_billing-error").waitFor();
      await check(second.page, `forms-errors-${run.tag}`);
      await second.page.getByLabel("Billing contact").fill("billing@acme.test");
      await second.page.getByLabel("I accept the terms").check();
      await second.page.getByRole("button", { name: "Submit" }).click();
      await second.page.waitForURL(/\/form\/copy$/);
      const copy = (await second.page.locator("main").textContent()) ?? "";
      assert.match(copy, /billing@acme\.test/);
      assert.equal(copy.includes(CANARY), false);
      await check(second.page, `forms-copy-${run.tag}`);
      await second.context.close();

      const builder = await newPage(s, run);
      await signedIn(builder.context, team.admin.cookie);
      await builder.page.goto(`/app/forms/${form.id}`);
      await builder.page.getByRole("heading", { name: "Preview" }).waitFor();
      await check(builder.page, `forms-builder-${run.tag}`);
      await builder.context.close();
    });
  }

  test("at 375-light: the submit form shows the chosen type's extra fields", async () => {
    const team = await makeTeam(s.env);
    const created = await s.env.app.inject({
      method: "POST",
      url: "/api/workspace/forms",
      headers: team.admin.headers,
      payload: {
        name: "Bug details",
        requestType: "Bug Report",
        fields: [{ key: "version", label: "App version", type: "short_text", required: true }],
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { context, page } = await newPage(s, { viewport: PHONE });
    await page.goto(`/portal/${team.ws.slug}/submit`);
    const version = page.getByLabel("App version");
    assert.equal(await version.isVisible(), false, "hidden for another type");
    await page.getByLabel("Type").selectOption("Bug Report");
    await version.waitFor();
    await page.getByLabel("Name").fill("Casey Customer");
    await page.getByLabel("Email").fill("casey@customer.test");
    await page.getByLabel("Subject").fill("It crashes on start");
    await version.fill("2.4.1");
    await check(page, "forms-submit-extra-375-light");
    await page.getByRole("button", { name: "Submit request" }).click();
    await page
      .getByText(/TKT-\d+/)
      .first()
      .waitFor();
    const fields = await s.env.ctx.database.db
      .selectFrom("ticket_fields")
      .select(["key", "value"])
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.deepEqual(
      fields.map((f) => [f.key, f.value]),
      [["version", "2.4.1"]],
    );
    await context.close();
  });
});
