import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// Incidents in Chromium: the app's incident page, the portal's banner at 1280 px light and
// 375 px dark for a signed-in customer, and "This affects me too" turning into "We'll tell you".

let s: Served;
serveForFile((served) => {
  s = served;
});

const SHOTS = "/tmp/shots-incidents";

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe("incidents", { skip: skipReason }, () => {
  test("declared in the app, shown on the portal, affects me too", async () => {
    const team = await makeTeam(s.env);
    const slug = team.ws.slug;
    const dana = await makeCustomer(s.env, team.ws.id, {
      company: "Globex",
      name: "dana.scully.with.a.very.long.address@globex-corporation.example",
    });
    const made = await s.env.app.inject({
      method: "POST",
      url: "/api/workspace/incidents",
      headers: team.agent.headers,
      payload: {
        title: "Sign-in failures in Europe",
        message:
          "Some customers in Europe cannot sign in. We are on it and will update this notice within the hour.",
        status: "identified",
        products: ["Single sign-on", "Mobile app"],
        companyIds: [dana.companyId],
      },
    });
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json().id as string;

    // The agent's incident page.
    {
      const { context, page } = await newPage(s, { viewport: DESKTOP });
      const [name, value] = team.agent.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto(`/app/incidents/${id}`);
      await page.getByRole("heading", { name: "Sign-in failures in Europe" }).waitFor();
      await checkPage(page, "incident-app-1280-light");
      await shot(page, "incident-app-1280-light");
      await page.goto("/app/incidents");
      await checkPage(page, "incidents-app-1280-light");
      await context.close();
    }

    // The customer's banner: 1280 light, then 375 dark where "This affects me too" is pressed.
    for (const run of [
      { viewport: DESKTOP, dark: false, tag: "1280-light", press: false },
      { viewport: PHONE, dark: true, tag: "375-dark", press: true },
    ]) {
      const { context, page } = await newPage(s, run);
      const [name, value] = dana.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto(`/portal/${slug}/home`);
      const banner = page.locator(`#incident-${id}`);
      await banner.getByText("Some customers in Europe cannot sign in.").waitFor();
      assert.match((await banner.textContent()) ?? "", /Identified/);
      await checkPage(page, `incident-banner-${run.tag}`);
      await shot(page, `incident-banner-${run.tag}`);
      if (run.press) {
        await banner.getByRole("button", { name: "This affects me too" }).click();
        await page.waitForURL(new RegExp(`/portal/${slug}/home#incident-${id}$`));
        await banner.getByText("We'll tell you when it's fixed.").waitFor();
        await checkPage(page, `incident-banner-joined-${run.tag}`);
        await shot(page, `incident-banner-joined-${run.tag}`);
      }
      await context.close();
    }
    const detail = await s.env.app.inject({
      url: `/api/workspace/incidents/${id}`,
      headers: team.agent.headers,
    });
    assert.equal(detail.json().affectedContacts, 1);
  });
});
