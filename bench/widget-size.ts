import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { makeTeam } from "../src/server/test/factories.ts";
import { testEnv } from "../src/server/test/harness.ts";
import { fmtInt, section } from "./lib/format.ts";
import { resultsPath, writeResults } from "./lib/results.ts";

// npm run bench (last) or node bench/widget-size.ts: what the floating widget costs a customer's
// site. The bytes actually served by the app (a fresh workspace, its defaults): the loader every
// page of the site loads (/portal/{slug}/widget.js), and the panel's first load when the launcher
// is opened (the panel's HTML, widget.js, widget.css), each gzipped at zlib's default level.
// Budgets: the loader under 5 KB, the panel under 40 KB. Sizes, not timings: the same every run.

const { values: args } = parseArgs({
  options: { "no-save": { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (args.help) {
  console.log(`Usage: node bench/widget-size.ts [--no-save]
Builds the app on a scratch database, asks it for the widget's loader and the panel's first load
(HTML, script, stylesheet), and reports each raw and gzipped, against the budgets (loader < 5 KB,
panel < 40 KB gzip). Results: bench/results/widget-size-latest.json.`);
  process.exit(0);
}

const LOADER_BUDGET = 5 * 1024;
const PANEL_BUDGET = 40 * 1024;

const t = await testEnv();
try {
  const team = await makeTeam(t);
  const get = async (url: string) => {
    const res = await t.app.inject({ url });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    return res.rawPayload;
  };
  const loader = await get(`/portal/${team.ws.slug}/widget.js`);
  const panelHtml = await get(`/portal/${team.ws.slug}/widget?theme=light`);
  const assets = [...panelHtml.toString("utf8").matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  const parts: [string, Buffer][] = [
    ["panel HTML", panelHtml],
    ...(await Promise.all(
      assets.map(async (a): Promise<[string, Buffer]> => [a.split("?")[0] as string, await get(a)]),
    )),
  ];
  const gz = (b: Buffer) => gzipSync(b).length;
  section("The floating widget's size (bytes served, gzip)");
  const rows: [string, number, number][] = [
    ["loader /portal/{slug}/widget.js", loader.length, gz(loader)],
    ...parts.map(([name, b]): [string, number, number] => [name, b.length, gz(b)]),
  ];
  for (const [name, raw, zipped] of rows)
    console.log(`  ${name.padEnd(34)} ${fmtInt(raw).padStart(8)} B  ${fmtInt(zipped).padStart(7)} B gzip`);
  const loaderGz = gz(loader);
  const panelGz = parts.reduce((n, [, b]) => n + gz(b), 0);
  const ok = loaderGz < LOADER_BUDGET && panelGz < PANEL_BUDGET;
  console.log(
    `  loader ${fmtInt(loaderGz)} B gzip (budget ${fmtInt(LOADER_BUDGET)}): ${loaderGz < LOADER_BUDGET ? "ok" : "OVER"}`,
  );
  console.log(
    `  panel's first load ${fmtInt(panelGz)} B gzip (budget ${fmtInt(PANEL_BUDGET)}): ${panelGz < PANEL_BUDGET ? "ok" : "OVER"}`,
  );
  if (!args["no-save"]) {
    writeResults(resultsPath("widget-size"), {
      engine: "any",
      date: new Date().toISOString(),
      metrics: {
        loaderGzipBytes: { value: loaderGz, better: "lower" },
        panelFirstLoadGzipBytes: { value: panelGz, better: "lower" },
      },
      parts: Object.fromEntries(rows.map(([name, raw, zipped]) => [name, { raw, gzip: zipped }])),
    });
  }
  if (!ok) process.exitCode = 1;
} finally {
  await t.close();
}
