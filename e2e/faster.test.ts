import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serve, skipReason } from "./support.ts";

// Working faster, in Chromium: the queue's bulk bar, a ticket's details that save themselves with
// an Undo, and a shortcut, at 1280 px light; the ticket page at 375 px dark.

const SHOTS = "/tmp/shots-faster";
let s: Served;
before(async () => {
  if (!skipReason) s = await serve();
});
after(async () => {
  await s?.close();
});

async function signedIn(run: { viewport: { width: number; height: number }; dark: boolean }) {
  const team = await makeTeam(s.env);
  const { context, page } = await newPage(s, run);
  const [name, value] = team.agent.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: s.base }]);
  return { team, context, page };
}

const shot = async (page: Page, name: string) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
};

describe("working faster", { skip: skipReason }, () => {
  test("at 1280 light: bulk in the queue, inline change with undo, and t takes the ticket", async () => {
    const { team, context, page } = await signedIn({ viewport: DESKTOP, dark: false });
    const a = await submitTicket(s.env, team.ws.slug, { subject: "Invoices show the wrong VAT" });
    const b = await submitTicket(s.env, team.ws.slug, { subject: "Cannot reset my password" });
    await page.goto("/app");
    await page.locator("[data-view='waiting'] [data-count]", { hasText: "2" }).waitFor();
    await checkPage(page, "faster-queue-1280-light");

    // Select all on the page, then one change for both.
    await page.getByLabel("Select all tickets on this page").check();
    await page.getByText("2 tickets selected.").waitFor();
    await page.getByLabel("Change", { exact: true }).selectOption("priority:urgent");
    await page.getByRole("button", { name: "Change selected tickets" }).click();
    await page.locator("#undo-toast").getByText("2 of 2 changed.").waitFor();
    await page.locator("tr[data-row] .priority-urgent").nth(1).waitFor();
    assert.equal(await page.locator("tr[data-row] .priority-urgent").count(), 2);
    await shot(page, "queue-after-bulk-1280-light");

    // The ticket: the status saves itself, and Undo puts it back.
    await page.goto(`/app/tickets/${a.reference}`);
    await page.locator("#p-status").selectOption("waiting");
    const toast = page.locator("#undo-toast");
    await toast.getByText("Status set to").waitFor();
    await page.locator("#ticket-badges .status-waiting").waitFor();
    await toast.getByRole("button", { name: "Undo" }).focus();
    await page.keyboard.press("Enter");
    await toast.getByText("Undone.").waitFor();
    await page.locator("#ticket-badges .status-open").waitFor();
    assert.equal(await page.locator("#p-status").inputValue(), "open");
    await shot(page, "ticket-after-undo-1280-light");

    // t takes it: the assignee becomes me.
    await page.locator("h1").click();
    await page.keyboard.press("t");
    await toast.getByText(`${a.reference} is yours.`).waitFor();
    assert.equal(await page.locator("#p-assignee").inputValue(), team.agent.id);
    await checkPage(page, "faster-ticket-1280-light");
    assert.equal(b.reference.startsWith("TKT-"), true);
    await context.close();
  });

  test("at 375 dark: the ticket page", async () => {
    const { team, context, page } = await signedIn({ viewport: PHONE, dark: true });
    // A long unbroken name is the long-strings work's test (it overflows the conversation today).
    const a = await submitTicket(s.env, team.ws.slug, { subject: "The CSV export drops every accent" });
    await page.goto(`/app/tickets/${a.reference}`);
    await page.getByRole("button", { name: "Take it" }).waitFor();
    await checkPage(page, "faster-ticket-375-dark");
    await shot(page, "ticket-375-dark");
    await page.goto("/app");
    await shot(page, "queue-375-dark");
    await context.close();
  });
});
