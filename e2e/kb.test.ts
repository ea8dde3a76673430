import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
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
  serve,
  skipReason,
} from "./support.ts";

// The knowledge base in Chromium: a customer on a phone (light and dark) searches with a typo,
// reads an article, says it did not help; on the submit form suggestions appear while typing,
// one is opened, the customer comes back, dismisses them and submits. An agent at a desk writes
// an article with a preview, publishes it and sees the counts and the searches that found nothing.

let s: Served;
let team: Awaited<ReturnType<typeof makeTeam>>;

before(async () => {
  if (skipReason) return;
  s = await serve();
  team = await makeTeam(s.env);
  const api = (method: "POST" | "PATCH", url: string, payload: object) =>
    s.env.app.inject({ method, url: `/api/workspace${url}`, headers: team.admin.headers, payload });
  const account = (
    await api("POST", "/kb/categories", { name: "Your account", description: "Signing in and security" })
  ).json() as { id: string };
  const billing = (await api("POST", "/kb/categories", { name: "Billing" })).json() as { id: string };
  const articles = [
    {
      title: "Reset your password",
      categoryId: account.id,
      body: "If you forgot your password:\n\n1. Open the **sign-in** page.\n2. Choose *Forgot password*.\n3. Follow the link we email you.\n\n> The link works for one hour.\n\n```\nhttps://example.com/reset\n```\n\nStill stuck? See [our status page](https://status.example.com).",
    },
    { title: "Turn on two-factor authentication", categoryId: account.id, body: "Use an authenticator app." },
    { title: "Download invoices", categoryId: billing.id, body: "Invoices are under Billing, as PDF files." },
    {
      title: "Change the card we charge",
      categoryId: billing.id,
      body: "Update the payment card under Billing.",
    },
  ];
  for (const a of articles) {
    const res = await api("POST", "/kb/articles", { ...a, status: "published", tags: [] });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(async () => {
  await s?.close();
});

async function clean(page: Page, name: string): Promise<void> {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  await screenshot(page, name);
}

for (const dark of [false, true]) {
  const mode = dark ? "dark" : "light";
  describe(`the knowledge base at 375 px, ${mode}`, { skip: skipReason }, () => {
    test("home, search with a typo, article, not helpful with a comment", async () => {
      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await page.goto(`/portal/${team.ws.slug}/kb`);
      await page.getByRole("heading", { name: "How can we help?" }).waitFor();
      assert.equal(await page.getByRole("link", { name: "Your account" }).count(), 1);
      await clean(page, `kb-home-375-${mode}`);

      await page.getByLabel("Search help articles").fill("pasword");
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL(/\/kb\/search\?q=pasword/);
      const first = page.locator(".kb-results li a").first();
      assert.equal(await first.textContent(), "Reset your password");
      await clean(page, `kb-search-375-${mode}`);

      await first.click();
      await page.getByRole("heading", { name: "Reset your password", level: 1 }).waitFor();
      await clean(page, `kb-article-375-${mode}`);
      await page.getByRole("button", { name: "No" }).click();
      await page.getByLabel(/What were you looking for/).fill("How long the link lasts");
      await clean(page, `kb-feedback-375-${mode}`);
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByText("We will use that to improve this article").waitFor();

      // A search that finds nothing: the guidance, and the way to a request with the subject filled in.
      await page.goto(`/portal/${team.ws.slug}/kb/search?q=${encodeURIComponent(`refund policy ${mode}`)}`);
      await page.getByText("We could not find an article").waitFor();
      await clean(page, `kb-search-empty-375-${mode}`);
      await page.getByRole("link", { name: "Create a request" }).click();
      await page.waitForURL(/\/submit\?subject=/);
      assert.equal(await page.locator("#subject").inputValue(), `refund policy ${mode}`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });

    test("suggestions while typing the subject: open one, come back, dismiss, submit", async () => {
      const { context, page } = await newPage(s, { viewport: PHONE, dark });
      await page.goto(`/portal/${team.ws.slug}/submit`);
      const visit = await page.locator("input[name=kb_visit_id]").inputValue();
      await page.getByLabel("Subject").pressSequentially("cannot download inv", { delay: 20 });
      const panel = page.getByRole("region", { name: "Suggested help articles" });
      await panel.getByRole("link", { name: "Download invoices" }).waitFor();
      assert.equal(await panel.getAttribute("aria-live"), "polite");
      await clean(page, `kb-suggestions-375-${mode}`);
      await panel.getByRole("link", { name: "Download invoices" }).click();
      await page.getByRole("heading", { name: "Download invoices", level: 1 }).waitFor();
      await page.goBack();
      await page.getByLabel("Subject").waitFor();
      assert.equal(await page.locator("input[name=kb_visit_id]").inputValue(), visit, "the same visit");
      await page.getByLabel("Subject").fill("");
      await page.getByLabel("Subject").pressSequentially("invoice missing", { delay: 20 });
      await panel.getByRole("button", { name: "Dismiss suggestions" }).click();
      assert.equal(await panel.locator("a").count(), 0);
      await page.getByLabel("Name").fill("Casey Customer");
      await page.getByLabel("Email").fill("casey@customer.test");
      await page.getByRole("button", { name: "Submit request" }).click();
      await page.getByRole("heading", { name: "Request received" }).waitFor();
      const types = (
        await s.env.ctx.database.db
          .selectFrom("kb_deflection_events")
          .select("type")
          .where("visit_id", "=", visit)
          .execute()
      ).map((r) => r.type);
      for (const type of ["shown", "clicked", "dismissed", "submitted"]) {
        assert.ok(types.includes(type as never), `${type} in ${types.join(",")}`);
      }
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    });
  });
}

describe("the knowledge base for agents at 1280 px", { skip: skipReason }, () => {
  test("write with a preview, publish, see counts and the searches that found nothing", async () => {
    for (const dark of [false, true]) {
      const mode = dark ? "dark" : "light";
      const { context, page } = await newPage(s, { viewport: DESKTOP, dark });
      await context.addCookies([
        { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto("/app/kb");
      await page.getByRole("heading", { name: "Knowledge base" }).waitFor();
      assert.match(
        (await page.locator("table").textContent()) ?? "",
        /Reset your password\s+Published\s+Public\s+Your account\s+0 yes · [1-9] no/,
      );
      await clean(page, `kb-app-list-1280-${mode}`);
      await page.getByRole("link", { name: "New article" }).click();
      const title = `Export your data (${mode})`;
      await page.getByLabel("Title", { exact: true }).fill(title);
      await page.getByLabel("Category").selectOption({ label: "Your account" });
      await page.getByLabel("Body").fill("Exports are **CSV** files.\n\n- one\n- two");
      await page.getByRole("button", { name: "Preview" }).click();
      const preview = page.getByRole("region", { name: "Preview" });
      await preview.locator("strong", { hasText: "CSV" }).waitFor();
      await clean(page, `kb-app-editor-1280-${mode}`);
      await page.getByLabel("Status").selectOption("published");
      await page.getByRole("button", { name: "Create article" }).click();
      await page.getByRole("heading", { name: "Edit article" }).waitFor();
      await page.getByRole("link", { name: "View on the portal" }).waitFor();

      await page.goto("/app/kb/categories");
      await clean(page, `kb-app-categories-1280-${mode}`);
      await page.goto("/app/kb/insights");
      await page.getByRole("cell", { name: `refund policy ${mode}` }).waitFor();
      await clean(page, `kb-app-insights-1280-${mode}`);
      assert.deepEqual(jsErrors(page), []);
      await context.close();
    }
  });
});
