import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { DnsZone } from "../src/server/email/dns-zone.test-support.ts";
import { makeTeam } from "../src/server/test/factories.ts";
import { type TestEnv, testEnv } from "../src/server/test/harness.ts";
import { chromiumLaunchOptions } from "./chromium.ts";
import {
  axe,
  DESKTOP,
  describeViolations,
  overflowsHorizontally,
  PHONE,
  screenshot,
  skipReason,
} from "./support.ts";

// An admin gives the portal its own domain on a phone, light and dark: saves it, reads the
// proofs, checks too early and sees why, publishes the TXT record, checks again; then a browser
// that resolves help.acme.test to this server (--host-resolver-rules) finds the portal at that
// domain's root, and a name no workspace has gets the plain not-found.

const zone = new DnsZone();
const DOMAIN = "help.acme.test";
let env: TestEnv;
let browser: Browser;
let port = 0;

before(async () => {
  if (skipReason) return;
  env = await testEnv({ PUBLIC_URL: "http://portico.acme.test" }, { dns: zone.resolve });
  await env.app.listen({ port: 0, host: "127.0.0.1" });
  port = (env.app.server.address() as AddressInfo).port;
  const launch = chromiumLaunchOptions();
  browser = await chromium.launch({
    ...launch,
    args: [
      ...(launch.args ?? []),
      `--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1, MAP nobody.acme.test 127.0.0.1`,
    ],
  });
});
after(async () => {
  await browser?.close();
  await env?.close();
});

async function clean(page: Page, name: string): Promise<void> {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  await screenshot(page, name);
}

describe("a custom domain, end to end", { skip: skipReason }, () => {
  test("set, proved by DNS, then served at its root", async () => {
    const team = await makeTeam(env);
    const [name, value] = team.admin.cookie.split("=") as [string, string];
    for (const dark of [false, true]) {
      const mode = dark ? "dark" : "light";
      const context = await browser.newContext({
        viewport: PHONE,
        colorScheme: dark ? "dark" : "light",
        baseURL: `http://127.0.0.1:${port}`,
      });
      await context.addCookies([{ name, value, url: `http://127.0.0.1:${port}` }]);
      const page = await context.newPage();
      await page.goto("/app/settings/domain");
      await page.getByRole("heading", { name: "Domain", exact: true }).waitFor();
      await clean(page, `app-domain-375-${mode}`);
      if (!dark) {
        await page.getByRole("textbox", { name: "Custom domain" }).fill("10.0.0.1");
        await page.getByRole("button", { name: "Save the domain" }).click();
        await page.getByText("must be a host name, not an IP address").first().waitFor();
        await page.getByRole("textbox", { name: "Custom domain" }).fill(DOMAIN);
        await page.getByRole("button", { name: "Save the domain" }).click();
        await page.getByText("Pending verification").waitFor();
        await clean(page, `app-domain-pending-375-${mode}`);
        await page.getByRole("button", { name: "Check now" }).click();
        await page.getByText("Not verified yet.").waitFor();
        await clean(page, `app-domain-failed-375-${mode}`);
        const status = (
          await env.app.inject({ url: "/api/workspace/settings/domain", headers: team.admin.headers })
        ).json();
        zone.txt(status.txtName, status.txtValue);
        await page.getByRole("button", { name: "Check now" }).click();
        await page.getByText("Domain verified.").waitFor();
      }
      await clean(page, `app-domain-verified-375-${mode}`);
      await context.close();
    }

    // A browser that reaches this server by the custom domain finds the portal at its root.
    const visitor = await browser.newContext({ viewport: DESKTOP });
    const page = await visitor.newPage();
    const home = await page.goto(`http://${DOMAIN}:${port}/`);
    assert.equal(home?.status(), 200);
    assert.equal(new URL(page.url()).host, `${DOMAIN}:${port}`, "it stays on the custom domain");
    assert.match((await page.locator("h1").first().textContent()) ?? "", /\S/);
    assert.ok((await page.content()).includes(team.ws.name));
    await clean(page, "portal-custom-domain-1280-light");
    const unknown = await page.goto(`http://nobody.acme.test:${port}/`);
    assert.equal(unknown?.status(), 404);
    assert.equal(await page.locator("h1").textContent(), "Portal not found");
    await visitor.close();
  });
});
