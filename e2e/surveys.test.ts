import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createSurvey, sendSurvey } from "../src/server/surveys/survey.service.ts";
import { makeCustomer, makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// The CSAT link on a phone, light and dark: the resolution email's button opens the stars, two
// stars are chosen with the keyboard alone, the comment typed, and the thank-you shows.

let s: Served;
serveForFile((served) => {
  s = served;
});

for (const dark of [false, true]) {
  const mode = dark ? "dark" : "light";
  describe(`the CSAT page at 375 px, ${mode}`, { skip: skipReason }, () => {
    test("rate 2 stars with the keyboard, submit, see the thank-you", async () => {
      const team = await makeTeam(s.env);
      const ticket = await submitTicket(s.env, team.ws.slug, {
        email: `rate-${mode}@customer.test`,
        subject: "The printer jams",
      });
      const resolved = await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${ticket.reference}/resolve`,
        headers: team.agent.headers,
        payload: { resolution: "Cleaned the rollers." },
      });
      assert.equal(resolved.statusCode, 200, resolved.body);
      const row = await s.env.ctx.database.db
        .selectFrom("outbox_emails")
        .select("template_data")
        .where("workspace_id", "=", team.ws.id)
        .where("kind", "=", "ticket_resolved")
        .executeTakeFirstOrThrow();
      const { rateUrl } = JSON.parse(row.template_data ?? "{}") as { rateUrl: string };
      const link = new URL(rateUrl).pathname;

      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await page.goto(link);
      await checkPage(page, `survey-csat-form-375-${mode}`);

      // Keyboard only: Tab into the stars, arrow to the second, Tab to the comment, then to Submit.
      await page.locator("#score-1").focus();
      await page.keyboard.press("Space");
      await page.keyboard.press("ArrowRight");
      assert.equal(await page.locator("#score-2").isChecked(), true, "two stars chosen");
      const focusRing = await page.evaluate(() => {
        const label = document.querySelector('label[for="score-2"]') as Element;
        return getComputedStyle(label).outlineStyle;
      });
      assert.equal(focusRing, "solid", "the focused star shows the focus ring");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "comment");
      await page.keyboard.type("It took three days.");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\?thanks=1$/);
      assert.match((await page.locator("h1").textContent()) ?? "", /Thanks — your rating was recorded/);
      await checkPage(page, `survey-csat-thanks-375-${mode}`);

      const survey = await s.env.ctx.database.db
        .selectFrom("surveys")
        .select(["score", "comment", "answered_via"])
        .where("workspace_id", "=", team.ws.id)
        .where("kind", "=", "csat")
        .executeTakeFirstOrThrow();
      assert.deepEqual({ ...survey }, { score: 2, comment: "It took three days.", answered_via: "email" });
      await context.close();
    });
  });
}

describe("the portal's survey banner at 375 px", { skip: skipReason }, () => {
  for (const dark of [false, true]) {
    const mode = dark ? "dark" : "light";
    test(`a signed-in customer sees the banner, answers there (${mode})`, async () => {
      const team = await makeTeam(s.env);
      const c = await makeCustomer(s.env, team.ws.id, { name: "Casey Banner" });
      const ticket = await submitTicket(s.env, team.ws.slug, { email: c.email, subject: "VPN drops" });
      const resolved = await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${ticket.reference}/resolve`,
        headers: team.agent.headers,
        payload: { resolution: "New profile pushed." },
      });
      assert.equal(resolved.statusCode, 200, resolved.body);

      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      const [name, value] = c.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto(`/portal/${team.ws.slug}/home`);
      const banner = page.locator(".survey-banner");
      assert.match((await banner.textContent()) ?? "", new RegExp(`How did we do on ${ticket.reference}\\?`));
      await checkPage(page, `survey-banner-home-375-${mode}`);
      await banner.getByRole("link", { name: "Rate your experience" }).click();
      await page.locator("#score-1").waitFor({ state: "attached" });
      await checkPage(page, `survey-portal-form-375-${mode}`);
      await page.locator('label[for="score-4"]').click();
      await page.getByRole("button", { name: "Submit" }).click();
      await page.waitForURL(/\?thanks=1$/);
      assert.match((await page.locator("h1").textContent()) ?? "", /Thanks — your rating was recorded/);
      assert.equal(await page.locator(".survey-banner").count(), 0, "no banner once answered");
      await context.close();
    });
  }
});

describe("the other survey pages at 375 px", { skip: skipReason }, () => {
  for (const dark of [false, true]) {
    const mode = dark ? "dark" : "light";
    test(`NPS, "Still fixed?", unsubscribe and an expired link pass the page checks (${mode})`, async () => {
      const team = await makeTeam(s.env);
      const links: Record<string, { url: string; unsubscribeUrl: string }> = {};
      for (const kind of ["nps", "still_fixed"] as const) {
        const c = await makeCustomer(s.env, team.ws.id);
        const survey = await s.env.ctx.database.db.transaction().execute((tx) =>
          createSurvey(s.env.ctx, tx, {
            workspaceId: team.ws.id,
            kind,
            contactId: c.contactId,
            companyId: null,
            trigger: "schedule",
            sendAt: s.env.ctx.now(),
          }),
        );
        assert.equal(await sendSurvey(s.env.ctx, survey.id), "sent");
        const row = await s.env.ctx.database.db
          .selectFrom("outbox_emails")
          .select("template_data")
          .where("to_address", "=", c.email)
          .executeTakeFirstOrThrow();
        links[kind] = JSON.parse(row.template_data ?? "{}");
      }
      const path = (url: string | undefined) => new URL(url as string).pathname;
      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await page.goto(path(links.nps?.url));
      await checkPage(page, `survey-nps-form-375-${mode}`);
      await page.goto(path(links.still_fixed?.url));
      await checkPage(page, `survey-still-fixed-form-375-${mode}`);
      await page.goto(path(links.nps?.unsubscribeUrl));
      await checkPage(page, `survey-unsubscribe-375-${mode}`);
      await page.getByRole("button", { name: "Unsubscribe" }).click();
      await page.getByRole("heading", { name: "You are unsubscribed" }).waitFor();
      await checkPage(page, `survey-unsubscribed-375-${mode}`);
      s.env.advance(8 * 24 * 3600_000);
      await page.goto(path(links.still_fixed?.url));
      assert.equal(await page.locator("h1").textContent(), "This link has expired");
      await checkPage(page, `survey-expired-375-${mode}`);
      await context.close();
    });
  }
});
