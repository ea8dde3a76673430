import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import type { Frame, Page } from "playwright-core";
import { makeTeam } from "../src/server/test/factories.ts";
import { type HostSite, startHostSite } from "./host-page.ts";
import {
  checkPage,
  DESKTOP,
  describeViolations,
  jsErrors,
  newPage,
  PHONE,
  SCREENSHOTS,
  type Served,
  screenshot,
  serve,
  skipReason,
} from "./support.ts";

// The floating widget on a customer's own site (another origin): the one script line, the host's
// own aggressive styles, once under a strict host CSP. Opened by keyboard, an article found and
// read inside the panel, suggestions as the subject is typed, a request sent with a file (its
// progress, then the reference), the request under "Your recent requests" (also after reloading
// the host page), Escape closing the panel with focus back on the launcher; axe inside the panel;
// no CSP violation and no script error. 1280 px light, 375 px dark (with a strict CSP that also
// requires Trusted Types).

let s: Served;
let site: HostSite;
before(async () => {
  if (skipReason) return;
  s = await serve();
  site = await startHostSite();
});
after(async () => {
  await site?.close();
  await s?.close();
});

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

// A host page that tries hard to break whatever it is given.
const HOSTILE_CSS = `* { all: unset; font-size: 28px !important; color: #c00 !important; }
html, body, div, p, h1 { display: block; }
button { display: none !important; }
iframe { width: 10px !important; height: 10px !important; opacity: .2 !important; }
portico-widget, [role=dialog] { display: none !important; }`;

const hostPage = (scriptSrc: string, attrs = "") => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme shop</title><link rel="stylesheet" href="/site.css"></head>
<body><h1>Acme shop</h1><p>Our products are great.</p><a href="#top">A link of the host</a>
<script src="${scriptSrc}"${attrs} async></script>
</body></html>`;

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
async function axeIn(frame: Frame) {
  await frame.evaluate(`${axeSource}\n;0`);
  const result = (await frame.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
    };
    return w.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
  })) as { violations: Parameters<typeof describeViolations>[0] };
  return describeViolations(result.violations);
}

const panelFrame = async (page: Page): Promise<Frame> => {
  const handle = await page.locator("portico-widget iframe").elementHandle();
  const frame = await handle?.contentFrame();
  assert.ok(frame, "the panel's frame");
  return frame;
};

const runs = [
  { viewport: DESKTOP, dark: false, csp: false, tag: "1280-light", attrs: "", label: "Help", left: false },
  {
    viewport: PHONE,
    dark: true,
    csp: true,
    tag: "375-dark-strict-csp",
    attrs: ' data-label="Questions?" data-position="left"',
    label: "Questions?",
    left: true,
  },
];

describe("the floating widget on another site", { skip: skipReason }, () => {
  for (const run of runs) {
    test(`at ${run.tag}: find an article, send a request with a file, see it in recent requests`, async () => {
      const team = await makeTeam(s.env);
      const api = async (url: string, payload: object) => {
        const res = await s.env.app.inject({ method: "POST", url, headers: team.admin.headers, payload });
        assert.ok(res.statusCode < 300, res.body);
        return res.json();
      };
      const category = await api("/api/workspace/kb/categories", { name: "Printers" });
      await api("/api/workspace/kb/articles", {
        title: "Printer paper jams",
        body: "Open the **back tray** and pull the sheet out gently.\n\nThen press *Resume*.",
        categoryId: category.id,
        status: "published",
        visibility: "public",
      });
      const loader = `${s.base}/portal/${team.ws.slug}/widget.js`;
      const path = `/shop-${run.tag}`;
      site.set("/site.css", { html: HOSTILE_CSS, headers: { "content-type": "text/css" } });
      site.set(path, {
        html: hostPage(loader, run.attrs),
        headers: run.csp
          ? {
              "content-security-policy": `default-src 'self'; script-src 'self' ${s.base}; frame-src ${s.base}; style-src 'self'; require-trusted-types-for 'script'`,
            }
          : {},
      });

      const { page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await page.goto(`${site.origin}${path}`);
      const launcher = page.locator("portico-widget button");
      await launcher.waitFor();
      assert.equal(await launcher.getAttribute("aria-expanded"), "false");
      assert.equal((await launcher.textContent())?.trim(), run.label, "the label, or the script tag's own");
      assert.deepEqual(
        await page.evaluate(() => Object.keys(window).filter((k) => /portico/i.test(k))),
        ["PorticoWidget"],
        "one global",
      );
      // Nothing of the panel before the launcher is opened.
      assert.equal(await page.locator("portico-widget iframe").count(), 0);
      const box = await launcher.boundingBox();
      assert.ok(box && box.width > 40 && box.height >= 44, "the launcher shows despite the host's styles");
      assert.equal(box.x < run.viewport.width / 2, run.left, "in its corner");
      await screenshot(page, `widget-${run.tag}-closed`);

      // Opened by keyboard: Tab from the host's own link to the launcher, then Enter.
      await page.locator("a").focus();
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), "PORTICO-WIDGET");
      await page.keyboard.press("Enter");
      assert.equal(await launcher.getAttribute("aria-expanded"), "true");
      const frame = await panelFrame(page);
      await frame.locator("#w-q").waitFor();
      await frame.waitForFunction(() => document.activeElement?.id === "w-q");
      const size = await page.locator("portico-widget [role=dialog]").boundingBox();
      assert.ok(size, "the panel shows");
      if (run.viewport === PHONE) {
        // To the pixel: layout may land a hair off a whole pixel (811.99999…).
        assert.deepEqual(
          [Math.round(size.width), Math.round(size.height)],
          [PHONE.width, PHONE.height],
          "the panel takes the screen",
        );
      } else assert.ok(size.width >= 360 && size.height >= 500, `panel ${size.width}×${size.height}`);
      assert.equal(
        await frame.evaluate(() => document.documentElement.className),
        run.dark ? "dark" : "light",
        "the host's preference",
      );

      // Search, and the article read inside the panel.
      await page.keyboard.type("paper jam");
      await page.keyboard.press("Enter");
      await frame.getByText("Articles found: 1.").waitFor();
      await frame.getByRole("button", { name: "Printer paper jams" }).click();
      await frame.locator("#w-article-body strong", { hasText: "back tray" }).waitFor();
      assert.equal(await frame.evaluate(() => document.activeElement?.id), "w-article-title");
      assert.equal(await axeIn(frame), "", "axe on the article");
      await screenshot(page, `widget-${run.tag}-article`);
      await frame.locator("#v-article [data-back]").click();

      // The form: suggestions while the subject is typed, then a file with its progress.
      await frame.getByRole("button", { name: "Send us a request" }).click();
      await frame.getByLabel("Your name").fill("Casey Customer");
      await frame.getByLabel("Your email").fill(`casey-${run.tag}@customer.test`);
      await frame.getByLabel("Subject").pressSequentially("printer paper", { delay: 20 });
      await frame.getByText("These articles may answer your question").waitFor();
      await frame.locator("#w-suggest").getByRole("button", { name: "Printer paper jams" }).waitFor();
      await frame.getByLabel("Describe the problem").fill("It jams on every page.");
      await frame
        .locator("#w-files")
        .setInputFiles([{ name: "jam.png", mimeType: "image/png", buffer: PNG }]);
      await frame.locator("#w-file-list progress").waitFor({ state: "attached" });
      await frame.getByText("jam.png attached.", { exact: false }).first().waitFor();
      assert.equal(await axeIn(frame), "", "axe on the form");
      await screenshot(page, `widget-${run.tag}-form`);
      await frame.getByRole("button", { name: "Send request" }).click();
      await frame.getByRole("heading", { name: "Request received" }).waitFor();
      const reference = (await frame.locator("#w-ref").textContent())?.trim() ?? "";
      assert.match(reference, /^[A-Z]+-\d+$/);
      const ticket = await s.env.app.inject({
        url: `/api/workspace/tickets/${reference}`,
        headers: team.agent.headers,
      });
      assert.equal(ticket.statusCode, 200, ticket.body);
      assert.equal(ticket.json().attachments.length, 1, "the file came with the request");
      assert.equal(await frame.locator("#w-track").getAttribute("target"), "_blank");
      // The suggestions shown and the request sent are logged under one visit, like the submit page's.
      const events = await s.env.ctx.database.db
        .selectFrom("kb_deflection_events")
        .select(["visit_id", "type"])
        .where("workspace_id", "=", team.ws.id)
        .execute();
      assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ["shown", "submitted"]);
      assert.equal(new Set(events.map((e) => e.visit_id)).size, 1, "one visit");
      assert.equal(await axeIn(frame), "", "axe on the confirmation");
      await screenshot(page, `widget-${run.tag}-done`);
      await frame.getByRole("button", { name: "Back to help" }).click();
      await frame.locator("#w-recent-list li", { hasText: reference }).waitFor();

      // Escape closes the panel and gives focus back to the launcher.
      await page.keyboard.press("Escape");
      await page.locator("portico-widget [role=dialog]").waitFor({ state: "hidden" });
      assert.equal(await launcher.getAttribute("aria-expanded"), "false");
      assert.equal(await launcher.evaluate((b) => (b.getRootNode() as ShadowRoot).activeElement === b), true);

      // Recent requests are still there after the host page is reloaded.
      await page.reload();
      await launcher.waitFor();
      await launcher.click();
      const again = await panelFrame(page);
      await again.locator("#w-recent-list li", { hasText: reference }).waitFor();
      const link = again.locator("#w-recent-list a");
      assert.match(
        String(await link.getAttribute("href")),
        new RegExp(`/portal/${team.ws.slug}/tickets/${reference}`),
      );
      assert.equal(await link.getAttribute("target"), "_blank");
      assert.equal(await axeIn(again), "", "axe on help with recent requests");
      await screenshot(page, `widget-${run.tag}-recent`);
      await again.getByRole("button", { name: "Close help" }).click();
      await page.locator("portico-widget [role=dialog]").waitFor({ state: "hidden" });
      assert.deepEqual(jsErrors(page), [], "no script errors and no CSP violations");
      await page.context().close();
    });
  }

  test("a site the workspace does not list gets no launcher, and a warning in its console", async () => {
    const team = await makeTeam(s.env);
    const listed = await s.env.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/embedding",
      headers: team.admin.headers,
      payload: { allowedOrigins: ["https://www.acme.test"] },
    });
    assert.equal(listed.statusCode, 200, listed.body);
    site.set("/elsewhere", { html: hostPage(`${s.base}/portal/${team.ws.slug}/widget.js`) });
    const { page } = await newPage(s);
    const warned = page.waitForEvent("console", (m) => m.type() === "warning");
    await page.goto(`${site.origin}/elsewhere`);
    assert.match((await warned).text(), /not among the sites allowed/);
    assert.equal(await page.locator("portico-widget").count(), 0);
    assert.equal(await page.evaluate(() => "PorticoWidget" in window), false);
    await page.context().close();
  });
});

describe("Settings → Share → Floating widget", { skip: skipReason }, () => {
  for (const run of [
    { viewport: DESKTOP, dark: false, tag: "1280-light" },
    { viewport: PHONE, dark: true, tag: "375-dark" },
  ]) {
    test(`at ${run.tag}: the line to copy, the CSP entries, and the form`, async () => {
      const team = await makeTeam(s.env);
      const { context, page } = await newPage(s, { viewport: run.viewport, dark: run.dark });
      await context.addCookies([
        { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto("/app/settings#widget");
      const line = page.getByLabel("Paste this line before </body> on your site");
      assert.equal(
        await line.inputValue(),
        `<script src="${s.base}/portal/${team.ws.slug}/widget.js" async></script>`,
      );
      assert.equal(
        await page.getByLabel("A site with a strict Content-Security-Policy adds").inputValue(),
        `script-src ${s.base}; frame-src ${s.base}`,
      );
      await page.getByLabel("Button label").fill("x".repeat(30));
      await page.getByLabel("Bottom left").check();
      await page.getByRole("button", { name: "Save widget" }).click();
      await page.getByText("Floating widget saved.").waitFor();
      await checkPage(page, `widget-settings-${run.tag}`);
      await page
        .locator("#widget")
        .screenshot({ path: `${SCREENSHOTS}/widget-settings-${run.tag}-part.png` });
      const js = await page.request.get(`/portal/${team.ws.slug}/widget.js`);
      assert.match(await js.text(), /"label":"x{30}","position":"left"/);
      await context.close();
    });
  }
});
