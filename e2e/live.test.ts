import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// Live updates in Chromium: two agents, each in a browser context of their own. One replies and
// changes the status; the other's ticket page and queue follow without a reload, and each sees
// the other on the ticket. The ticket page at 1280 px light and 375 px dark.

let s: Served;
serveForFile((served) => {
  s = served;
});

async function signedIn(cookie: string, opts: Parameters<typeof newPage>[1]) {
  const { context, page } = await newPage(s, opts);
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: s.base }]);
  return { context, page };
}

const liveUp = (ctx: { page: { locator(s: string): { waitFor(o: object): Promise<void> } } }) =>
  ctx.page.locator("html[data-live=up]").waitFor({ state: "attached" });

describe("live updates", { skip: skipReason }, () => {
  test("a reply and a status change reach the other agent's ticket page and queue; presence shows", async () => {
    const team = await makeTeam(s.env);
    const sub = await submitTicket(s.env, team.ws.slug, {
      subject: "Invoices stopped arriving",
      email: "a.very.long.unbroken.address.for.testing.wrapping@customer-example.test",
    });
    const contexts: BrowserContext[] = [];
    try {
      // Sam watches the queue, then the ticket (375 px, dark); Ada works on it (1280 px, light).
      const sam = await signedIn(team.agent.cookie, { viewport: PHONE, dark: true });
      const ada = await signedIn(team.admin.cookie, { viewport: DESKTOP, dark: false });
      contexts.push(sam.context, ada.context);

      await sam.page.goto("/app");
      await liveUp(sam);
      await ada.page.goto(`/app/tickets/${sub.reference}`);
      await liveUp(ada);
      const other = await submitTicket(s.env, team.ws.slug, { subject: "A new one arrives live" });
      await sam.page.getByRole("link", { name: "A new one arrives live" }).waitFor();
      assert.ok(other.reference);

      await sam.page.goto(`/app/tickets/${sub.reference}`);
      await liveUp(sam);
      // Each sees the other.
      await sam.page.locator("#presence", { hasText: "Ada Admin is viewing" }).waitFor();
      await ada.page.locator("#presence", { hasText: "Sam Agent is viewing" }).waitFor();
      await ada.page.locator("#body").fill("Checking the mail logs now.");
      await sam.page.locator("#presence", { hasText: "Ada Admin is typing…" }).waitFor();

      await ada.page.locator("#then-status").selectOption("waiting");
      await ada.page.getByRole("button", { name: "Send reply to customer" }).click();
      await ada.page.getByText("Your reply was sent to the customer.").waitFor();
      // Sam's page shows the reply and the new status without a reload.
      await sam.page.locator("#conversation", { hasText: "Checking the mail logs now." }).waitFor();
      await sam.page.locator("#ticket-badges", { hasText: /Waiting/ }).waitFor();
      await checkPage(sam.page, "live-ticket-375-dark");
      await checkPage(ada.page, "live-ticket-1280-light");
    } finally {
      for (const c of contexts) await c.close();
    }
  });

  test("what arrives before the stream is open is shown once it opens, not at the next poll", async () => {
    const team = await makeTeam(s.env);
    const sam = await signedIn(team.agent.cookie, { viewport: DESKTOP, dark: false });
    try {
      // The stream's first attempt fails (a restart, a proxy's hiccup); it opens on the next,
      // a second or two later, well before the 10-second poll.
      let refused = false;
      await sam.page.route("**/api/workspace/live", (route) => {
        if (refused) return route.continue();
        refused = true;
        return route.abort();
      });
      await sam.page.goto("/app");
      await sam.page.locator("html[data-live=down]").waitFor({ state: "attached" });
      await submitTicket(s.env, team.ws.slug, { subject: "Arrived while the stream was down" });
      await liveUp(sam);
      await sam.page
        .getByRole("link", { name: "Arrived while the stream was down" })
        .waitFor({ timeout: 5000 });
    } finally {
      await sam.context.close();
    }
  });
});
