import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// SLA deadlines in Chromium: the ticket page's card counting down (one target overdue, one due
// soon) at 1280 px light and 375 px dark, the queue sorted by next deadline, Settings → SLAs.

let s: Served;
serveForFile((served) => {
  s = served;
});

describe("SLA deadlines", { skip: skipReason }, () => {
  test("the ticket page counts down, the queue sorts by deadline, the admin's settings page", async () => {
    const team = await makeTeam(s.env);
    const res = await s.env.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/sla",
      headers: team.admin.headers,
      payload: {
        policies: [
          {
            name: "Normal",
            priority: "medium",
            ticketType: null,
            companyId: null,
            firstResponseMinutes: 60,
            nextResponseMinutes: 30,
            resolutionMinutes: 480,
            clock: "calendar",
          },
        ],
        holidays: [{ day: "2026-12-25", name: "Christmas Day" }],
        showResponseTime: true,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const late = await submitTicket(s.env, team.ws.slug, { subject: "Invoices are missing" });
    await submitTicket(s.env, team.ws.slug, { subject: "Password reset mail never arrives" });
    // The first ticket's first response was due ten minutes ago; its resolution in 40 minutes.
    const now = Date.now();
    await s.env.ctx.database.db
      .updateTable("tickets")
      .set({
        first_response_due_at: new Date(now - 10 * 60_000).toISOString(),
        next_due_at: new Date(now - 10 * 60_000).toISOString(),
        resolution_due_at: new Date(now + 40 * 60_000).toISOString(),
      })
      .where("workspace_id", "=", team.ws.id)
      .where("number", "=", Number(late.reference.replace(/\D/g, "")))
      .execute();
    const pair = (team.admin.cookie.split(";")[0] ?? "").split("=");
    const name = pair[0] ?? "";
    const value = pair.slice(1).join("=");

    for (const run of [
      { viewport: DESKTOP, dark: false, tag: "1280-light" },
      { viewport: PHONE, dark: true, tag: "375-dark" },
    ]) {
      const { context, page } = await newPage(s, run);
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto(`/app/tickets/${late.reference}`);
      const card = page.locator("section.sla");
      await card.getByRole("heading", { name: "SLA" }).waitFor();
      assert.match((await card.textContent()) ?? "", /First response\s*Overdue: 10 min/);
      assert.match((await card.textContent()) ?? "", /Resolution\s*Due soon: in 40 min/);
      await checkPage(page, `sla-ticket-${run.tag}`);
      if (run.tag === "1280-light") {
        await page.goto("/app?sort=due&status=any");
        const rows = page.locator("table.queue tbody tr");
        assert.match((await rows.first().textContent()) ?? "", /Invoices are missing[\s\S]*Overdue: 10 min/);
        await checkPage(page, "sla-queue-1280-light");
        await page.goto("/app/settings/sla");
        await page.getByRole("heading", { name: "SLAs" }).waitFor();
        assert.equal(await page.getByLabel("Name, policy 1").inputValue(), "Normal");
        await checkPage(page, "sla-settings-1280-light");
      }
      await context.close();
    }
  });
});
