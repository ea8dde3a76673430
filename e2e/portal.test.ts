import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { makeTeam, PASSWORD } from "../src/server/test/factories.ts";
import {
  axe,
  DESKTOP,
  describeViolations,
  jsErrors,
  newPage,
  nextPoll,
  overflowsHorizontally,
  PHONE,
  type Served,
  screenshot,
  serve,
  serveForFile,
  skipReason,
} from "./support.ts";

// A customer on a phone, light and dark: submit, confirmation, tracking, live reply, own reply.

let s: Served;
serveForFile((served) => {
  s = served;
});

for (const dark of [false, true]) {
  const mode = dark ? "dark" : "light";
  describe(`the portal at 375 px, ${mode}`, { skip: skipReason }, () => {
    test("submit with an inline error, confirm, track, see the agent's reply live, reply back", async () => {
      const team = await makeTeam(s.env);
      await s.env.app.inject({
        method: "PATCH",
        url: "/api/workspace/settings/branding",
        headers: team.admin.headers,
        payload: {
          brandName: "Acme Help",
          primaryColor: "#ffcc00",
          supportEmail: `help@${team.ws.slug}.test`,
        },
      });
      const { context, page } = await newPage(s, { viewport: PHONE, dark, clock: true });
      await page.goto(`/portal/${team.ws.slug}/submit`);
      assert.equal(await page.locator("header .brand-name").textContent(), "Acme Help");
      assert.match(
        (await page.locator("footer").textContent()) ?? "",
        new RegExp(`help@${team.ws.slug}\\.test[\\s\\S]*Powered by Portico`),
      );
      assert.equal(await overflowsHorizontally(page), false);
      assert.deepEqual(describeViolations(await axe(page)), "");
      await screenshot(page, `portal-submit-375-${mode}`);

      // Keyboard only: Tab into the form, type, and leave the subject empty to see the inline error.
      await page.keyboard.press("Tab"); // skip link
      await page.keyboard.press("Tab"); // brand link
      // The navigation: Home, Requests, Help articles, New request, Sign in.
      for (let i = 0; i < 5; i++) await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "name");
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      assert.notEqual(outline, "none", "focus is visible");
      await page.keyboard.type("Casey Customer");
      await page.keyboard.press("Tab");
      await page.keyboard.type("casey@customer.test");
      await page.locator("#description").fill("🔥".repeat(10));
      assert.equal(
        await page.locator("#description-count").textContent(),
        "10 / 5,000 characters",
        "counts code points",
      );
      await page.locator("button[type=submit]").press("Enter");
      const summary = page.locator(".error-summary");
      await summary.waitFor();
      assert.match((await summary.textContent()) ?? "", /Subject is required/);
      assert.equal(await page.locator("#subject").getAttribute("aria-invalid"), "true");
      assert.equal(
        await page.evaluate(() => document.activeElement?.classList.contains("error-summary")),
        true,
      );
      assert.deepEqual(describeViolations(await axe(page)), "");
      await screenshot(page, `portal-submit-error-375-${mode}`);

      await page.locator("#subject").fill("The printer is on fire");
      await page.locator("#type").selectOption("Bug Report");
      await page.locator("button[type=submit]").click();
      await page.locator(".big-reference").waitFor();
      const reference = (await page.locator(".big-reference").textContent()) as string;
      assert.match(reference, /^TKT-\d{4}$/);
      assert.equal(await overflowsHorizontally(page), false);
      assert.deepEqual(describeViolations(await axe(page)), "");
      await screenshot(page, `portal-confirmation-375-${mode}`);
      assert.ok(await page.getByRole("button", { name: "Submit another" }).isVisible());

      const link = (await page.getByRole("link", { name: "Track request" }).getAttribute("href")) as string;
      assert.match(link, /\?t=/, "the confirmation's link carries the token");
      await page.getByRole("link", { name: "Track request" }).click();
      await page.locator("#ticket-status").waitFor();
      assert.equal(await page.locator("#ticket-status").textContent(), "Open");
      // The token moved into a cookie: neither the address bar nor the history entry shows it.
      const clean = `${s.base}/portal/${team.ws.slug}/tickets/${reference}`;
      assert.equal(page.url(), clean);
      assert.equal(await page.evaluate(() => document.documentElement.outerHTML.includes("?t=")), false);
      const cookie = (await context.cookies()).find((c) => c.name === "portico_track");
      assert.equal(cookie?.path, `/portal/${team.ws.slug}/tickets/${reference}`);
      assert.equal(cookie?.httpOnly, true);
      assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read it");
      await page.reload();
      await page.locator("#ticket-status").waitFor();
      assert.equal(page.url(), clean, "a reload works from the cookie");
      assert.equal(await overflowsHorizontally(page), false);
      assert.deepEqual(describeViolations(await axe(page)), "");

      // An agent answers and notes: the reply appears without a reload, the note never does.
      await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${reference}/notes`,
        headers: team.agent.headers,
        payload: { body: "INTERNAL: check the warranty first" },
      });
      await s.env.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${reference}/replies`,
        headers: team.agent.headers,
        payload: { body: "Please unplug it and step away.", status: "waiting" },
      });
      // The page's next poll brings it, not a reload: its clock is moved on to that poll, not waited for.
      await nextPoll(page);
      await page.getByText("Please unplug it and step away.").waitFor({ timeout: 20_000 });
      assert.equal(await page.locator("#ticket-status").textContent(), "Waiting");
      assert.equal(await page.getByText("INTERNAL: check the warranty first").count(), 0);
      await screenshot(page, `portal-tracking-reply-375-${mode}`);

      await page.locator("#body").fill("Done. It is out.");
      await page.getByRole("button", { name: "Send reply" }).click();
      await page.getByText("Your reply was sent.").waitFor();
      assert.equal(
        await page.locator("#ticket-status").textContent(),
        "Open",
        "a reply reopens a Waiting ticket",
      );
      assert.ok(await page.getByText("Done. It is out.").isVisible());
      assert.equal(page.url(), `${clean}?sent=1#latest`, "the reply lands on the clean address");
      assert.deepEqual(describeViolations(await axe(page)), "");
      assert.deepEqual(jsErrors(page), []);
      await context.close();

      // The email's link opened again in another browser (no cookie there) still opens the request.
      const other = await newPage(s, { viewport: PHONE, dark });
      await other.page.goto(new URL(link, s.base).href);
      await other.page.locator("#ticket-status").waitFor();
      assert.equal(other.page.url(), clean);
      assert.ok(await other.page.getByText("Done. It is out.").isVisible());
      await other.context.close();
    });
  });
}

describe("the portal's other faces", { skip: skipReason }, () => {
  test("a broken or expired link gets a clear page offering a new request", async () => {
    const team = await makeTeam(s.env);
    const { context, page } = await newPage(s, { viewport: PHONE });
    const res = await page.goto(`/portal/${team.ws.slug}/tickets/TKT-0001?t=${"x".repeat(43)}`);
    assert.equal(res?.status(), 404);
    assert.ok(await page.getByRole("heading", { name: "We could not open that request" }).isVisible());
    await page.getByRole("link", { name: "Submit a new request" }).click();
    await page.waitForURL(/\/submit$/);
    await context.close();
  });

  test("the submit form can be framed on another site; the tracking page cannot", async () => {
    const team = await makeTeam(s.env);
    const submit = await s.env.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.match(String(submit.headers["content-security-policy"]), /frame-ancestors \*/);
    assert.equal(submit.headers["x-frame-options"], undefined);
    const track = await s.env.app.inject({ url: `/portal/${team.ws.slug}/tickets/TKT-0001?t=x` });
    assert.match(String(track.headers["content-security-policy"]), /frame-ancestors 'none'/);
    assert.equal(track.headers["x-frame-options"], "DENY");

    // In a real frame the form submits and its links open outside the frame.
    // The customer's own site: another origin, serving seed 002's snippet.
    const site = http.createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<!doctype html><title>Contact us</title><iframe src="${s.base}/portal/${team.ws.slug}/submit" width="100%" height="780" style="border:0;max-width:640px;display:block;margin:auto" title="Support request form" loading="lazy"></iframe>`,
      );
    });
    await new Promise<void>((ok) => site.listen(0, "127.0.0.1", ok));
    const { port } = site.address() as AddressInfo;
    const { context, page } = await newPage(s, { viewport: DESKTOP });
    await page.goto(`http://localhost:${port}/`);
    const frame = page.frameLocator("iframe");
    await frame.locator("#name").fill("Framed Customer");
    await frame.locator("#email").fill("framed@customer.test");
    await frame.locator("#subject").fill("From the contact page");
    await frame.locator("button[type=submit]").click();
    await frame.locator(".big-reference").waitFor();
    assert.equal(await frame.getByRole("link", { name: "Track request" }).getAttribute("target"), "_blank");
    await screenshot(page, "portal-iframe-embed-1280");

    // Once the workspace lists the sites that may embed it, any other site gets no form.
    const listed = await s.env.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/embedding",
      headers: team.admin.headers,
      payload: { allowedOrigins: ["https://www.example.com"] },
    });
    assert.equal(listed.statusCode, 200, listed.body);
    const blocked = new Promise<void>((ok) =>
      page.on("console", (m) => {
        if (/frame-ancestors/.test(m.text())) ok();
      }),
    );
    await page.reload();
    await blocked;
    assert.equal(await page.frames()[1]?.locator("#name").count(), 0, "the form is not shown");
    await context.close();
    site.close();
  });

  test("the rate limit shows a friendly message in the form", async () => {
    const limited = await serve({ SUBMIT_RATE_LIMIT_PER_HOUR: "1" });
    try {
      const team = await makeTeam(limited.env);
      const { context, page } = await newPage(limited, { viewport: PHONE });
      for (let i = 0; i < 2; i++) {
        await page.goto(`/portal/${team.ws.slug}/submit`);
        await page.locator("#name").fill("Casey");
        await page.locator("#email").fill("casey@customer.test");
        await page.locator("#subject").fill(`Request ${i}`);
        await page.locator("button[type=submit]").click();
        await page.waitForLoadState();
      }
      assert.match((await page.locator(".error-summary").textContent()) ?? "", /wait a little and try again/);
      assert.equal(await page.locator("#subject").inputValue(), "Request 1", "nothing typed is lost");
      await context.close();
    } finally {
      await limited.close();
    }
  });

  test("in a real browser another site's form is refused, and the framed form still works with the https headers on", async () => {
    // COOKIE_SECURE stands for https here: HSTS and COOP on every answer (COOP only ever applies
    // to top-level pages, so the frame is unaffected).
    const secure = await serve({ COOKIE_SECURE: "true" });
    let slug = "";
    let email = "";
    // Another site: the embed at /, and at /forged a form of its own posting a sign-in to us.
    const site = http.createServer((req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        req.url === "/forged"
          ? `<!doctype html><title>Elsewhere</title><form method="post" action="${secure.base}/app/sign-in"><input name="workspace" value="${slug}"><input name="email" value="${email}"><input name="password" value="${PASSWORD}"><button id="forged">Go</button></form>`
          : `<!doctype html><title>Elsewhere</title><iframe src="${secure.base}/portal/${slug}/submit" width="100%" height="780" title="Support request form"></iframe>`,
      );
    });
    try {
      const team = await makeTeam(secure.env);
      slug = team.ws.slug;
      email = team.admin.email;
      await new Promise<void>((ok) => site.listen(0, "127.0.0.1", ok));
      const { port } = site.address() as AddressInfo;
      const { context, page } = await newPage(secure, { viewport: DESKTOP });

      // Chromium posts the other site's form with Sec-Fetch-Site: cross-site.
      await page.goto(`http://localhost:${port}/forged`);
      await page.locator("#forged").click();
      await page.waitForURL(`${secure.base}/app/sign-in`);
      assert.match((await page.locator("body").textContent()) ?? "", /cross_site_request/);
      assert.equal(
        (await context.cookies(secure.base)).filter((c) => /portico_session/.test(c.name)).length,
        0,
      );

      // The embed posts from its own frame, which is ours: accepted.
      await page.goto(`http://localhost:${port}/`);
      const frame = page.frameLocator("iframe");
      await frame.locator("#name").fill("Framed Customer");
      await frame.locator("#email").fill("framed@customer.test");
      await frame.locator("#subject").fill("From the contact page, on https settings");
      await frame.locator("button[type=submit]").click();
      await frame.locator(".big-reference").waitFor();
      await context.close();
    } finally {
      site.close();
      await secure.close();
    }
  });
});
