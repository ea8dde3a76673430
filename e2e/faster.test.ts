import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../src/server/test/factories.ts";
import { checkPage, DESKTOP, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// Working faster, in Chromium: the queue's bulk bar (its ticks kept through a live refresh), a
// ticket's details that save themselves with an Undo, and a shortcut, at 1280 px light. The queue
// at 375 px light and dark with every kind of cell (an SLA deadline, an angry ticket, an unread
// one, a long unbroken email as a name); the ticket page at 375 px dark and, with its SLA card,
// mood, incident, macros and presence, at 1280 px dark with /app/macros; a tracking page with
// its "We usually reply within" line and an incident banner of long unbroken words at 375 px.

const SHOTS = "/tmp/shots-faster";
let s: Served;
serveForFile((served) => {
  s = served;
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

    // A live refresh (a new ticket arrives) keeps the ticks, the focus and the bar's count.
    await page.locator("html[data-live=up]").waitFor({ state: "attached" });
    await page.getByText("Select tickets to change several at once.").waitFor();
    const boxA = page.getByLabel(`Select ${a.reference}`);
    await boxA.check();
    await page.getByText("1 ticket selected.").waitFor();
    const c = await submitTicket(s.env, team.ws.slug, { subject: "Arrives while one is ticked" });
    await page.getByRole("link", { name: "Arrives while one is ticked" }).waitFor();
    assert.equal(await boxA.isChecked(), true, "the tick survives the refresh");
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).value), a.reference);
    await page.getByText("1 ticket selected.").waitFor();
    assert.equal(await page.getByLabel(`Select ${c.reference}`).isChecked(), false);
    assert.equal(
      await page
        .getByLabel("Select all tickets on this page")
        .evaluate((el) => (el as HTMLInputElement).indeterminate),
      true,
    );

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

  for (const run of [
    { viewport: PHONE, dark: false, tag: "375-light" },
    { viewport: PHONE, dark: true, tag: "375-dark" },
  ]) {
    test(`at ${run.tag}: the queue's cards say what each value is`, async () => {
      const { team, context, page } = await signedIn(run);
      await slaPolicy(team);
      await submitTicket(s.env, team.ws.slug, {
        subject: "Third time asking",
        description: "Nobody answers. Your product is broken and useless, I'm furious and disappointed.",
        name: LONG_NAME,
        email: "long.name@customer.example",
      });
      const unread = await submitTicket(s.env, team.ws.slug, {
        subject: "The CSV export drops every accent",
      });
      // Opened once, then left (an open page's live refresh would read the reply at once).
      await page.goto(`/app/tickets/${unread.reference}`);
      await page.goto("about:blank");
      s.env.advance(1000);
      const replied = await customerReply(team.ws.slug, unread, "Any news on this?");
      assert.equal(replied.statusCode, 201, replied.body);
      await page.goto("/app");
      const row = page.locator("tr[data-row]", { hasText: "Third time asking" });
      await row.locator(".mood-marker", { hasText: "Angry" }).waitFor();
      await page.locator("tr.unread", { hasText: "The CSV export" }).waitFor();
      const label = (sel: string) =>
        row.locator(sel).evaluate((el) => getComputedStyle(el, "::before").content);
      assert.match(await label("td.sla-next"), /Next deadline/);
      assert.match(await label("td.age"), /Age/);
      assert.match(await label("td.updated"), /Updated/);
      assert.match((await row.locator("td.sla-next").textContent()) ?? "", /in \d/);
      assert.match((await row.locator(".mood-marker").textContent()) ?? "", /mood: Angry/);
      // The exact moment in the tooltip is the reader's, not UTC.
      const title = (await row.locator("td.sla-next time").getAttribute("title")) ?? "";
      assert.ok(title && !/UTC/.test(title), `a local title: ${title}`);
      await checkPage(page, `faster-queue-${run.tag}`);
      await shot(page, `queue-${run.tag}`);
      if (run.dark) {
        await page.goto(`/app/tickets/${unread.reference}`);
        await page.getByRole("button", { name: "Take it" }).waitFor();
        await checkPage(page, "faster-ticket-375-dark");
        await shot(page, "ticket-375-dark");
      }
      await context.close();
    });
  }

  test("at 1280 dark: the ticket page with its SLA card, mood, incident, macros and presence; /app/macros", async () => {
    const { team, context, page } = await signedIn({ viewport: DESKTOP, dark: true });
    await slaPolicy(team);
    const t = await submitTicket(s.env, team.ws.slug, {
      subject: "Third time asking",
      description: "Nobody answers. Your product is broken and useless, I'm furious and disappointed.",
      name: LONG_NAME,
      email: "long.name@customer.example",
    });
    const incident = await incidentOn(team, t.reference);
    const macro = await s.env.app.inject({
      method: "POST",
      url: "/api/workspace/macros",
      headers: team.agent.headers,
      payload: {
        name: "Ask for logs",
        body: "Hello {{customer.first_name}}, the logs please?",
        shared: true,
      },
    });
    assert.equal(macro.statusCode, 201, macro.body);
    const presence = () =>
      s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${t.reference}/presence`,
        headers: team.admin.headers,
        payload: { state: "viewing" },
      });
    assert.equal((await presence()).statusCode, 200);
    await page.goto(`/app/tickets/${t.reference}`);
    await page.locator("section.sla", { hasText: /First response\s*in \d/ }).waitFor();
    await page.locator(".mood-line", { hasText: "Angry" }).waitFor();
    await page.getByText(INCIDENT_TITLE).first().waitFor();
    await page.locator("#macro-search").waitFor();
    await page.locator("#presence", { hasText: "Ada Admin is viewing" }).waitFor();
    assert.ok(incident);
    await checkPage(page, "faster-ticket-1280-dark");
    await shot(page, "ticket-1280-dark");
    await page.goto("/app/macros");
    await page.getByText("Ask for logs").first().waitFor();
    await checkPage(page, "faster-macros-1280-dark");
    await context.close();
  });

  test("at 375 light: a tracking page says when we usually reply, under a banner of long words", async () => {
    const team = await makeTeam(s.env);
    await slaPolicy(team);
    const t = await submitTicket(s.env, team.ws.slug, {
      subject: "Cannot sign in",
      name: LONG_NAME,
      email: "long.name@customer.example",
    });
    await incidentOn(team, t.reference);
    const { context, page } = await newPage(s, { viewport: PHONE, dark: false });
    await page.goto(t.trackingUrl);
    await page.getByText("We usually reply within 1 hour.").waitFor();
    await page.getByText(LONG_WORD).first().waitFor();
    await checkPage(page, "faster-tracking-375-light");
    await shot(page, "tracking-375-light");
    await context.close();
  });
});

const LONG_NAME = "averyveryveryverylongname.withoutanyspacesatall@customer-domain.example";
const LONG_WORD = "Single-sign-on_gateway_outage_in_every_region_since_the_certificate_rotation_failed";
const INCIDENT_TITLE = `Sign-in ${LONG_WORD}`;

const customerReply = (slug: string, t: Submitted, body: string) =>
  s.env.app.inject({ method: "POST", url: trackUrl(slug, t).replace("?", "/replies?"), payload: { body } });

/** One calendar SLA policy for every ticket, shown to customers. */
async function slaPolicy(team: Awaited<ReturnType<typeof makeTeam>>) {
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
      holidays: [],
      showResponseTime: true,
    },
  });
  assert.equal(res.statusCode, 200, res.body);
}

/** An open incident for every customer, with long unbroken words, linked to the ticket. */
async function incidentOn(team: Awaited<ReturnType<typeof makeTeam>>, reference: string) {
  const made = await s.env.app.inject({
    method: "POST",
    url: "/api/workspace/incidents",
    headers: team.agent.headers,
    payload: { title: INCIDENT_TITLE, message: `We are on it: ${LONG_WORD}.`, status: "identified" },
  });
  assert.equal(made.statusCode, 201, made.body);
  const id = made.json().id as string;
  const linked = await s.env.app.inject({
    method: "POST",
    url: `/api/workspace/incidents/${id}/tickets`,
    headers: team.agent.headers,
    payload: { reference },
  });
  assert.equal(linked.statusCode, 200, linked.body);
  return id;
}
