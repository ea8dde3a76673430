import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Onboarding in Chromium: the team's templates and a company's plan (both states side by side),
// then the customer's plan, a task, Start and Mark complete, and the home's progress.

let s: Served;
serveForFile((served) => {
  s = served;
});

const check = (page: Page, name: string) => checkPage(page, name);

const runs = DESK_LIGHT_PHONE_DARK;

describe("onboarding", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: a template applied, edited by the team, worked by the customer`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const customer = await makeCustomer(s.env, team.ws.id, { company: "Initech", name: "Peter Gibbons" });
      const agent = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await agent.context.addCookies([{ name, value, url: s.base }]);
      const page = agent.page;

      await page.goto("/app/onboarding/templates");
      await check(page, `onboarding-templates-${run.tag}`);
      await page.getByLabel("Name", { exact: true }).fill("Onboarding");
      await page.getByRole("button", { name: "Add template" }).click();
      await page.getByRole("heading", { name: "Onboarding", level: 1 }).waitFor();
      for (const title of ["Send your logo", "Kickoff call"]) {
        await page.locator("#new-title").fill(title);
        await page.locator("#new-offset").fill("2");
        await page.getByRole("button", { name: "Add task" }).click();
        await page.waitForURL(/done=task/);
      }
      await check(page, `onboarding-template-${run.tag}`);

      await page.goto(`/app/companies/${customer.companyId}/onboarding`);
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/done=applied/);
      await page.getByText("Edit “Send your logo”").click();
      await page.locator("#p0t0-status").selectOption("blocked");
      await page.locator("#p0t0-note").fill("Waiting on legal review");
      await page.getByRole("button", { name: "Save task" }).first().click();
      await page.waitForURL(/done=saved/);
      await page.locator(".internal-note", { hasText: "Waiting on legal review" }).waitFor();
      await check(page, `onboarding-company-${run.tag}`);

      const portal = await newPage(s, run);
      const [cName, cValue] = customer.cookie.split("=") as [string, string];
      await portal.context.addCookies([{ name: cName, value: cValue, url: s.base }]);
      const p = portal.page;
      await p.goto(`/portal/${slug}/home`);
      await p.getByText("0 of 2 done").first().waitFor();
      await p.getByRole("link", { name: "The whole plan" }).click();
      await p.getByRole("heading", { name: "Onboarding", level: 1 }).waitFor();
      await check(p, `portal-onboarding-${run.tag}`);
      assert.ok(!(await p.content()).includes("legal review"));
      await p.getByRole("link", { name: "Send your logo" }).click();
      await p.getByRole("button", { name: "Start" }).click();
      await p.getByText("Started.").waitFor();
      await check(p, `portal-task-${run.tag}`);
      await p.getByRole("button", { name: "Mark complete" }).click();
      await p.getByText("Marked complete").waitFor();
      await p.goto(`/portal/${slug}/home`);
      await p.getByText("1 of 2 done").first().waitFor();
      assert.ok(!/blocked|legal review/i.test(await p.content()));
      await agent.context.close();
      await portal.context.close();
    });
  }
});
