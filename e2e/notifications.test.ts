import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// The bell, in Chromium: its count and accessible name, live when the live connection says so,
// the notifications page (mark one, mark all), and the profile's choices. At 1280 px light and
// 375 px dark.

let s: Served;
serveForFile((served) => {
  s = served;
});

const SHOTS = "/tmp/shots-notify";
const runs = DESK_LIGHT_PHONE_DARK;

describe("notifications: the bell, its page, the profile", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}`, async () => {
      const team = await makeTeam(s.env);
      const first = await submitTicket(s.env, team.ws.slug, {
        name: "averyveryveryverylongname.withoutspaces@customer-domain.example",
        subject: "The printer prints only blank pages",
      });
      await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${first.reference}/notes`,
        headers: team.admin.headers,
        payload: { body: "@Sam Agent could you call them back today?" },
      });
      const { context, page } = await newPage(s, run);
      const [name, value] = team.agent.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      fs.mkdirSync(SHOTS, { recursive: true });

      await page.goto("/app");
      const bell = page.getByRole("link", { name: "Notifications, 2 unread" });
      await bell.waitFor();
      assert.equal(await bell.locator(".bell-count").textContent(), "2");

      // Live: a new ticket while the page is open; the live connection's event refetches the count.
      await submitTicket(s.env, team.ws.slug, { subject: "Second one" });
      await page.evaluate(() =>
        document.dispatchEvent(
          new CustomEvent("portico:live", { detail: { workspaceId: "", topic: "notifications" } }),
        ),
      );
      await page.getByRole("link", { name: "Notifications, 3 unread" }).waitFor();
      await page.screenshot({ path: `${SHOTS}/queue-${run.tag}.png` });

      await page.getByRole("link", { name: "Notifications, 3 unread" }).click();
      await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
      const items = page.locator(".notice-item");
      assert.equal(await items.count(), 3);
      assert.match((await items.first().textContent()) ?? "", /New ticket from \S+ on TKT-\d+: Second one/);
      await page.locator(".notice-line", { hasText: "Ada Admin mentioned you" }).waitFor();
      await checkPage(page, `notifications-${run.tag}`);
      await page.screenshot({ path: `${SHOTS}/notifications-${run.tag}.png`, fullPage: true });

      await items
        .first()
        .getByRole("button", { name: /Mark read/ })
        .click();
      await page.getByRole("link", { name: "Notifications, 2 unread" }).waitFor();
      await page.getByRole("button", { name: "Mark all read" }).click();
      await page.getByRole("status").getByText("All marked read.").waitFor();
      await page.getByRole("link", { name: "Notifications, none unread" }).waitFor();
      assert.equal(await page.locator(".bell-count").isVisible(), false);

      await page.getByRole("link", { name: "Choose which notices you get" }).click();
      await page.getByRole("heading", { name: "Your profile", level: 1 }).waitFor();
      await checkPage(page, `profile-${run.tag}`);
      const newTicketEmail = page
        .getByRole("group", { name: "A new ticket for my team (or any, while it has no team)" })
        .getByRole("checkbox", { name: "By email" });
      assert.equal(await newTicketEmail.isChecked(), true);
      await newTicketEmail.uncheck();
      await page.getByLabel("Time zone").selectOption("Asia/Tokyo");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("status").getByText("Saved.").waitFor();
      assert.equal(await newTicketEmail.isChecked(), false);
      assert.equal(await page.locator("body").getAttribute("data-zone"), "Asia/Tokyo");
      await page.screenshot({ path: `${SHOTS}/profile-${run.tag}.png`, fullPage: true });
      await context.close();
    });
  }
});
