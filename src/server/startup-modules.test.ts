import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createScratchDatabase, type ScratchDatabase } from "./db/scratch.ts";

// What a server loads at start: the optional parts (the S3 client, IMAP, the mail parser and
// sender checks, the SMTP listener and sender, metrics, the custom-CSS parser, the clients of the
// database and Redis not in use) load only when configured or first used. Each check starts a
// fresh process that builds the app as `serve` does and lists the packages its modules came from.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

const CHILD = `
import module from "node:module";
import path from "node:path";
const urls = [];
module.registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
const root = process.env.PORTICO_ROOT;
const { loadConfig } = await import(path.join(root, "src/server/config.ts"));
const { createContext } = await import(path.join(root, "src/server/main.ts"));
const { buildApp } = await import(path.join(root, "src/server/app.ts"));
const ctx = await createContext(loadConfig(process.env));
const app = await buildApp(ctx);
await app.ready();
const packages = new Set();
for (const url of urls) {
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url);
  if (m) packages.add(m[1]);
}
console.log(JSON.stringify([...packages]));
// Ends here: what is listed is what start-up loaded, not what closing might load.
process.exit(0);
`;

async function packagesLoaded(env: Record<string, string>): Promise<Set<string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-modules-"));
  try {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", CHILD], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        PORTICO_ROOT: ROOT,
        DATA_DIR: dataDir,
        LOG_LEVEL: "silent",
        ...env,
      },
      timeout: 120_000,
    });
    return new Set(JSON.parse(stdout.trim().split("\n").at(-1) as string) as string[]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const OPTIONAL = [
  "@aws-sdk/client-s3",
  "imapflow",
  "mailauth",
  "mailparser",
  "smtp-server",
  "nodemailer",
  "prom-client",
  "css-tree",
  "ioredis",
];

describe("the modules a server loads at start", () => {
  let scratch: ScratchDatabase | undefined;
  const env: Record<string, string> = {};
  before(async () => {
    if (process.env.DATABASE_URL) {
      scratch = await createScratchDatabase(process.env.DATABASE_URL, "portico_modules");
      env.DATABASE_URL = scratch.url;
    }
  });
  after(async () => {
    await scratch?.drop();
  });

  it("leaves out every optional part that is not configured", async () => {
    const loaded = await packagesLoaded(env);
    // The hook saw the modules: the ones every server needs are there.
    for (const name of ["fastify", "kysely", "typebox"]) assert.ok(loaded.has(name), `${name} was loaded`);
    for (const name of OPTIONAL) assert.ok(!loaded.has(name), `${name} was loaded though not configured`);
    // The PostgreSQL client only on PostgreSQL.
    assert.equal(loaded.has("pg"), env.DATABASE_URL !== undefined);
  });

  it("loads an optional part once it is configured (metrics)", async () => {
    const loaded = await packagesLoaded({ ...env, METRICS_TOKEN: "0123456789abcdef-modules" });
    assert.ok(loaded.has("prom-client"));
  });
});
