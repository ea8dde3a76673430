import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cookieName } from "../src/server/http/shared/cookies.ts";
import { makeCustomer, makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// A French customer in Chromium (an English browser): the signed-in portal in French at 375 px,
// light and dark, with times in the zone chosen on their account (Toronto); then switching to German on
// the account page.

let s: Served;
serveForFile((served) => {
  s = served;
});

const ZONE = "America/Toronto";

describe("the signed-in portal in French", { skip: skipReason, concurrency: true }, () => {
  for (const dark of [false, true]) {
    const tag = dark ? "375-dark" : "375-light";
    test(`at ${tag}: home, requests, a request and the account in French, times in the account's zone`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const amelie = await makeCustomer(s.env, team.ws.id, { company: "Globex", name: "Amélie Poulain" });
      const mine = await submitTicket(
        s.env,
        slug,
        { subject: "Le VPN se coupe toutes les heures", description: "Depuis lundi." },
        amelie.headers,
      );
      await s.env.ctx.database.db
        .updateTable("contacts")
        .set({ locale: "fr", time_zone: ZONE })
        .where("id", "=", amelie.contactId)
        .execute();

      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await context.setExtraHTTPHeaders({ "accept-language": "en-US,en;q=0.9" });
      const [name, value] = amelie.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      await page.goto(`/portal/${slug}/home`);
      assert.equal(await page.getAttribute("html", "lang"), "fr");
      assert.equal(await page.locator("h1").textContent(), "Bienvenue, Amélie Poulain");
      await page.getByRole("heading", { name: "Demandes ouvertes" }).waitFor();
      await page.getByText("1 demande ouverte").waitFor();
      // The time is written in Toronto's zone, by the server and again by time.js (in the page's
      // language or the browser's: time.js speaks the one, the zone is the account's either way).
      const time = page.locator("time[data-zone]").first();
      const shown = await time.evaluate((el) => {
        const inZone = (locale: string) =>
          new Intl.DateTimeFormat(locale, {
            dateStyle: "medium",
            timeStyle: "short",
            timeZone: (el as HTMLElement).dataset.zone ?? "UTC",
          }).format(new Date(el.getAttribute("datetime") as string));
        return {
          text: el.textContent,
          zone: (el as HTMLElement).dataset.zone,
          expected: [inZone(document.documentElement.lang), inZone(navigator.language)],
        };
      });
      assert.equal(shown.zone, ZONE);
      assert.ok(shown.expected.includes(shown.text as string), `${shown.text} is in ${ZONE}`);
      await checkPage(page, `portal-fr-home-${tag}`);

      await page.getByRole("link", { name: "Demandes", exact: true }).first().click();
      await page.waitForURL(/\/requests$/);
      assert.equal(await page.locator("h1").textContent(), "Demandes");
      await checkPage(page, `portal-fr-requests-${tag}`);

      await page.getByRole("link", { name: /Le VPN se coupe/ }).click();
      await page.waitForURL(new RegExp(`/requests/${mine.reference}$`));
      await page.getByLabel("Votre réponse").waitFor();
      await page.getByRole("button", { name: "Envoyer la réponse" }).waitFor();
      await checkPage(page, `portal-fr-request-${tag}`);

      await page.goto(`/portal/${slug}/account`);
      assert.equal(await page.locator("h1").textContent(), "Votre compte");
      assert.equal(await page.locator("main").getByLabel("Langue", { exact: true }).inputValue(), "fr");
      assert.equal(await page.getByLabel("Fuseau horaire", { exact: true }).inputValue(), ZONE);
      await checkPage(page, `portal-fr-account-${tag}`);

      // To German by the keyboard: the language's select, then its form's button.
      await page.locator("main").getByLabel("Langue", { exact: true }).selectOption("de");
      await page.getByRole("button", { name: "Enregistrer la langue et le fuseau horaire" }).press("Enter");
      await page.waitForURL(/saved=preferences/);
      assert.equal(await page.getAttribute("html", "lang"), "de");
      assert.equal(await page.locator("h1").textContent(), "Ihr Konto");
      await page.getByText("Ihre Sprache und Zeitzone sind gespeichert.").waitFor();
      const lang = (await context.cookies()).find(
        (c) => c.name === cookieName(s.env.ctx.config, "portico_lang"),
      );
      assert.equal(lang?.value, "de");
      await checkPage(page, `portal-de-account-${tag}`);
      await context.close();
    });
  }
});
