import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  axe,
  DESKTOP,
  describeViolations,
  jsErrors,
  newPage,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// In Chromium: the first-run form refused with every problem listed and focused, "Submit
// another" keeping the customer's name and email, and search results with the matched words
// marked, light and dark, on a phone and at a desk.

let s: Served;
serveForFile((served) => {
  s = served;
});

async function clean(page: Page, name: string): Promise<void> {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  await screenshot(page, name);
}

const focusedClass = (page: Page) => page.evaluate(() => document.activeElement?.className ?? "");

describe("forms that read well", { skip: skipReason }, () => {
  test("first run: an empty form lists every problem in field order, focused, each linked", async () => {
    for (const [viewport, dark, name] of [
      [DESKTOP, false, "polish-setup-errors-1280-light"],
      [PHONE, true, "polish-setup-errors-375-dark"],
    ] as const) {
      const { context, page } = await newPage(s, { viewport, dark });
      await page.goto("/setup");
      await page.getByRole("button", { name: "Create workspace" }).click();
      const summary = page.locator(".error-summary");
      await summary.waitFor();
      assert.equal(await focusedClass(page), "error-summary", "the summary has the focus");
      assert.deepEqual(await summary.locator("a").allTextContents(), [
        "Company or team name is required",
        "Portal address is required",
        "Your name is required",
        "Your email must be a valid email address",
        "Password is required",
      ]);
      for (const href of await summary
        .locator("a")
        .evaluateAll((as) => as.map((a) => a.getAttribute("href")))) {
        assert.equal(await page.locator(String(href)).count(), 1, `${href} is a field`);
      }
      await clean(page, name);
      // Keyboard: from the summary, Tab reaches its first link; Enter goes to the field.
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("href")), "#name");
      await page.keyboard.press("Enter");
      await page.waitForURL(/#name$/);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    }
    // Then set up for real: the portal below belongs to this workspace.
    const { context, page } = await newPage(s);
    await page.goto("/setup");
    await page.getByLabel("Company or team name").fill("Acme");
    await page.getByLabel("Portal address").fill("acme");
    await page.getByLabel("Your name").fill("Ada Admin");
    await page.getByLabel("Your email").fill("ada@acme.test");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/\/app\/settings/);
    await context.close();
  });

  test("submit another keeps the name and email, never in an address", async () => {
    const { context, page } = await newPage(s, { viewport: PHONE });
    const addresses: string[] = [];
    page.on("request", (r) => addresses.push(r.url()));
    await page.goto("/portal/acme/submit");
    await page.getByLabel("Name").fill("Dana Ortiz");
    await page.getByLabel("Email").fill("dana@customer.test");
    await page.getByLabel("Subject").fill("The first question");
    await page.getByRole("button", { name: "Submit request" }).click();
    await page.getByRole("heading", { name: "Request received" }).waitFor();
    assert.equal(await page.locator(".actions form button").count(), 1, "the button sits among the actions");
    await clean(page, "polish-submit-received-375-light");
    await page.getByRole("button", { name: "Submit another" }).click();
    await page.getByRole("heading", { name: "Submit a request" }).waitFor();
    assert.equal(await page.getByLabel("Name").inputValue(), "Dana Ortiz");
    assert.equal(await page.getByLabel("Email").inputValue(), "dana@customer.test");
    assert.equal(await page.getByLabel("Subject").inputValue(), "");
    await clean(page, "polish-submit-another-375-light");
    assert.ok(
      addresses.every((a) => !a.includes("dana") && !a.includes("Dana")),
      `no address carries the name or email: ${addresses.filter((a) => /dana/i.test(a)).join(", ")}`,
    );
    assert.deepEqual(jsErrors(page), []);
    await context.close();
  });

  test("search results mark the matched words, readable light and dark", async () => {
    const team = await makeTeam(s.env);
    const res = await s.env.app.inject({
      method: "POST",
      url: "/api/workspace/kb/articles",
      headers: team.agent.headers,
      payload: {
        title: "Reset your password",
        body: "Forgot your password? Open the **sign-in** page, then choose *Forgot password*.",
        status: "published",
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    for (const [viewport, dark, name] of [
      [DESKTOP, false, "polish-kb-marks-1280-light"],
      [PHONE, true, "polish-kb-marks-375-dark"],
    ] as const) {
      const { context, page } = await newPage(s, { viewport, dark });
      await page.goto(`/portal/${team.ws.slug}/kb/search?q=forgot+passwords`);
      const snippet = page.locator(".kb-results p").first();
      await snippet.waitFor();
      assert.equal(
        await snippet.textContent(),
        "Forgot your password? Open the sign-in page, then choose Forgot password.",
      );
      assert.deepEqual(await snippet.locator("mark").allTextContents(), [
        "Forgot",
        "password",
        "Forgot",
        "password",
      ]);
      await clean(page, name);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    }
  });
});
