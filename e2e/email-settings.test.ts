import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { simpleParser } from "mailparser";
import { systemActor } from "../src/server/actors.ts";
import { deliverDueEmails } from "../src/server/email/delivery.ts";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  axe,
  DESK_LIGHT_PHONE_DARK,
  DESKTOP,
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

// Customer emails in the browser: a request submitted from a German browser is confirmed by a
// German email (the .eml the embedded default writes, parsed), its time in the workspace's zone
// with the zone named; an admin rewords an email on Settings → Emails, at 1280 px and 375 px.

const delivery = systemActor("outbox delivery");
let s: Served;
serveForFile(
  (served) => {
    s = served;
  },
  { PUBLIC_URL: "https://help.acme.test", COOKIE_SECURE: "false" },
);

describe("customer emails", { skip: skipReason }, () => {
  test("submitted from a German browser: a German .eml with the zone named", async () => {
    const team = await makeTeam(s.env);
    await s.env.ctx.database.db
      .updateTable("workspaces")
      .set({ time_zone: "Europe/Berlin" })
      .where("id", "=", team.ws.id)
      .execute();
    await deliverDueEmails(s.env.ctx, delivery);
    const dir = path.join(s.env.ctx.config.dataDir, "mail");
    const seen = new Set(fs.existsSync(dir) ? fs.readdirSync(dir) : []);
    const { context, page } = await newPage(s, { viewport: PHONE });
    await context.setExtraHTTPHeaders({ "accept-language": "de-DE,de;q=0.9" });
    await page.goto(`/portal/${team.ws.slug}/submit`);
    await page.locator("#name").fill("Greta Kundin");
    await page.locator("#email").fill("greta@kunde.test");
    await page.locator("#subject").fill("Drucker klemmt");
    await page.locator("#description").fill("Seit heute früh Papierstau.");
    await page.locator("button[type=submit]").click();
    await page
      .locator("main")
      .getByText(/TKT-\d{4}/)
      .first()
      .waitFor();
    assert.deepEqual(jsErrors(page), []);
    await context.close();

    await deliverDueEmails(s.env.ctx, delivery);
    const fresh = fs.readdirSync(dir).filter((f) => f.endsWith(".eml") && !seen.has(f));
    const mails = await Promise.all(fresh.map((f) => simpleParser(fs.readFileSync(path.join(dir, f)))));
    const mail = mails.find((m) => m.to && JSON.stringify(m.to).includes("greta@kunde.test"));
    assert.ok(mail, "the confirmation was written");
    assert.match(mail.subject ?? "", /^\[TKT-\d{4}\] Wir haben Ihre Anfrage erhalten: Drucker klemmt$/);
    assert.match(mail.text ?? "", /Hallo Greta Kundin,/);
    assert.match(mail.text ?? "", /Eingegangen am .+ \d\d:\d\d (MEZ|MESZ)\./);
    assert.match(mail.text ?? "", /Seit heute früh Papierstau\./);
    assert.match(String(mail.html), /<html lang="de">/);
  });

  test("Settings → Emails at 1280 px light and 375 px dark: status, rewording with a refused placeholder, preview", async () => {
    const team = await makeTeam(s.env);
    for (const { viewport, dark, tag } of DESK_LIGHT_PHONE_DARK) {
      const { context, page } = await newPage(s, { viewport, dark });
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);
      await page.goto("/app/settings/emails?kind=ticket_confirmation&lang=de");
      await page.getByRole("heading", { name: "Emails", level: 1 }).waitFor();
      assert.match((await page.locator("main").textContent()) ?? "", /Not delivered/);
      assert.equal(describeViolations(await axe(page)), "");
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, `email-settings-${tag}`);
      if (viewport === DESKTOP) {
        await page.getByLabel("Subject").fill("{{ticket}} {{reference}}: {{agent}}");
        await page.getByRole("button", { name: "Save" }).click();
        await page.getByRole("alert").waitFor();
        assert.match(
          (await page.getByRole("alert").textContent()) ?? "",
          /unknown placeholder \{\{agent\}\}/,
        );
        await page.getByLabel("Subject").fill("{{ticket}} {{reference}} ist angekommen");
        await page.getByRole("button", { name: "Save" }).click();
        await page.getByRole("status").waitFor();
        assert.match((await page.locator("main").textContent()) ?? "", /Anfrage TKT-0042 ist angekommen/);
        const frame = page.frameLocator("iframe.mail-preview");
        await frame.getByText("Vielen Dank, dass Sie sich an").waitFor();
        await page.getByRole("button", { name: "Reset to default" }).click();
        await page.getByRole("status").waitFor();
        assert.match((await page.locator("main").textContent()) ?? "", /Wir haben Ihre Anfrage erhalten/);
      }
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    }
  });
});
