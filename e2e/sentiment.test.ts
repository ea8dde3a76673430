import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeCustomer, makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Sentiment in Chromium: the queue's markers (icon and word), its mood filter and sort, the
// ticket's mood line, Settings → Sentiment; and long unbroken strings (an email address as a
// contact's name, a 200-character subject without a space, a company name without one) that must
// not make the queue, a ticket, the contacts or the companies scroll sideways.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

const LONG_NAME =
  "averyveryverylong.firstname.lastname.department.subsidiary@customer-company-with-a-long-domain.example";
const LONG_SUBJECT = `Invoice_${"x0".repeat(96)}`;
const LONG_COMPANY = `Incorporated${"Holdings".repeat(12)}`;

describe("sentiment and long strings", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: markers, filter and sort, the ticket's mood, the setting, no sideways scrolling`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const { context, page } = await newPage(s, run);
      const [name, value] = team.admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.base }]);

      const long = await makeCustomer(s.env, team.ws.id, {
        company: LONG_COMPANY,
        name: LONG_NAME,
        email: `${LONG_NAME.slice(0, 40)}@x.example`,
      });
      await submitTicket(
        s.env,
        slug,
        { subject: LONG_SUBJECT, description: "Where is my invoice?" },
        long.headers,
      );
      const angry = await submitTicket(s.env, slug, {
        subject: "Third time asking",
        description: "Nobody answers. Your product is broken and useless, I'm furious and disappointed.",
        email: "vera@angry.example",
        name: "Vera Angry",
      });
      await submitTicket(s.env, slug, {
        subject: "Checkout",
        description: "Our checkout is down, please call me immediately",
        email: "ulf@urgent.example",
        name: "Ulf Urgent",
      });
      await submitTicket(s.env, slug, {
        subject: "Thanks",
        description: "Thank you so much, great support!",
        email: "hana@happy.example",
        name: "Hana Happy",
      });

      // The queue: a marker is an icon and a word.
      await page.goto("/app");
      await page.getByRole("heading", { name: "Queue" }).waitFor();
      const angryRow = page.locator("tr[data-row]", { hasText: "Third time asking" });
      await angryRow.locator(".mood-marker", { hasText: "Angry" }).waitFor();
      assert.equal(await angryRow.locator(".mood-marker svg").count(), 1);
      await page
        .locator("tr[data-row]", { hasText: "Checkout" })
        .locator(".mood-marker", { hasText: "Urgent" })
        .waitFor();
      assert.equal(
        await page.locator("tr[data-row]", { hasText: "Thanks" }).locator(".mood-marker").count(),
        0,
      );
      await checkPage(page, `sentiment-queue-${run.tag}`);

      // Filter by mood, most negative first.
      await page.getByLabel("Mood").selectOption("negative");
      await page.getByLabel("Sort").selectOption("sentiment");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/mood=negative/);
      assert.deepEqual(await page.locator("tr[data-row] .ref").allTextContents(), [angry.reference]);

      // The ticket: its mood line.
      await page.goto(`/app/tickets/${angry.reference}`);
      await page.locator(".mood-line").getByText("very negative").waitFor();
      await checkPage(page, `sentiment-ticket-${run.tag}`);

      // Long strings on the ticket, the contacts, the companies.
      await page.goto("/app?status=any");
      await page.locator("tr[data-row]", { hasText: LONG_SUBJECT.slice(0, 20) }).waitFor();
      await page
        .locator("tr[data-row]", { hasText: LONG_SUBJECT.slice(0, 20) })
        .getByRole("link")
        .first()
        .click();
      await page.getByRole("heading", { level: 1 }).waitFor();
      await checkPage(page, `long-ticket-${run.tag}`);
      await page.goto("/app/contacts");
      await checkPage(page, `long-contacts-${run.tag}`);
      await page.goto(`/app/contacts/${long.contactId}`);
      await checkPage(page, `long-contact-${run.tag}`);
      await page.goto("/app/companies");
      await checkPage(page, `long-companies-${run.tag}`);
      await page.getByRole("link", { name: LONG_COMPANY }).click();
      await page.getByRole("heading", { level: 1 }).waitFor();
      await checkPage(page, `long-company-${run.tag}`);

      // Settings → Sentiment: raise to Urgent.
      await page.goto("/app/settings/sentiment");
      await page.getByLabel("Raise it to Urgent").check();
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("status").getByText("Sentiment rule saved").waitFor();
      assert.equal(await page.getByLabel("Raise it to Urgent").isChecked(), true);
      await checkPage(page, `sentiment-settings-${run.tag}`);
      await context.close();
    });
  }
});
