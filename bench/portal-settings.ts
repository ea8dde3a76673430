import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { systemActor } from "../src/server/actors.ts";
import { loadConfig } from "../src/server/config.ts";
import { createScratchDatabase } from "../src/server/db/scratch.ts";
import { newId } from "../src/server/ids.ts";
import { createArticle } from "../src/server/kb/kb.articles.ts";
import { closeContext, createContext } from "../src/server/main.ts";
import { createWorkspaceWithAdmin } from "../src/server/workspaces/workspace.service.ts";
import { startChild } from "./lib/children.ts";
import { fmtInt, fmtMs, section } from "./lib/format.ts";
import { expectStatus, request } from "./lib/http.ts";
import { type Measured, measure, type Recorder } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsPath, writeResults } from "./lib/results.ts";
import { startFlags } from "./scenarios/memory.ts";

// npm run bench (last) or node bench/portal-settings.ts: what the portal's settings cost. The
// tracking page and the KB search (page and API) are measured twice over HTTP, next to a bare
// node:http server measured in the same run: with the defaults, then with every portal setting
// set (custom CSS, navigation labels, words for "ticket", brand images, German as the default
// language and the reader's Accept-Language). See bench/README.md.

const { values: args } = parseArgs({
  options: { "no-save": { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (args.help) {
  console.log(`Usage: node bench/portal-settings.ts [--no-save]
Seeds one workspace with BENCH_SETTINGS_ARTICLES (300) published articles and a ticket, starts
Portico, and measures with autocannon (BENCH_CONNECTIONS 50, BENCH_WARMUP 2 s, BENCH_DURATION
10 s each) the bare node:http server, then the tracking page, the KB search page and the KB
search API with the default settings; then sets every portal setting, restarts Portico and
measures the same again (German Accept-Language). DATABASE_URL=postgres://… runs on PostgreSQL
(a scratch database, dropped after). Results: bench/results/portal-settings-<engine>-latest.json.`);
  process.exit(0);
}

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
};
const settings = {
  articles: Math.round(num("BENCH_SETTINGS_ARTICLES", 300)),
  connections: Math.max(1, Math.round(num("BENCH_CONNECTIONS", 50))),
  warmup: num("BENCH_WARMUP", 2),
  duration: Math.max(1, num("BENCH_DURATION", 10)),
};
const engine = process.env.DATABASE_URL ? "postgres" : "sqlite";
const SLUG = "bench";
const QUERY = "reset password";

const TOPICS = ["password", "invoice", "printer", "refund", "export", "account", "billing", "login"];
const VERBS = ["reset", "download", "change", "connect", "cancel", "configure"];
function article(i: number) {
  const topic = TOPICS[i % TOPICS.length] as string;
  const verb = VERBS[i % VERBS.length] as string;
  const para = `To ${verb} your ${topic}, open **Settings**, then choose *${topic}*. If that does not help, write to us: we answer within a day.`;
  return {
    title: `${verb} your ${topic} (${i})`,
    body: `${para}\n\n${para.replace("Settings", "Account")}\n\n- one step\n- another step`,
    tags: [topic],
    status: "published" as const,
  };
}

/** Every portal setting of migration 0022, as an admin would leave them. */
const CUSTOM_CSS = Array.from(
  { length: 40 },
  (_, i) => `.kb-results li:nth-child(${i + 1}) h2 { letter-spacing: ${(i % 5) / 100}em; }`,
).join("\n");
const DRESSED = {
  default_locale: "de",
  secondary_color: "#0b7285",
  font: "Georgia, serif",
  custom_css: `:root { --radius: 4px; }\nheader.site { border-bottom: 3px solid #0b7285; }\n${CUSTOM_CSS}`,
  portal_nav: JSON.stringify({
    home: { show: true, label: "Start" },
    requests: { show: true, label: "Meine Anliegen" },
    kb: { show: true, label: "Hilfe-Center" },
    submit: { show: true, label: "Neues Anliegen" },
  }),
  ticket_words: JSON.stringify({
    en: { one: "Request", other: "Requests", gender: null },
    de: { one: "Anliegen", other: "Anliegen", gender: "neuter" },
    fr: { one: "Demande", other: "Demandes", gender: "female" },
  }),
};
// A 1×1 PNG: the row is what is read; its size does not matter here.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

let addresses = 0;
/** Another client address for each request: 10.0.0.0/8, about 16 million before one repeats. */
const nextAddress = () => {
  const n = addresses++ % 16_777_216;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

async function main(): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length)
      await cleanups
        .pop()?.()
        .catch((e) => console.error(`cleanup: ${e}`));
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  const rec: Recorder = { measured: [], failed: false };
  try {
    const machine = machineInfo();
    console.log(`Portal settings benchmark: ${engine}, ${new Date().toISOString()}`);
    console.log(
      `settings: ${settings.articles} articles, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${settings.connections} connections; load average ${machine.loadAverageAtStart[0]}`,
    );
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-bench-settings-"));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (process.env.DATABASE_URL) {
      const created = await createScratchDatabase(process.env.DATABASE_URL, "portico_bench");
      cleanups.push(created.drop);
      databaseUrl = created.url;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      SUBMIT_RATE_LIMIT_PER_HOUR: "1000000000",
      // Searches are limited per client address (120 a minute): each request comes from another
      // address (X-Forwarded-For, trusted from loopback), so the limit is never what is measured.
      TRUST_PROXY: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    };

    section("Seeding");
    const ctx = await createContext(loadConfig(env));
    let workspaceId: string;
    try {
      const { workspace, admin } = await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
        slug: SLUG,
        name: "Bench Support",
        admin: {
          email: "admin@bench.test",
          name: "Ada Admin",
          role: "admin",
          password: "bench-password-0123",
        },
      });
      workspaceId = workspace.id;
      const actor = { kind: "agent" as const, workspaceId, agentId: admin.id, role: "admin" as const };
      for (let i = 0; i < settings.articles; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, settings.articles - i) }, (_, k) =>
            createArticle(ctx, actor, article(i + k)),
          ),
        );
      }
    } finally {
      await closeContext(ctx);
    }
    console.log(`  ${settings.articles} articles`);

    const start = async () => {
      const portico = await startChild(
        "portico",
        [...startFlags(), "bin/portico.js", "serve"],
        env,
        "/readyz",
      );
      cleanups.push(portico.stop);
      return portico;
    };
    let portico = await start();
    const submitted = await expectStatus(
      "submission",
      request(portico.base, "POST", `/api/public/portals/${SLUG}/tickets`, {
        body: { name: "Casey Customer", email: "casey@customer.test", subject: "The printer is on fire" },
      }),
      201,
    );
    const { reference, trackingUrl } = submitted.json as { reference: string; trackingUrl: string };
    const token = new URL(trackingUrl, portico.base).searchParams.get("t") as string;
    const trackingJson = await expectStatus(
      "tracking read",
      request(portico.base, "GET", `/api/public/portals/${SLUG}/tickets/${reference}?t=${token}`),
      200,
    );
    const bodyFile = path.join(dataDir, "bare-body.json");
    fs.writeFileSync(bodyFile, trackingJson.text);

    section("Bare node:http");
    const bare = await startChild(
      "bare",
      ["bench/bare-server.ts"],
      { PATH: env.PATH as string, BARE_BODY_FILE: bodyFile },
      "/",
    );
    cleanups.push(bare.stop);
    const bareM = await measure(rec, settings, bare.proc.pid, "bare", "bare node:http (tracking JSON)", {
      url: `${bare.base}/`,
      connections: settings.connections,
    });
    await bare.stop();

    const rows = (phase: string, headers: Record<string, string>) => [
      {
        key: `tracking_page_${phase}`,
        label: `tracking page (HTML), ${phase}`,
        path: `/portal/${SLUG}/tickets/${reference}`,
        headers: { ...headers, cookie: `portico_track=${token}` },
      },
      {
        key: `kb_search_page_${phase}`,
        label: `KB search page (HTML), ${phase}`,
        path: `/portal/${SLUG}/kb/search?q=${encodeURIComponent(QUERY)}`,
        headers,
      },
      {
        key: `kb_search_api_${phase}`,
        label: `KB search API (JSON), ${phase}`,
        path: `/api/public/portals/${SLUG}/kb/search?q=${encodeURIComponent(QUERY)}`,
        headers,
      },
    ];
    const runPhase = async (phase: string, headers: Record<string, string>) => {
      section(`Portico, ${phase}`);
      for (const r of rows(phase, headers)) {
        const check = await request(portico.base, "GET", r.path, { headers: r.headers });
        if (check.status !== 200) throw new Error(`${r.label}: ${check.status} ${check.text.slice(0, 200)}`);
        await measure(rec, settings, portico.proc.pid, r.key, r.label, {
          url: portico.base + r.path,
          connections: settings.connections,
          requests: [
            {
              method: "GET",
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, ...r.headers, "x-forwarded-for": nextAddress() },
              }),
            },
          ],
        });
      }
    };
    await runPhase("defaults", {});
    await portico.stop();

    // Every setting, written as the settings pages store them; a fresh server reads them.
    const ctx2 = await createContext(loadConfig(env));
    try {
      await ctx2.database.db.updateTable("workspaces").set(DRESSED).where("id", "=", workspaceId).execute();
      const now = new Date().toISOString();
      await ctx2.database.db
        .insertInto("brand_assets")
        .values(
          (["logo_light", "logo_dark", "favicon"] as const).map((kind) => ({
            id: newId(),
            workspace_id: workspaceId,
            kind,
            content_type: "image/png",
            sha256: createHash("sha256").update(PNG).digest("hex"),
            width: 1,
            height: 1,
            byte_size: PNG.length,
            data_base64: PNG.toString("base64"),
            created_at: now,
          })),
        )
        .execute();
    } finally {
      await closeContext(ctx2);
    }
    portico = await start();
    await runPhase("every setting, German", { "accept-language": "de-DE,de;q=0.9,en;q=0.5" });
    await portico.stop();

    section("Share of the bare server's requests/s");
    const of = (m: Measured) => `${((m.rps / bareM.rps) * 100).toFixed(1)}%`;
    const byKey = new Map(rec.measured.map((n) => [n.key, n]));
    const ratios: Record<string, number> = {};
    for (const n of rec.measured) {
      if (n.key === "bare") continue;
      ratios[n.key] = Math.round((n.m.rps / bareM.rps) * 1000) / 10;
      console.log(
        `  ${n.label.padEnd(48)} ${fmtInt(n.m.rps).padStart(7)} req/s  ${of(n.m).padStart(6)} of bare  p50 ${fmtMs(n.m.p50)} ms  p99 ${fmtMs(n.m.p99)} ms`,
      );
    }
    for (const what of ["tracking_page", "kb_search_page", "kb_search_api"]) {
      const a = byKey.get(`${what}_defaults`)?.m;
      const b = byKey.get(`${what}_every setting, German`)?.m;
      if (a && b) {
        console.log(
          `  ${what}: with every setting, ${((b.rps / a.rps) * 100).toFixed(1)}% of its requests/s with the defaults`,
        );
      }
    }
    if (!args["no-save"]) {
      writeResults(resultsPath(`portal-settings-${engine}`), {
        engine,
        date: new Date().toISOString(),
        machine,
        settings,
        measured: rec.measured,
        percentOfBare: ratios,
      });
    }
    return rec.failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
