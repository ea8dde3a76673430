import fs from "node:fs";
import zlib from "node:zlib";
import { chromiumLaunchOptions } from "../../e2e/chromium.ts";
import { sleep } from "../lib/children.ts";
import { fmtInt, fmtMs, median, round2, table } from "../lib/format.ts";
import { expectStatus, request } from "../lib/http.ts";
import { SLUG } from "../lib/seed.ts";
import type { Settings } from "../lib/settings.ts";

// The submit page /portal/:slug/submit: the JavaScript it references, gzipped, and its load in
// Chromium (first contentful paint, and when the form takes input).

export interface PortalResult {
  scripts: { src: string; bytes: number; gzipBytes: number }[];
  jsBytes: number;
  jsGzipBytes: number;
  htmlBytes: number;
  htmlGzipBytes: number;
  browser:
    | { skipped: string }
    | {
        loads: number;
        fcpMs: number;
        inputMs: number;
        domContentLoadedMs: number;
        loadMs: number;
        fcpAll: number[];
        inputAll: number[];
      };
}

const PAGE_PATH = `/portal/${SLUG}/submit`;

export async function measurePortal(base: string, settings: Settings): Promise<PortalResult> {
  const page = await expectStatus("submit page", request(base, "GET", PAGE_PATH), 200);
  const srcs = [...page.text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] as string);
  const scripts: PortalResult["scripts"] = [];
  for (const src of srcs) {
    const res = await fetch(new URL(src, base));
    if (!res.ok) throw new Error(`script ${src}: ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    scripts.push({ src, bytes: bytes.length, gzipBytes: zlib.gzipSync(bytes).length });
  }
  const html = Buffer.from(page.text);
  const result: PortalResult = {
    scripts,
    jsBytes: scripts.reduce((s, x) => s + x.bytes, 0),
    jsGzipBytes: scripts.reduce((s, x) => s + x.gzipBytes, 0),
    htmlBytes: html.length,
    htmlGzipBytes: zlib.gzipSync(html).length,
    browser: { skipped: "" },
  };
  if (!settings.browser) {
    result.browser = { skipped: "--skip-browser given" };
    return result;
  }
  if (!fs.existsSync(settings.chromium)) {
    result.browser = {
      skipped: `no Chromium at ${settings.chromium} (apt-get install chromium, or set CHROMIUM_PATH)`,
    };
    return result;
  }
  result.browser = await loadInChromium(base, settings);
  return result;
}

type Timings = { fcp: number; input: number; dcl: number; load: number };

/** One warm-up load, then settings.pageLoads loads whose median is kept. */
async function loadInChromium(base: string, settings: Settings): Promise<PortalResult["browser"]> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch(chromiumLaunchOptions(settings.chromium));
  const loadOnce = async (): Promise<Timings> => {
    // A new context per load: an empty cache, as for a customer's first visit.
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      const tab = await context.newPage();
      const cdp = await context.newCDPSession(tab);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      // When the first typed character reaches #name, on the page's clock (0 = navigation start).
      await tab.addInitScript(() => {
        document.addEventListener(
          "input",
          (e) => {
            const w = window as unknown as { __benchInput?: number };
            if ((e.target as Element | null)?.id === "name" && w.__benchInput === undefined) {
              w.__benchInput = performance.now();
            }
          },
          true,
        );
      });
      await tab.goto(base + PAGE_PATH, { waitUntil: "commit" });
      // Waits until #name is attached, visible, enabled and editable, focuses it and types.
      await tab.locator("#name").pressSequentially("x", { timeout: 30_000 });
      await tab.waitForLoadState("load");
      for (let i = 0; i < 100; i++) {
        const t = await tab.evaluate(() => {
          const fcp = performance.getEntriesByName("first-contentful-paint")[0];
          const nav = performance.getEntriesByType("navigation")[0] as
            | PerformanceNavigationTiming
            | undefined;
          const input = document.getElementById("name") as HTMLInputElement | null;
          return {
            fcp: fcp?.startTime,
            input: (window as unknown as { __benchInput?: number }).__benchInput,
            dcl: nav?.domContentLoadedEventEnd,
            load: nav?.loadEventEnd,
            value: input?.value,
            focused: document.activeElement === input,
          };
        });
        if (t.fcp !== undefined && t.input !== undefined && t.dcl && t.load) {
          if (t.value !== "x" || !t.focused) {
            throw new Error(`the typed character did not stay in #name (value "${t.value}")`);
          }
          return { fcp: t.fcp, input: t.input, dcl: t.dcl, load: t.load };
        }
        await sleep(50);
      }
      throw new Error("no first-contentful-paint entry or input event after the page loaded");
    } finally {
      await context.close();
    }
  };
  try {
    await loadOnce(); // warm-up: the server's page rendering and Chromium's own start-up
    const runs: Timings[] = [];
    for (let i = 0; i < settings.pageLoads; i++) runs.push(await loadOnce());
    return {
      loads: runs.length,
      fcpMs: median(runs.map((r) => r.fcp)),
      inputMs: median(runs.map((r) => r.input)),
      domContentLoadedMs: median(runs.map((r) => r.dcl)),
      loadMs: median(runs.map((r) => r.load)),
      fcpAll: runs.map((r) => Math.round(r.fcp)),
      inputAll: runs.map((r) => Math.round(r.input)),
    };
  } finally {
    await browser.close();
  }
}

/** The page's sizes, and its Chromium timings unless skipped. */
export function printPortal(portal: PortalResult): void {
  const pageRows: string[][] = portal.scripts.map((s) => [
    `script ${s.src}`,
    fmtInt(s.bytes),
    fmtInt(s.gzipBytes),
  ]);
  pageRows.push(["JavaScript total", fmtInt(portal.jsBytes), fmtInt(portal.jsGzipBytes)]);
  pageRows.push(["HTML document", fmtInt(portal.htmlBytes), fmtInt(portal.htmlGzipBytes)]);
  console.log(table(["", "bytes", "gzipped"], pageRows));
  if ("skipped" in portal.browser) {
    console.log(`Chromium page loads skipped: ${portal.browser.skipped}`);
    return;
  }
  const b = portal.browser;
  console.log(
    `Chromium, 375×812, 4× CPU throttling, median of ${b.loads} cold loads:\n` +
      table(
        ["", "ms", "each load"],
        [
          ["first contentful paint", fmtMs(b.fcpMs), b.fcpAll.join(", ")],
          ["form takes input (#name)", fmtMs(b.inputMs), b.inputAll.join(", ")],
          ["DOMContentLoaded", fmtMs(b.domContentLoadedMs), ""],
          ["load", fmtMs(b.loadMs), ""],
        ],
      ),
  );
}

/** The page as written to the results file: the browser's medians rounded to 0.01 ms. */
export function portalForFile(portal: PortalResult): PortalResult {
  return {
    ...portal,
    browser:
      "skipped" in portal.browser
        ? portal.browser
        : {
            ...portal.browser,
            fcpMs: round2(portal.browser.fcpMs),
            inputMs: round2(portal.browser.inputMs),
            domContentLoadedMs: round2(portal.browser.domContentLoadedMs),
            loadMs: round2(portal.browser.loadMs),
          },
  };
}
