import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { makeWorkspace } from "../src/server/test/factories.ts";
import {
  axe,
  describeViolations,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// A German and a French customer, each with their browser's language and time zone, submit a
// request and track it: the pages speak their language, and times are in their zone and words.

let s: Served;
serveForFile((served) => {
  s = served;
});

const READERS = [
  {
    locale: "de-DE",
    timezoneId: "Europe/Berlin",
    lang: "de",
    submitTitle: "Anfrage einreichen",
    send: "Anfrage absenden",
    required: "„Betreff“ ist ein Pflichtfeld",
    received: "Anfrage eingegangen",
    track: "Anfrage verfolgen",
    open: "Offen",
    refused: "„tool.exe“ wird nicht angenommen",
    count: "0 / 5.000 Zeichen",
    other: { lang: "fr", name: "Français", heading: "Envoyer une demande" },
  },
  {
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    lang: "fr",
    submitTitle: "Envoyer une demande",
    send: "Envoyer la demande",
    required: "Le champ « Objet » est obligatoire",
    received: "Demande reçue",
    track: "Suivre la demande",
    open: "Ouvert",
    refused: "« tool.exe » n’est pas accepté",
    count: "0 / 5\u202f000 caractères",
    other: { lang: "de", name: "Deutsch", heading: "Anfrage einreichen" },
  },
] as const;

/** The page's state at 375 px: no sideways scroll, no axe violation, a screenshot to look at. */
async function checked(page: Page, name: string) {
  assert.equal(await overflowsHorizontally(page), false, `${name}: no sideways scroll`);
  assert.deepEqual(describeViolations(await axe(page)), "", `${name}: axe`);
  await screenshot(page, name);
}

describe("the portal in the reader's language", { skip: skipReason }, () => {
  for (const r of READERS) {
    test(`${r.locale} in ${r.timezoneId}: submit, track, local times, switch language`, async () => {
      const ws = await makeWorkspace(s.env);
      const context = await s.browser.newContext({
        viewport: PHONE,
        locale: r.locale,
        timezoneId: r.timezoneId,
        baseURL: s.base,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      try {
        await page.goto(`/portal/${ws.slug}/submit`);
        assert.equal(await page.evaluate(() => document.documentElement.lang), r.lang);
        assert.equal(await page.locator("h1").textContent(), r.submitTitle);
        // portal.js writes the count in the page's words and number format.
        assert.equal(await page.locator("#description-count").textContent(), r.count);
        await checked(page, `languages-submit-${r.lang}`);

        // files.js refuses a file in the page's language.
        await page.locator("#files-input").setInputFiles({
          name: "tool.exe",
          mimeType: "application/octet-stream",
          buffer: Buffer.from("MZ"),
        });
        assert.match(
          (await page.locator(".file-list .file-state").textContent()) ?? "",
          new RegExp(r.refused),
        );
        await page.locator(".file-remove").click();

        // The check before sending speaks the page's language too.
        await page.locator("#name").fill("Kim Kunde");
        await page.locator("#email").fill(`kim-${r.lang}@customer.test`);
        await page.getByRole("button", { name: r.send }).click();
        await page.locator(".error-summary").waitFor();
        assert.match((await page.locator(".error-summary").textContent()) ?? "", new RegExp(r.required));

        await page.locator("#subject").fill(r.lang === "de" ? "Drucker brennt" : "L’imprimante brûle");
        await page.getByRole("button", { name: r.send }).click();
        await page.locator(".big-reference").waitFor();
        assert.equal(await page.locator("h1").textContent(), r.received);
        await checked(page, `languages-received-${r.lang}`);

        await page.getByRole("link", { name: r.track }).click();
        await page.locator("#ticket-status").waitFor();
        assert.equal(await page.locator("#ticket-status").textContent(), r.open);
        // The opening time: the exact moment in the reader's zone, in their language's format.
        const time = page.locator(".ticket-head time");
        const iso = (await time.getAttribute("datetime")) as string;
        const expected = new Intl.DateTimeFormat(r.locale, {
          dateStyle: "medium",
          timeStyle: "short",
          timeZone: r.timezoneId,
        }).format(new Date(iso));
        await page.waitForFunction(() =>
          document.querySelector(".ticket-head time")?.hasAttribute("data-local"),
        );
        assert.equal(await time.textContent(), expected);
        assert.match((await time.getAttribute("title")) ?? "", / UTC$/, "the UTC text stays as its title");
        await checked(page, `languages-tracking-${r.lang}`);

        // The switcher in the footer: the other language, back on the same page.
        const before = page.url();
        await page.locator("#portal-language").selectOption(r.other.lang);
        await page.locator(".language-switcher button").click();
        await page.waitForLoadState("load");
        assert.equal(page.url(), before);
        assert.equal(await page.evaluate(() => document.documentElement.lang), r.other.lang);
        await page.goto(`/portal/${ws.slug}/submit`);
        assert.equal(await page.locator("h1").textContent(), r.other.heading);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }
});
