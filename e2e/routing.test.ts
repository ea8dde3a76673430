import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Routing in Chromium: an admin chooses round robin on Settings → Assignment and creates a team;
// an agent goes away (and back) with the header's control, by keyboard. 1280 px light, 375 px dark.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("routing", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: assignment settings, a team, availability`, async () => {
      const team = await makeTeam(s.env);
      const { context, page } = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      await page.goto("/app/settings/assignment");
      await page.getByLabel("Round robin: each available agent in turn").check();
      await page.getByRole("button", { name: "Save assignment" }).click();
      await page.waitForURL(/saved=assignment/);
      assert.equal(await page.getByLabel("Round robin: each available agent in turn").isChecked(), true);
      await checkPage(page, `routing-assignment-${run.tag}`);

      await page.goto("/app/settings/teams");
      await page.getByLabel("New team").fill("Billing");
      await page.getByRole("button", { name: "Create team" }).click();
      await page.waitForURL(/saved=created/);
      await page.getByRole("checkbox", { name: "Sam Agent" }).check();
      await page.getByRole("button", { name: "Save team Billing" }).click();
      await page.waitForURL(/saved=saved/);
      assert.equal(await page.getByRole("checkbox", { name: "Sam Agent" }).isChecked(), true);
      await checkPage(page, `routing-teams-${run.tag}`);

      // The availability control, by keyboard: open, choose Away, submit.
      const summary = page.locator("details.availability > summary");
      await summary.focus();
      await page.keyboard.press("Enter");
      await page.getByLabel("Away: no new tickets").focus();
      await page.keyboard.press("Space");
      await checkPage(page, `routing-availability-open-${run.tag}`);
      await page.getByRole("button", { name: "Set availability" }).focus();
      await page.keyboard.press("Enter");
      await page.waitForLoadState("load");
      await page.locator("details.availability-away").waitFor();
      const row = await s.env.ctx.database.db
        .selectFrom("agents")
        .select("availability")
        .where("id", "=", team.admin.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.availability, "away");
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  }
});
