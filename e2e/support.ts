import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type TestEnv, testEnv } from "../src/server/test/harness.ts";
import { CHROMIUM, chromiumLaunchOptions, hasChromium } from "./chromium.ts";

export { CHROMIUM, hasChromium };

// Browser tests drive Debian's Chromium through playwright-core against the real app listening
// on loopback. .ci/run installs Chromium; on a machine without it these tests say how to get it.

// The pages are the same on either database, and every path beneath them is tested on both by the
// API and domain tests: so the browser tests run once, on the embedded default, and a PostgreSQL
// run says why it leaves them out (E2E_ON_POSTGRES=1 runs them there too).
export const skipReason =
  !hasChromium && !process.env.CI
    ? `no Chromium at ${CHROMIUM}: apt-get install chromium (CI installs it)`
    : process.env.DATABASE_URL && process.env.E2E_ON_POSTGRES !== "1"
      ? "browser tests run on the embedded SQLite pass (E2E_ON_POSTGRES=1 runs them on PostgreSQL too)"
      : false;

export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "screenshots");

export interface Served {
  env: TestEnv;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function serve(envVars: Record<string, string> = {}): Promise<Served> {
  const env = await testEnv(envVars);
  await env.app.listen({ port: 0, host: "127.0.0.1" });
  const address = env.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const browser = await chromium.launch(chromiumLaunchOptions());
  return {
    env,
    base: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      await env.close();
    },
  };
}

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/** The two looks a page is checked in: a desk in light mode, a phone in dark mode. */
export const DESK_LIGHT_PHONE_DARK = [
  { viewport: DESKTOP, dark: false, tag: "1280-light" },
  { viewport: PHONE, dark: true, tag: "375-dark" },
] as const;

/**
 * The test file's server and browser: started before its tests (`set` receives them), closed
 * after; neither without Chromium. `let s: Served; serveForFile((served) => { s = served; });`
 */
export function serveForFile(set: (s: Served) => void, envVars: Record<string, string> = {}): void {
  let served: Served | undefined;
  before(async () => {
    if (skipReason) return;
    served = await serve(envVars);
    set(served);
  });
  after(async () => {
    await served?.close();
  });
}

/** How often the customer's tracking page asks for news (portal.js). */
export const TRACKING_POLL_MS = 10_000;

/**
 * A page in a context of its own. `clock`: the page's timers run on a clock the test can move
 * (time still passes as usual), so `nextPoll` brings the tracking page's next poll at once.
 */
export async function newPage(
  s: Served,
  opts: { viewport?: { width: number; height: number }; dark?: boolean; clock?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await s.browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    colorScheme: opts.dark ? "dark" : "light",
    baseURL: s.base,
  });
  if (opts.clock) await context.clock.install();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // The CSP listener below reports violations with their source instead.
    // Error pages (a 400 with the form's errors, a 404) are answers the tests ask for.
    const expected =
      /Content Security Policy|Failed to load resource: the server responded with a status of 4\d\d/;
    if (m.type() === "error" && !expected.test(m.text())) errors.push(m.text());
  });
  // CSP violations are reported with where they came from, so a blocked script or style fails loudly.
  await page.exposeFunction("__reportCsp", (v: string) => errors.push(`CSP: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCsp: (v: string) => void }).__reportCsp(
        `${e.violatedDirective} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`,
      );
    });
  });
  (page as Page & { jsErrors: string[] }).jsErrors = errors;
  return { context, page };
}

/** Moves a page opened with `clock` to its next tracking poll: what the customer sees within 10 s. */
export async function nextPoll(page: Page): Promise<void> {
  await page.clock.fastForward(TRACKING_POLL_MS);
}

export const jsErrors = (page: Page) => (page as Page & { jsErrors: string[] }).jsErrors;

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's WCAG 2 A/AA rules on the page as it is now; returns the violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  // evaluate() runs outside the page's CSP, which forbids injected scripts. A page checked twice
  // (after a dialog opens, say) already has it.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(`${axeSource}\n;0`);
  return (await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
    };
    // Every rule runs; only the violations are described in full and sent back (axe's own advice
    // for speed: the selectors of every passing node are what cost).
    const result = await w.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return result.violations;
  })) as AxeViolation[];
}

export function describeViolations(v: AxeViolation[]): string {
  return v
    .map(
      (x) =>
        `${x.id} (${x.impact}): ${x.help}\n  ${x.nodes.map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""}`).join("\n  ")}`,
    )
    .join("\n");
}

/** True when the page is wider than the viewport (horizontal scrolling). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/**
 * What every page of a browser test is checked for: axe, no sideways scrolling, times shown in the
 * reader's time zone, a visible keyboard focus, no script errors; and a screenshot to look at.
 * `except` names the times written local by a script of their own (a selector).
 */
export async function checkPage(page: Page, name: string, opts: { except?: string } = {}): Promise<void> {
  assert.equal(describeViolations(await axe(page)), "", `axe on ${name}`);
  assert.equal(await overflowsHorizontally(page), false, `${name} scrolls sideways`);
  const utc = `time[datetime]:not([data-local])${opts.except ? `:not(${opts.except})` : ""}`;
  assert.equal(await page.locator(utc).count(), 0, `${name}: every time is shown in local time`);
  const field = page.locator("main form :is(input, textarea, select, button):visible").first();
  if (await field.count()) {
    await field.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => {
      const st = getComputedStyle(document.activeElement as Element);
      return `${st.outlineStyle} ${st.boxShadow}`;
    });
    assert.notEqual(outline, "none none", `${name}: keyboard focus is visible`);
  }
  await screenshot(page, name);
  assert.deepEqual(jsErrors(page), [], `${name}: no script errors`);
}
