import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  axe,
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  DESKTOP,
  describeViolations,
  newPage,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// An admin in Chromium on Settings → Portal: the navigation, the word for ticket (Incident), the
// portal off and on; the portal follows at once, and the preview follows the form as it is typed,
// at desktop width in light mode and at phone width in dark mode.

let s: Served;
serveForFile((served) => {
  s = served;
});

describe("Settings → Portal", { skip: skipReason }, () => {
  test("nav, wording and the portal off and on; the preview follows; the portal follows", async () => {
    const team = await makeTeam(s.env);
    const slug = team.ws.slug;
    const { context, page } = await newPage(s, { viewport: DESKTOP });
    const [name, value] = team.admin.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.base }]);
    await page.goto("/app/settings/portal");
    await checkPage(page, "portal-settings-1280");

    // The navigation and the word for ticket, typed: the preview follows before saving.
    await page.getByLabel("Show Help articles").uncheck();
    await page.getByLabel("New request: label").fill("Report a problem");
    const singular = page.locator("#ticketWords-en-one");
    await singular.fill("Incident");
    await singular.dispatchEvent("change");
    assert.equal(
      await page.locator("#ticketWords-en-other").inputValue(),
      "Incidents",
      "the preset's plural",
    );
    const home = page.frameLocator('iframe[data-portal-preview="home"]');
    await home.getByRole("link", { name: "Report a problem" }).waitFor();
    await home.getByRole("link", { name: "Incidents", exact: true }).waitFor();
    assert.equal(await home.getByRole("link", { name: "Help articles" }).count(), 0);

    // Desktop and dark, without saving.
    await page.getByRole("link", { name: "Desktop (1280 px)" }).click();
    await page.getByRole("link", { name: "Dark" }).click();
    const frame = page.locator('iframe[data-portal-preview="request"]');
    assert.equal(await frame.getAttribute("width"), "1280");
    assert.match((await frame.getAttribute("src")) ?? "", /scheme=dark/);
    await page.frameLocator('iframe[data-portal-preview="request"]').locator("html.scheme-dark").waitFor();
    assert.equal(await overflowsHorizontally(page), false, "the frames scroll inside their box");
    await screenshot(page, "portal-settings-preview-1280-dark");

    await page.getByRole("button", { name: "Save portal settings" }).click();
    await page.getByText("Portal settings saved").waitFor();

    // A customer sees it at once.
    const customer = await newPage(s, { viewport: PHONE });
    await customer.page.goto(`/portal/${slug}`);
    const nav = customer.page.getByRole("navigation", { name: "Portal" });
    assert.ok(await nav.getByRole("link", { name: "Report a problem" }).isVisible());
    assert.ok(await nav.getByRole("link", { name: "Incidents" }).isVisible());
    assert.equal(await nav.getByRole("link", { name: "Help articles" }).count(), 0);
    assert.ok(await customer.page.getByRole("link", { name: "Create a new incident" }).isVisible());
    await checkPage(customer.page, "portal-home-incident-375");

    // Off: the closed page; on again: the home.
    await page.getByLabel("Customers can use the portal").uncheck();
    await page.getByRole("button", { name: "Save portal settings" }).click();
    await page.getByText("Portal settings saved").waitFor();
    const closed = await customer.page.goto(`/portal/${slug}/submit`);
    assert.equal(closed?.status(), 403);
    await customer.page.getByRole("heading", { name: "This portal is closed" }).waitFor();
    await checkPage(customer.page, "portal-closed-375");
    await page.getByLabel("Customers can use the portal").check();
    await page.getByRole("button", { name: "Save portal settings" }).click();
    await page.getByText("Portal settings saved").waitFor();
    assert.equal((await customer.page.goto(`/portal/${slug}`))?.status(), 200);
    await customer.context.close();
    await context.close();
  });

  for (const { viewport, dark } of DESK_LIGHT_PHONE_DARK) {
    const scheme = dark ? "dark" : "light";
    test(`the preview's pages at ${viewport.width} px, ${scheme}: no axe violations, no sideways scroll`, async () => {
      const team = await makeTeam(s.env);
      const { context, page } = await newPage(s, { viewport, dark });
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      for (const which of ["home", "article", "submit", "request"]) {
        await page.goto(`/app/settings/portal/preview?page=${which}&scheme=${scheme}`);
        assert.equal(describeViolations(await axe(page)), "", `axe on ${which}`);
        assert.equal(await overflowsHorizontally(page), false, `${which} scrolls sideways`);
        await screenshot(page, `portal-preview-${which}-${viewport.width}-${scheme}`);
      }
      await page.goto(
        `/app/settings/portal?width=${viewport === PHONE ? "phone" : "desktop"}&scheme=${scheme}`,
      );
      assert.equal(describeViolations(await axe(page)), "", "axe on the settings page");
      assert.equal(await overflowsHorizontally(page), false, "the settings page scrolls sideways");
      await screenshot(page, `portal-settings-${viewport.width}-${scheme}`);
      await context.close();
    });
  }
});
