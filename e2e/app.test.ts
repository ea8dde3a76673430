import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  axe,
  DESKTOP,
  describeViolations,
  jsErrors,
  newPage,
  nextPoll,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serve,
  skipReason,
} from "./support.ts";

// The agents' app in Chromium: first-run setup, then the whole ticket loop as a customer on a
// phone and an agent at a desk, light and dark; then settings, the live queue and shortcuts.

let s: Served;
const ADMIN = { name: "Ada Admin", email: "ada@acme.test", password: "correct horse battery" };

before(async () => {
  if (!skipReason) s = await serve();
});
after(async () => {
  await s?.close();
});

async function clean(page: Page, name: string): Promise<void> {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  await screenshot(page, name);
}

async function signIn(page: Page, shot?: string): Promise<void> {
  await page.goto("/app");
  await page.waitForURL(/\/app\/sign-in/);
  if (shot) await clean(page, shot);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Queue" }).waitFor();
}

describe("the workspace app", { skip: skipReason }, () => {
  test("the accessibility check finds what it looks for, also on a page checked twice", async () => {
    const { context, page } = await newPage(s, { viewport: PHONE });
    await page.setContent(
      `<html lang="en"><title>t</title><main><h1>Check</h1><img src="/x.png"></main></html>`,
    );
    assert.deepEqual(
      (await axe(page)).map((v) => v.id),
      ["image-alt"],
    );
    await page.evaluate(() => document.querySelector("img")?.setAttribute("alt", "A picture"));
    await page.evaluate(() =>
      document.querySelector("h1")?.setAttribute("style", "color:#eee;background:#fff"),
    );
    assert.deepEqual(
      (await axe(page)).map((v) => v.id),
      ["color-contrast"],
    );
    await context.close();
  });

  test("first run: setup creates the workspace and its admin, then is gone", async () => {
    const { context, page } = await newPage(s, { viewport: DESKTOP });
    await page.goto("/");
    await page.waitForURL(/\/setup$/);
    await clean(page, "app-setup-1280-light");
    const darkPhone = await newPage(s, { viewport: PHONE, dark: true });
    await darkPhone.page.goto("/setup");
    await clean(darkPhone.page, "app-setup-375-dark");
    await darkPhone.context.close();
    await page.getByLabel("Company or team name").fill("Acme");
    await page.getByLabel("Portal address").fill("Not A Slug!");
    await page.getByLabel("Your name").fill(ADMIN.name);
    await page.getByLabel("Your email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create workspace" }).click();
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    assert.match((await summary.textContent()) ?? "", /Portal address must be/);
    assert.match((await summary.textContent()) ?? "", /Password must be at least 10 characters/);
    assert.equal(await page.getByLabel("Company or team name").inputValue(), "Acme", "nothing typed is lost");
    await clean(page, "app-setup-errors-1280-light");

    await page.getByLabel("Portal address").fill("");
    await page.getByLabel("Company or team name").fill("Acme Café Support");
    assert.equal(await page.getByLabel("Portal address").inputValue(), "acme-cafe-support", "suggested");
    await page.getByLabel("Company or team name").fill("Acme");
    await page.getByLabel("Portal address").fill("acme");
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.getByText("Your workspace is ready").waitFor();
    assert.match(page.url(), /\/app\/settings/);

    const again = await page.goto("/setup");
    assert.equal(again?.status(), 404, "setup is gone once a workspace exists");
    await page.goto("/");
    await page.getByRole("heading", { name: "Queue" }).waitFor();
    assert.deepEqual(jsErrors(page), []);
    await context.close();
  });

  for (const dark of [false, true]) {
    const mode = dark ? "dark" : "light";
    test(`the whole loop: customer at 375 px, agent at 1280 px (${mode})`, async () => {
      const subject = `Printer jam (${mode})`;
      // The customer submits from a phone.
      const customer = await newPage(s, { viewport: PHONE, dark, clock: true });
      const c = customer.page;
      await c.goto("/portal/acme/submit");
      await c.getByLabel("Name").fill("Casey Customer");
      await c.getByLabel("Email").fill("casey@customer.test");
      await c.getByLabel("Subject").fill(subject);
      await c.getByLabel("Description").fill("Paper is stuck in tray 2.");
      await c.getByRole("button", { name: "Submit request" }).click();
      const reference = (await c.locator(".big-reference").textContent()) as string;
      assert.match(reference, /^TKT-\d{4}$/);
      await c.getByRole("link", { name: "Track request" }).click();
      await c.locator("#ticket-status").waitFor();

      // The agent signs in at a desk and finds it in the queue.
      const agent = await newPage(s, { viewport: DESKTOP, dark });
      const a = agent.page;
      await signIn(a, `app-sign-in-1280-${mode}`);
      const row = a.getByRole("link", { name: subject });
      await row.waitFor();
      await clean(a, `app-queue-1280-${mode}`);
      await a.getByLabel("Search").fill(reference);
      await a.getByRole("button", { name: "Apply" }).click();
      await a.waitForURL(/q=TKT/);
      assert.equal(await a.locator("tr[data-row]").count(), 1, "searching by reference finds it");
      await a.getByRole("link", { name: subject }).click();
      await a.getByRole("heading", { name: subject }).waitFor();
      await clean(a, `app-ticket-1280-${mode}`);

      // An internal note: chosen explicitly, and shown as one.
      await a.getByRole("radio", { name: /^Internal note/ }).check();
      assert.ok(await a.getByRole("button", { name: "Add internal note" }).isVisible());
      assert.equal(await a.getByRole("button", { name: "Send reply to customer" }).count(), 0);
      await a.locator("#body").fill("Warranty expired last month; offer the paid repair.");
      await a.getByRole("button", { name: "Add internal note" }).click();
      await a.getByText("Your internal note was added").waitFor();
      const note = a.locator(".entry.internal");
      assert.match((await note.textContent()) ?? "", /Internal note · agents only[\s\S]*Warranty expired/);
      assert.equal(
        await a.getByRole("radio", { name: /^Reply to customer/ }).isChecked(),
        true,
        "back to reply by default",
      );

      // A public reply, setting the ticket to Waiting.
      await a.locator("#body").fill("Open tray 2 and pull the paper out gently.");
      await a.getByLabel("Then set the status to").selectOption("waiting");
      await a.getByRole("button", { name: "Send reply to customer" }).click();
      await a.getByText("Your reply was sent to the customer.").waitFor();
      assert.equal(await a.locator(".badges .status").textContent(), "Waiting");
      await clean(a, `app-ticket-replied-1280-${mode}`);

      // The customer sees the reply without reloading, never the note, and answers.
      // The page's next poll brings it, not a reload: its clock is moved on to that poll, not waited for.
      await nextPoll(c);
      await c.getByText("Open tray 2 and pull the paper out gently.").waitFor({ timeout: 20_000 });
      assert.equal(await c.getByText("Warranty expired").count(), 0, "the note never reaches the customer");
      assert.equal(await c.locator("#ticket-status").textContent(), "Waiting");
      await screenshot(c, `portal-tracking-agent-reply-375-${mode}`);
      await c.locator("#body").fill("That worked, thank you!");
      await c.getByRole("button", { name: "Send reply" }).click();
      await c.getByText("Your reply was sent.").waitFor();

      // The agent sees it arrive on the open ticket, and resolves with a note for the customer.
      await a.getByText("That worked, thank you!").waitFor({ timeout: 20_000 });
      assert.match((await a.locator("#live-announce").textContent()) ?? "", /1 new message/);
      assert.equal(await a.locator(".badges .status").textContent(), "Open", "the reply reopened it");
      await a.getByLabel("Resolution").fill("Cleared the paper jam in tray 2.");
      await a.getByRole("button", { name: "Resolve ticket" }).click();
      await a.getByText("The ticket is resolved.").waitFor();
      assert.equal(await a.locator(".badges .status").textContent(), "Resolved");
      assert.match((await a.locator(".history").textContent()) ?? "", /resolved the ticket/);

      await nextPoll(c);
      await c.getByText("Cleared the paper jam in tray 2.").waitFor({ timeout: 20_000 });
      assert.equal(await c.locator("#ticket-status").textContent(), "Resolved");
      await clean(c, `portal-tracking-resolved-375-${mode}`);

      // The customer's contact page, and contacts.
      await a.locator(".side").getByRole("link", { name: "Casey Customer" }).click();
      await a.getByRole("heading", { name: "Casey Customer" }).waitFor();
      assert.ok(await a.getByRole("link", { name: subject }).isVisible());
      await clean(a, `app-contact-1280-${mode}`);
      await a.getByRole("link", { name: "Contacts" }).first().click();
      await a.getByRole("heading", { name: "Contacts" }).waitFor();
      await clean(a, `app-contacts-1280-${mode}`);
      await a.goto(`/app/tickets/${reference}`);

      // The app at phone width too.
      await a.setViewportSize(PHONE);
      await clean(a, `app-ticket-375-${mode}`);
      await a.goto("/app");
      await clean(a, `app-queue-375-${mode}`);
      await a.goto("/app/settings");
      await clean(a, `app-settings-375-${mode}`);

      assert.deepEqual(jsErrors(a), []);
      assert.deepEqual(jsErrors(c), []);
      await agent.context.close();
      await customer.context.close();
    });
  }

  test("settings: branding with a live preview, sharing, agents", async () => {
    const { context, page } = await newPage(s, { viewport: DESKTOP });
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signIn(page);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.locator("nav.toc").getByRole("link", { name: "Branding" }).click();
    await page.getByRole("heading", { name: "Name, colours and font" }).waitFor();

    // The preview follows typing before anything is saved.
    await page.getByLabel("Brand name").fill("Acme Care");
    await page.getByLabel("Primary colour", { exact: true }).fill("#ffcc00");
    const preview = page.frameLocator("iframe[data-preview]");
    await preview.locator(".brand-name", { hasText: "Acme Care" }).waitFor();
    const onBrand = await preview
      .locator("button.primary")
      .evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
    assert.deepEqual(onBrand, ["rgb(255, 204, 0)", "rgb(17, 17, 17)"], "dark text on a light brand colour");
    await clean(page, "app-settings-1280-light");

    // Bad input is refused with the field named, and nothing is saved.
    await page.getByLabel("Support email").fill("not an email");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.locator(".error-summary").waitFor();
    assert.match((await page.locator(".error-summary").textContent()) ?? "", /Support email must be/);
    assert.equal(await page.getByLabel("Brand name").inputValue(), "Acme Care");
    await page.getByLabel("Support email").fill("help@acme.test");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.getByText("Branding saved").waitFor();
    const portal = await context.newPage();
    await portal.goto("/portal/acme/submit");
    assert.equal(await portal.locator(".brand-name").textContent(), "Acme Care");
    await portal.close();
    await page.goto("/app/settings");

    // Share: the link copies, and the snippet is the embed.
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, `${s.base}/portal/acme`, "the portal link is its home");
    assert.match(await page.locator("#share-iframe").inputValue(), /<iframe[\s\S]*\/portal\/acme\/submit/);

    // Share: any site may embed the form until an admin lists the ones that may.
    assert.match((await page.locator("#embedding-now").textContent()) ?? "", /Any site may embed the form/);
    await page.getByLabel("Only the sites listed below").check();
    await page.getByLabel("Sites (one per line)").fill("https://www.acme.test\nhttp://shop.acme.test");
    await page.getByRole("button", { name: "Save sites" }).click();
    await page.locator("#allowedOrigins[aria-invalid=true]").waitFor();
    assert.match((await page.locator(".error-summary").textContent()) ?? "", /http:\/\/shop\.acme\.test/);
    await page.getByLabel("Sites (one per line)").fill("https://www.acme.test\nhttps://shop.acme.test");
    await page.getByRole("button", { name: "Save sites" }).click();
    await page.getByText("Saved: the sites allowed to embed").waitFor();
    assert.match(
      (await page.locator("#embedding-now").textContent()) ?? "",
      /Only these sites may embed the form: https:\/\/www\.acme\.test, https:\/\/shop\.acme\.test/,
    );
    const framed = await page.request.get("/portal/acme/submit");
    assert.match(
      framed.headers()["content-security-policy"] ?? "",
      /frame-ancestors https:\/\/www\.acme\.test https:\/\/shop\.acme\.test(;|$)/,
    );
    await clean(page, "app-settings-share-1280-light");
    await page.getByLabel("Any site").check();
    await page.getByRole("button", { name: "Save sites" }).click();
    await page.getByText("Saved: the sites allowed to embed").waitFor();

    // Agents: add one, then deactivate them.
    await page.locator("#name").fill("Bo Agent");
    await page.locator("#email").fill("bo@acme.test");
    await page.locator("#password").fill("another long password");
    await page.getByRole("button", { name: "Add agent" }).click();
    await page.getByText("Agent added.").waitFor();
    await page.getByRole("button", { name: "Deactivate Bo Agent" }).click();
    await page.getByText("Agent deactivated and signed out.").waitFor();
    assert.ok(await page.getByRole("button", { name: "Reactivate Bo Agent" }).isVisible());

    // The app is never framed.
    const res = await page.request.get("/app/settings");
    assert.equal(res.headers()["x-frame-options"], "DENY");
    assert.match(res.headers()["content-security-policy"] ?? "", /frame-ancestors 'none'/);
    await page.setViewportSize(PHONE);
    await clean(page, "app-settings-375-light");
    assert.deepEqual(jsErrors(page), []);
    await context.close();
  });

  test("the queue updates itself, and the keyboard does the common moves", async () => {
    const { context, page } = await newPage(s, { viewport: DESKTOP, dark: true });
    await signIn(page);
    const before = await page.locator("tr[data-row]").count();
    await s.env.app.inject({
      method: "POST",
      url: "/api/public/portals/acme/tickets",
      payload: { name: "Dee", email: "dee@customer.test", subject: "Arrived while watching" },
    });
    await page.getByRole("link", { name: "Arrived while watching" }).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator("tr[data-row]").count(), before + 1);

    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "q");
    await page.keyboard.press("Escape");
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("j");
    const selected = page.locator("tr.selected [data-row-link]");
    assert.equal(await selected.textContent(), "Arrived while watching");
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    assert.notEqual(outline, "none", "focus is visible");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Arrived while watching" }).waitFor();
    await page.keyboard.press("n");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "body");
    assert.equal(await page.getByRole("radio", { name: /^Internal note/ }).isChecked(), true);
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await page.keyboard.press("Escape");
    await page.keyboard.press("g");
    await page.keyboard.press("q");
    await page.getByRole("heading", { name: "Queue" }).waitFor();
    assert.deepEqual(jsErrors(page), []);
    await context.close();
  });
});
