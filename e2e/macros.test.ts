import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  jsErrors,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Writing faster in Chromium: an agent picks a macro by keyboard in the ticket's reply box (its
// text filled for this customer at the cursor; sending sets the macro's status and priority),
// then writes an article whose preview follows the Markdown as it is typed. 1280 px light and
// 375 px dark, axe clean.

let s: Served;
serveForFile((served) => {
  s = served;
});

const SHOTS = "/tmp/shots-macros";
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const runs = DESK_LIGHT_PHONE_DARK;

describe("macros and the KB editor", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: a macro into a reply, and the live article preview`, async () => {
      fs.mkdirSync(SHOTS, { recursive: true });
      const team = await makeTeam(s.env);
      const ticket = await submitTicket(s.env, team.ws.slug, {
        name: "Dana Scully",
        email: `dana-${run.tag}@customer.test`,
        subject: "VPN drops every hour",
      });
      const made = await s.env.app.inject({
        method: "POST",
        url: "/api/workspace/macros",
        headers: team.agent.headers,
        payload: {
          name: "Ask for logs",
          body: "Hello {{customer.first_name}}, could you send the logs for {{ticket.reference}}?",
          setStatus: "waiting",
          setPriority: "high",
          shared: true,
        },
      });
      assert.equal(made.statusCode, 201, made.body);

      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.agent.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto(`/app/tickets/${ticket.reference}`);
      const body = page.locator("#body");
      await body.fill("Thanks for writing. ");
      const search = page.locator("#macro-search");
      await search.focus();
      await search.pressSequentially("logs");
      await page.locator("#macro-options [role=option]", { hasText: "Ask for logs" }).waitFor();
      await search.press("Enter");
      await page.waitForFunction(() =>
        (document.getElementById("body") as HTMLTextAreaElement).value.includes("logs for"),
      );
      assert.equal(
        await body.inputValue(),
        `Thanks for writing. Hello Dana, could you send the logs for ${ticket.reference}?`,
      );
      await page.locator("[data-tools-status]", { hasText: "Sending sets the status to Waiting" }).waitFor();
      await checkPage(page, `macros-ticket-${run.tag}`);
      await page.screenshot({ path: `${SHOTS}/ticket-${run.tag}.png`, fullPage: true });
      await page.locator("button.send").click();
      await page.waitForURL(/done=reply/);
      const detail = (
        await s.env.app.inject({
          url: `/api/workspace/tickets/${ticket.reference}`,
          headers: team.agent.headers,
        })
      ).json() as { status: string; priority: string };
      assert.deepEqual([detail.status, detail.priority], ["waiting", "high"]);

      await page.goto("/app/kb/new");
      await page.locator("#title").fill("Reset the VPN");
      await page.locator("#body").fill("Open **Settings**, then");
      await page.locator("[data-preview-target] strong", { hasText: "Settings" }).waitFor();
      await page.locator("#body").pressSequentially(" choose *Network*.");
      await page.locator("[data-preview-target] em", { hasText: "Network" }).waitFor();
      // An image pasted into the Markdown: uploaded, inserted at the cursor, shown by the preview.
      await page.locator("#body").evaluate((area, b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], "vpn settings.png", { type: "image/png" }));
        area.dispatchEvent(
          new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
        );
      }, PNG_BASE64);
      await page.locator("[data-upload-status]", { hasText: "vpn settings.png uploaded." }).waitFor();
      assert.match(
        await page.locator("#body").inputValue(),
        /\*Network\*\.!\[vpn settings\]\(\/portal\/[^/]+\/kb\/images\/[0-9a-f-]{36}\)$/,
      );
      const img = page.locator('[data-preview-target] img[alt="vpn settings"]');
      await img.waitFor();
      await page.waitForFunction(
        () =>
          (document.querySelector("[data-preview-target] img") as HTMLImageElement | null)?.naturalWidth ===
          1,
      );
      await checkPage(page, `macros-kb-editor-${run.tag}`);
      await page.screenshot({ path: `${SHOTS}/kb-editor-${run.tag}.png`, fullPage: true });
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  }
});
