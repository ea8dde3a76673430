import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Jimp } from "jimp";
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

// An admin brands the portal on its own page: logos for light and dark, the icon, colours, a
// font and custom CSS; customers see exactly that, in light and dark, on a phone.

let s: Served;
let dir: string;
before(async () => {
  if (skipReason) return;
  s = await serve();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-brand-"));
});
after(async () => {
  await s?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A wide logo: a coloured bar on transparency, so light and dark versions differ visibly. */
async function logoFile(name: string, color: number): Promise<string> {
  const img = new Jimp({ width: 600, height: 150, color: 0x00000000 });
  img.scan(20, 30, 560, 90, (_x, _y, idx) => {
    img.bitmap.data.writeUInt32BE(color, idx);
  });
  const file = path.join(dir, name);
  fs.writeFileSync(file, await img.getBuffer("image/png"));
  return file;
}

async function clean(page: import("playwright-core").Page, name: string) {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  await screenshot(page, name);
}

describe("branding the portal", { skip: skipReason }, () => {
  test("an admin uploads logos and an icon, sets colours, font and CSS; the portal shows them", async () => {
    const team = await makeTeam(s.env);
    const { context, page } = await newPage(s, { viewport: DESKTOP });
    await context.addCookies([
      { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
    ]);
    await page.goto("/app/settings");
    await page.locator("nav.toc").getByRole("link", { name: "Branding" }).click();
    await page.getByRole("heading", { name: "Logo and icon" }).waitFor();

    // A file that is no image is refused beside its field.
    const fake = path.join(dir, "logo.png");
    fs.writeFileSync(fake, "<!doctype html><script>alert(1)</script>".repeat(4));
    await page.locator("#image-logo_light").setInputFiles(fake);
    await page.getByRole("button", { name: "Upload the logo", exact: true }).click();
    await page.locator("#image-logo_light[aria-invalid=true]").waitFor();
    assert.match(
      (await page.locator("#image-logo_light-error").textContent()) ?? "",
      /not a PNG, JPEG or GIF/,
    );

    await page.locator("#image-logo_light").setInputFiles(await logoFile("light.png", 0x0f766eff));
    await page.getByRole("button", { name: "Upload the logo", exact: true }).click();
    await page.getByText("Logo uploaded.").waitFor();
    await page.locator("#image-logo_dark").setInputFiles(await logoFile("dark.png", 0xfde68aff));
    await page.getByRole("button", { name: "Upload the logo for dark mode" }).click();
    await page.getByText("Dark-mode logo uploaded.").waitFor();
    const iconFile = path.join(dir, "icon.png");
    fs.writeFileSync(
      iconFile,
      await new Jimp({ width: 256, height: 256, color: 0x0f766eff }).getBuffer("image/png"),
    );
    await page.locator("#image-favicon").setInputFiles(iconFile);
    await page.getByRole("button", { name: "Upload the icon" }).click();
    await page.getByText("Icon uploaded.").waitFor();

    // Colours, font and CSS: the preview follows before saving.
    await page.getByLabel("Brand name").fill("Teal Care");
    await page.getByLabel("Primary colour", { exact: true }).fill("#0f766e");
    await page.getByLabel("Accent colour", { exact: true }).fill("#b45309");
    await page.getByLabel("Font", { exact: true }).selectOption({ label: "Transitional serif" });
    await page.getByLabel("Custom CSS").fill("@import url(https://evil.example/x.css);");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.locator("#customCss[aria-invalid=true]").waitFor();
    assert.match(
      (await page.locator(".error-summary").textContent()) ?? "",
      /Custom CSS line 1: @import is not allowed/,
    );
    await page
      .getByLabel("Custom CSS")
      .fill(
        "body { background: #fdfaf3 }\n@media (prefers-color-scheme: dark) { body { background: #1c1917 } }\nh1 { letter-spacing: 0.01em }",
      );
    const preview = page.frameLocator("iframe[data-preview]");
    // The frame reloads after typing stops: wait for the version with the unsaved CSS.
    const frame = page.frame({ name: "branding-preview" });
    assert.ok(frame);
    await frame.waitForFunction(
      () => getComputedStyle(document.body).backgroundColor === "rgb(253, 250, 243)",
      undefined,
      { timeout: 10_000 },
    );
    assert.match((await frame.locator("body").getAttribute("class")) ?? "", /portico-portal/);
    await preview.locator(".brand-name", { hasText: "Teal Care" }).waitFor();
    await clean(page, "branding-settings-1280-light");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.getByText("Branding saved.").waitFor();
    // The test's own look inside the preview (a sandbox without scripts) is reported as blocked.
    assert.deepEqual(
      jsErrors(page).filter((e) => !/the document's frame is sandboxed/.test(e)),
      [],
    );
    await context.close();

    for (const dark of [false, true]) {
      const mode = dark ? "dark" : "light";
      const c = await newPage(s, { viewport: PHONE, dark });
      await c.page.goto(`/portal/${team.ws.slug}/kb`);
      const logo = c.page.locator("header .brand img");
      await logo.waitFor();
      const src = await logo.evaluate((img: HTMLImageElement) => img.currentSrc);
      assert.match(
        src,
        dark ? /\/brand\/logo_dark-[0-9a-f]{8}\.png$/ : /\/brand\/logo_light-[0-9a-f]{8}\.png$/,
      );
      assert.ok(
        await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
        "the logo loaded",
      );
      const style = await c.page.evaluate(() => {
        const body = getComputedStyle(document.body);
        return { bg: body.backgroundColor, font: body.fontFamily };
      });
      assert.equal(style.bg, dark ? "rgb(28, 25, 23)" : "rgb(253, 250, 243)");
      assert.match(style.font, /Charter/);
      const icon = await c.page.locator('link[rel="icon"]').getAttribute("href");
      assert.match(icon ?? "", /\/brand\/favicon-[0-9a-f]{8}-32\.png$/);
      const iconRes = await c.page.request.get(icon as string);
      assert.equal(iconRes.headers()["content-type"], "image/png");
      const manifest = await c.page.request.get(`/portal/${team.ws.slug}/manifest.webmanifest`);
      assert.equal((await manifest.json()).name, "Teal Care");
      await clean(c.page, `branding-portal-kb-375-${mode}`);
      await c.page.goto(`/portal/${team.ws.slug}/submit`);
      await clean(c.page, `branding-portal-submit-375-${mode}`);
      assert.deepEqual(jsErrors(c.page), []);
      await c.context.close();
    }
  });
});
