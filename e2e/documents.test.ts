import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { cookieName } from "../src/server/http/shared/cookies.ts";
import { makeCustomer, makeTeam } from "../src/server/test/factories.ts";
import {
  checkPage,
  DESK_LIGHT_PHONE_DARK,
  newPage,
  type Served,
  serveForFile,
  skipReason,
} from "./support.ts";

// Documents in Chromium: a published deliverable on the customer's home with its New badge, the
// documents page, an upload with the plain form (no script needed), and the agents' company
// documents page; each page checked with axe, at 375 px and in dark mode.

let s: Served;
serveForFile((served) => {
  s = served;
});

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

const check = (page: Page, name: string) => checkPage(page, name);

const runs = DESK_LIGHT_PHONE_DARK;

describe("documents", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: a deliverable on the home, the documents page, an upload, the agents' page`, async () => {
      const team = await makeTeam(s.env);
      const slug = team.ws.slug;
      const dana = await makeCustomer(s.env, team.ws.id, { company: "Globex", name: "Dana Scully" });
      const companyId = dana.companyId as string;
      const up = await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/companies/${companyId}/documents?name=brand.pdf&title=Brand%20guide&folder=Brand&publish=true`,
        headers: { ...team.agent.headers, "content-type": "application/octet-stream" },
        payload: PDF,
      });
      assert.equal(up.statusCode, 201, up.body);

      const { context, page } = await newPage(s, run);
      const host = new URL(s.base).hostname;
      await context.addCookies([
        {
          name: cookieName(s.env.ctx.config, "portico_customer"),
          value: dana.token,
          domain: host,
          path: "/",
        },
      ]);
      await page.goto(`/portal/${slug}/home`);
      const section = page.locator("section[aria-labelledby=documents-title]");
      await section.getByText("Brand guide").waitFor();
      assert.match((await section.textContent()) ?? "", /1 new since your last visit/);
      await check(page, `documents-home-${run.tag}`);

      await section.getByRole("link", { name: "All documents" }).click();
      await page.getByRole("heading", { name: "Documents", level: 1 }).waitFor();
      assert.ok(await page.locator(".badge-new").first().isVisible(), "the deliverable is new");
      await check(page, `documents-portal-${run.tag}`);

      await page.getByLabel("Title").fill("Tax form");
      await page.getByLabel("Folder").fill("Tax");
      await page
        .locator("#doc-file")
        .setInputFiles({ name: "w9.pdf", mimeType: "application/pdf", buffer: PDF });
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.getByText("Your document was uploaded.").waitFor();
      assert.ok(await page.getByRole("heading", { name: "Tax" }).isVisible());
      await check(page, `documents-uploaded-${run.tag}`);
      await context.close();

      const agent = await newPage(s, run);
      await agent.context.addCookies([
        {
          name: cookieName(s.env.ctx.config, "portico_session"),
          value: team.agent.cookie.split("=").slice(1).join("="),
          domain: host,
          path: "/",
        },
      ]);
      await agent.page.goto(`/app/companies/${companyId}/documents`);
      await agent.page.getByRole("heading", { name: "Documents of Globex" }).waitFor();
      assert.ok(
        await agent.page.getByText("Tax form").isVisible(),
        "the customer's upload reached the agents",
      );
      await check(agent.page, `documents-agent-${run.tag}`);
      await agent.context.close();
    });
  }
});
