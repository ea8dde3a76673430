import fs from "node:fs";
import type { LaunchOptions } from "playwright-core";

// Debian's Chromium, driven by playwright-core (no browser download). Shared by the browser
// tests and the benchmark's page measurements.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = fs.existsSync(CHROMIUM);

export function chromiumLaunchOptions(executablePath: string = CHROMIUM): LaunchOptions {
  return {
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  };
}
