import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeTeam } from "../src/server/test/factories.ts";
import {
  axe,
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

// Files in the browser: a customer on a phone attaches files to a request and to a reply, sees
// a refused file explained before sending, and finds the chips on the tracking page; the agent
// sees the same chips in the ticket and attaches a file to a reply.

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

let s: Served;
serveForFile((served) => {
  s = served;
});

for (const dark of [false, true]) {
  const mode = dark ? "dark" : "light";
  describe(`attachments in the browser, ${mode}`, { skip: skipReason }, () => {
    test("attach on the submit form and in a reply at 375 px; chips on the tracking page and in the agent's ticket", async () => {
      const team = await makeTeam(s.env);
      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await page.goto(`/portal/${team.ws.slug}/submit`);
      await page.getByLabel("Name").fill("Casey Customer");
      await page.getByLabel("Email").fill("casey@customer.test");
      await page.getByLabel("Subject").fill("Screenshot of the error");
      await page.locator("#files-input").setInputFiles([
        { name: "error screen.png", mimeType: "image/png", buffer: PNG },
        { name: "console.log", mimeType: "text/plain", buffer: Buffer.from("TypeError: x is undefined\n") },
        { name: "setup.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ") },
      ]);
      await page.locator(".file-list li.ok").nth(1).waitFor();
      assert.match(
        (await page.locator(".file-list li.refused").textContent()) ?? "",
        /setup\.exe.*not accepted/s,
        "refused before sending, with the reason",
      );
      assert.equal(await overflowsHorizontally(page), false);
      assert.equal(describeViolations(await axe(page)), "");
      await screenshot(page, `files-submit-375-${mode}`);
      await page.getByRole("button", { name: "Submit request" }).click();
      await page.getByRole("link", { name: "Track request" }).click();
      await page.locator("#ticket-status").waitFor();
      const chips = page.locator("#conversation .attachments .chip");
      assert.equal(await chips.count(), 2);
      // Both uploaded at once, so either may come first.
      assert.match(
        (await chips.filter({ hasText: "error screen.png" }).textContent()) ?? "",
        /error screen\.png[\s\S]*70 B · PNG image/,
      );

      // The server refuses a spoofed file too, and says why, before the reply is sent.
      await page.locator("#body").fill("Here is the full log.");
      await page.locator("#files-input").setInputFiles([
        { name: "fake.png", mimeType: "image/png", buffer: Buffer.from("<html><script>alert(1)</script>") },
        { name: "full.log", mimeType: "text/plain", buffer: Buffer.from("line 1\nline 2\n") },
      ]);
      await page.locator(".file-list li.ok").waitFor();
      await page.locator(".file-list li.refused").waitFor();
      assert.match((await page.locator(".file-list li.refused").textContent()) ?? "", /fake\.png/);
      await page.getByRole("button", { name: "Send reply" }).click();
      await page.getByText("Your reply was sent.").waitFor();
      const last = page.locator("#conversation > li").last();
      assert.match((await last.locator(".chip").textContent()) ?? "", /full\.log/);
      assert.equal(await overflowsHorizontally(page), false);
      assert.equal(describeViolations(await axe(page)), "");
      await screenshot(page, `files-tracking-375-${mode}`);

      // The chip downloads the file.
      const download = page.waitForEvent("download");
      await last.locator(".chip").click();
      assert.equal((await download).suggestedFilename(), "full.log");
      assert.deepEqual(jsErrors(page), []);
      await context.close();

      // The agent sees the same files under the same messages and answers with one.
      const agent = await newPage(s, { viewport: DESKTOP, dark });
      const [name, value] = team.agent.cookie.split("=") as [string, string];
      await agent.context.addCookies([{ name, value, url: s.base }]);
      await agent.page.goto("/app/tickets/TKT-0001");
      const agentChips = agent.page.locator("#conversation .attachments .chip");
      await agentChips.first().waitFor();
      assert.equal(await agentChips.count(), 3);
      await agent.page.locator("#body").fill("Thanks, the fix is attached.");
      await agent.page
        .locator("#files-input")
        .setInputFiles([
          { name: "fix.csv", mimeType: "text/csv", buffer: Buffer.from("step,done\n1,yes\n") },
        ]);
      await agent.page.locator(".file-list li.ok").waitFor();
      await agent.page.getByRole("button", { name: "Send reply to customer" }).click();
      await agent.page.locator("#conversation .chip", { hasText: "fix.csv" }).waitFor();
      assert.equal(describeViolations(await axe(agent.page)), "");
      await screenshot(agent.page, `files-agent-ticket-1280-${mode}`);
      assert.deepEqual(jsErrors(agent.page), []);
      await agent.context.close();
    });
  });
}
