import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { fillLongConversation } from "../src/server/test/long-conversation.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  screenshot,
  serveForFile,
  skipReason,
} from "./support.ts";

// A ticket with a long conversation on the agents' page, in Chromium: the request and the newest
// 100 messages, a plain link to the older ones and back. 1280 px light and 375 px dark, axe clean.

let s: Served;
serveForFile((served) => {
  s = served;
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("a long conversation on the agents' ticket page", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: the newest messages, the older ones a link away, and back`, async () => {
      const team = await makeTeam(s.env);
      const ticket = await submitTicket(s.env, team.ws.slug, {
        subject: "The same question, asked many times",
        description: "The request itself",
      });
      // 130 messages (every tenth the team's) and a note after every seventh.
      await fillLongConversation(s.env, team.ws.id, ticket.reference, 130);

      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.agent.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto(`/app/tickets/${ticket.reference}`);
      const conversation = page.locator("#conversation");
      await conversation.getByText("message 129", { exact: true }).waitFor();
      assert.equal(await conversation.getByText("message 29", { exact: true }).count(), 0);
      assert.equal(await conversation.getByText("The request itself").count(), 1);
      await checkPage(page, `long-conversation-${run.tag}`);
      await screenshot(page, `long-conversation-${run.tag}`);

      // Keyboard: the link to the older messages is reached and followed without a mouse.
      const older = page.getByRole("link", { name: "Show older messages" });
      await older.focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(/before=/);
      await conversation.getByText("message 0", { exact: true }).waitFor();
      assert.equal(await conversation.getByText("message 129", { exact: true }).count(), 0);
      await checkPage(page, `long-conversation-older-${run.tag}`);
      await screenshot(page, `long-conversation-older-${run.tag}`);

      await page.getByRole("link", { name: "Back to the newest messages" }).click();
      await conversation.getByText("message 129", { exact: true }).waitFor();
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  }
});
