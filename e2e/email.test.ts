import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { simpleParser } from "mailparser";
import { systemActor } from "../src/server/actors.ts";
import { deliverDueEmails } from "../src/server/email/delivery.ts";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  axe,
  DESK_LIGHT_PHONE_DARK,
  describeViolations,
  jsErrors,
  newPage,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// Email in the browser: an admin reads the Outbox (the embedded default writes .eml files) and
// one email in it, at desktop width in light mode and on a phone in dark mode; a new agent accepts an
// invitation from the emailed link on a phone.

const delivery = systemActor("outbox delivery");
let s: Served;
// Links in emails name the public https address; the browser here reaches the app over plain
// http on loopback, where Secure (__Host-) cookies cannot be set, so the cookies stay plain.
serveForFile(
  (served) => {
    s = served;
  },
  { PUBLIC_URL: "https://help.acme.test", COOKIE_SECURE: "false" },
);

describe("email pages", { skip: skipReason }, () => {
  test("the Outbox and one email in it, at 1280 px light and 375 px dark", async () => {
    const team = await makeTeam(s.env);
    const t = await submitTicket(s.env, team.ws.slug, { subject: "Where is my parcel?" });
    await deliverDueEmails(s.env.ctx, delivery);
    for (const { viewport, dark, tag } of DESK_LIGHT_PHONE_DARK) {
      const { context, page } = await newPage(s, { viewport, dark });
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto("/app/outbox");
      await page.getByRole("heading", { name: "Outbox" }).waitFor();
      assert.match((await page.locator("main").textContent()) ?? "", /written as \.eml files/);
      assert.equal(describeViolations(await axe(page)), "");
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, `outbox-${tag}`);
      await page
        .getByRole("link", { name: new RegExp(`\\[${t.reference}\\] We received your request`) })
        .click();
      await page.getByRole("heading", { name: /We received your request/ }).waitFor();
      const frame = page.frameLocator("iframe.mail-preview");
      await frame.getByText("Track your request").waitFor();
      assert.equal(describeViolations(await axe(page)), "");
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, `outbox-email-${tag}`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    }
  });
});

describe("an invitation", { skip: skipReason }, () => {
  test("a new agent chooses a password on a phone and lands in the queue", async () => {
    const team = await makeTeam(s.env);
    const res = await s.env.app.inject({
      method: "POST",
      url: "/api/workspace/agents",
      headers: team.admin.headers,
      payload: { email: "newbie@team.test", name: "Noa Newbie", role: "agent" },
    });
    assert.equal(res.statusCode, 201);
    await deliverDueEmails(s.env.ctx, delivery);
    // The delivered email (an .eml file on the embedded default) has the link.
    const dir = path.join(s.env.ctx.config.dataDir, "mail");
    const eml = fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f)))
      .find((m) => /^To: .*newbie@team\.test/m.test(m.toString("latin1")));
    assert.ok(eml);
    const text = (await simpleParser(eml)).text ?? "";
    const link = /https:\/\/help\.acme\.test(\/app\/invite\?t=[A-Za-z0-9_-]+)/.exec(text)?.[1];
    assert.ok(link);
    const { context, page } = await newPage(s, { viewport: PHONE });
    await page.goto(link);
    await page.getByRole("heading", { name: "Welcome, Noa Newbie" }).waitFor();
    assert.equal(describeViolations(await axe(page)), "");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Save and sign in" }).click();
    await page.getByText("at least 10 characters").first().waitFor();
    await screenshot(page, "invitation-375-error");
    await page.getByLabel("Password").fill("a long enough password");
    await page.getByRole("button", { name: "Save and sign in" }).click();
    await page.waitForURL(/\/app$/);
    assert.match((await page.locator("header").textContent()) ?? "", /Noa Newbie/);
    assert.deepEqual(jsErrors(page), []);
    await context.close();
  });
});
