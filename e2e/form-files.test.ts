import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { taskWithForm } from "../src/server/forms/forms.test-support.ts";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import { checkPage, newPage, PHONE, type Served, serveForFile, skipReason } from "./support.ts";

// A task form's file field in Chromium at 375 px: a program named .pdf refused beside the field
// with what was typed kept, then the real file uploaded by the field's own button (the whole form
// posted as multipart), the answers submitted, and the copy linking the document.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const EXE = Buffer.from("MZ\x90\x00\x03\x00\x00\x00rest of a program");

let s: Served;
serveForFile((served) => {
  s = served;
});

async function signedIn(context: BrowserContext, cookie: string) {
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: s.base }]);
}

describe("a task form's file field in the browser", { skip: skipReason, concurrency: true }, () => {
  for (const dark of [false, true]) {
    const tag = `375-${dark ? "dark" : "light"}`;
    test(`at ${tag}: refused, uploaded, submitted, linked on the copy`, async () => {
      const team = await makeTeam(s.env);
      const created = await s.env.app.inject({
        method: "POST",
        url: "/api/workspace/forms",
        headers: team.admin.headers,
        payload: {
          name: "Paperwork",
          fields: [
            { key: "legal_name", label: "Legal name", type: "short_text", required: true },
            { key: "contract", label: "Signed contract", type: "file", required: true },
          ],
        },
      });
      const form = created.json() as { id: string };
      const otto = await makeCustomer(s.env, team.ws.id, { company: "Acme", name: "Otto Own" });
      const taskId = await taskWithForm(s.env, team.ws.id, otto.companyId as string, form.id);

      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await signedIn(context, otto.cookie);
      await page.goto(`/portal/${team.ws.slug}/onboarding/tasks/${taskId}/form`);
      await page.getByLabel("Legal name").fill("Acme Corp");
      await page.getByLabel("Signed contract", { exact: true }).setInputFiles({
        name: "contract.pdf",
        mimeType: "application/pdf",
        buffer: EXE,
      });
      await page.getByRole("button", { name: "Upload Signed contract" }).click();
      await page.locator("#q_contract-error").waitFor();
      assert.match((await page.locator("#q_contract-error").textContent()) ?? "", /contract\.pdf/);
      assert.equal(await page.getByLabel("Legal name").inputValue(), "Acme Corp");
      await checkPage(page, `form-files-error-${tag}`);

      await page.getByLabel("Signed contract", { exact: true }).setInputFiles({
        name: "contract.pdf",
        mimeType: "application/pdf",
        buffer: PDF,
      });
      await page.getByRole("button", { name: "Upload Signed contract" }).click();
      await page.getByText("File uploaded").waitFor();
      await page.getByRole("link", { name: "Signed contract" }).waitFor();
      assert.equal(await page.getByLabel("Legal name").inputValue(), "Acme Corp");
      await checkPage(page, `form-files-uploaded-${tag}`);

      await page.getByRole("button", { name: "Submit" }).click();
      await page.waitForURL(/\/form\/copy$/);
      const link = page.locator("main").getByRole("link", { name: "Signed contract" });
      assert.match((await link.getAttribute("href")) ?? "", /\/documents\/[^/]+\/download$/);
      await checkPage(page, `form-files-copy-${tag}`);
      await context.close();
    });
  }
});
