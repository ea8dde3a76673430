import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// A ticket handed over by a chatbot, as an agent reads it in Chromium: the customer's messages
// as the conversation, the bot's transcript, steps and the customer's health as one internal
// note. 1280 px light and 375 px dark, axe clean, screenshots to look at.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("bot handover on the ticket page", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: the handed-over ticket reads well`, async () => {
      const team = await makeTeam(s.env);
      const res = await s.env.app.inject({
        method: "POST",
        url: "/api/workspace/handovers",
        headers: team.agent.headers,
        payload: {
          customer: { email: `noor-${run.tag}@customer.test`, name: "Noor Haddad" },
          source: "Ava",
          conversationId: `conv-${run.tag}`,
          transcript: [
            { from: "bot", text: "Hi, I am Ava. How can I help?", at: "2026-12-06T09:00:00Z" },
            {
              from: "customer",
              text: "My November invoice charges two seats.\nWe only have one since October.",
              at: "2026-12-06T09:00:20Z",
            },
            {
              from: "bot",
              text: "I see two seats on the plan. Did you remove one in October?",
              at: "2026-12-06T09:00:30Z",
            },
            {
              from: "customer",
              text: "Yes, on 3 October. This is the second time, I am annoyed.",
              at: "2026-12-06T09:01:10Z",
            },
            {
              from: "bot",
              text: "I cannot change invoices. I will hand you over to the billing team.",
              at: "2026-12-06T09:01:30Z",
            },
          ],
          attemptedSteps: ["Looked up the plan: 2 seats", "Sent the article “Changing seats”"],
          summary: "Billed for two seats after removing one on 3 October; wants a corrected invoice.",
          priority: "high",
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      const r = res.json() as { ticket: { reference: string } };

      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.agent.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto(`/app/tickets/${r.ticket.reference}`);
      const note = page.locator("#conversation li.internal");
      assert.equal(await note.count(), 1);
      await note.getByText("Handed over by Ava").waitFor();
      assert.match((await note.textContent()) ?? "", /Steps Ava tried:• Looked up the plan/);
      assert.match((await page.locator(".ticket-head").textContent()) ?? "", /via chat/);
      await checkPage(page, `handover-ticket-${run.tag}`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  }
});
