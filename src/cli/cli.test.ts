import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import { PORTICO_BIN, porticoCommand } from "../server/test/portico-process.ts";

// The real command, in a child process, against a fresh data folder (or PostgreSQL database).

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-cli-"));
let databaseUrl: string | undefined;
const dbName = `portico_cli_${process.pid}`;

if (process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(process.env.DATABASE_URL);
  u.pathname = `/${dbName}`;
  databaseUrl = u.toString();
}

after(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
});

function portico(...args: string[]) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), DATA_DIR: dataDir };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  return porticoCommand(env, ...args);
}

describe("portico", () => {
  test("--help on every command", () => {
    for (const args of [
      [],
      ["serve"],
      ["migrate"],
      ["workspace"],
      ["workspace", "create"],
      ["agent"],
      ["agent", "add"],
    ]) {
      const r = portico(...args, "--help");
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
      assert.match(r.out, /Usage: portico/);
    }
  });

  test("--help and a mistyped command answer without loading the server", () => {
    // A hook in the child lists every module it loads, on stderr as it exits.
    const hook = `data:text/javascript,${encodeURIComponent(
      `import module from "node:module"; const urls = []; module.registerHooks({ load(url, c, next) { urls.push(url); return next(url, c); } }); process.on("exit", () => process.stderr.write("LOADED " + JSON.stringify(urls)));`,
    )}`;
    for (const args of [["--help"], ["workspace", "create", "--help"], ["frobnicate"]]) {
      const r = spawnSync(process.execPath, ["--import", hook, PORTICO_BIN, ...args], {
        env: { ...process.env, DATA_DIR: dataDir },
        encoding: "utf8",
        timeout: 60_000,
        killSignal: "SIGKILL",
      });
      const loaded = JSON.parse(/LOADED (\[.*\])/.exec(r.stderr)?.[1] ?? "[]") as string[];
      assert.ok(
        loaded.some((u) => u.endsWith("/src/cli/portico.ts")),
        `${args.join(" ")}: the CLI itself is listed`,
      );
      const server = loaded.filter((u) =>
        /\/src\/server\/(main|app)\.ts$|\/src\/server\/db\/|node_modules\/fastify\//.test(u),
      );
      assert.deepEqual(server, [], `${args.join(" ")} loads no server module`);
    }
  });

  test("an unknown command or option is an error on stderr with exit code 1 (--help, above, exits 0)", () => {
    for (const args of [["frobnicate"], ["--frobnicate"], ["serve", "--frobnicate"]]) {
      const r = portico(...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.out}${r.err}`);
      assert.match(r.err, /^error: unknown (command 'frobnicate'|option '--frobnicate')/, args.join(" "));
      assert.equal(r.out, "", "nothing on stdout, where a script reads answers");
    }
  });

  test("migrate, then workspace create and agent add", () => {
    const m = portico("migrate");
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /Applied: 0001_tickets_core|Already up to date/);
    assert.match(portico("migrate").out, /Already up to date/);

    const w = portico(
      "workspace",
      "create",
      "--slug",
      "acme",
      "--name",
      "Acme Support",
      "--admin-email",
      "ada@acme.test",
      "--admin-password",
      "a long enough password",
    );
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /Created workspace "Acme Support" \(acme\)/);

    const again = portico(
      "workspace",
      "create",
      "--slug",
      "acme",
      "--name",
      "Other",
      "--admin-email",
      "x@acme.test",
      "--admin-password",
      "a long enough password",
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /slug is taken/);

    const a = portico(
      "agent",
      "add",
      "--workspace",
      "acme",
      "--email",
      "bo@acme.test",
      "--name",
      "Bo",
      "--password",
      "another long password",
    );
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /Added agent bo@acme.test to acme/);
  });

  test("clear errors for bad input", () => {
    const badSlug = portico(
      "workspace",
      "create",
      "--slug",
      "Bad Slug!",
      "--name",
      "X",
      "--admin-email",
      "x@x.test",
      "--admin-password",
      "a long enough password",
    );
    assert.equal(badSlug.code, 1);
    assert.match(badSlug.err, /--slug: must be/);

    const noPassword = portico(
      "workspace",
      "create",
      "--slug",
      "nopass",
      "--name",
      "X",
      "--admin-email",
      "x@x.test",
    );
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.err, /--admin-password is required when no terminal is attached/);

    const shortPassword = portico(
      "workspace",
      "create",
      "--slug",
      "short",
      "--name",
      "X",
      "--admin-email",
      "x@x.test",
      "--admin-password",
      "short",
    );
    assert.equal(shortPassword.code, 1);
    assert.match(shortPassword.err, /--admin-password: must be at least 10 characters/);
    const commonPassword = portico(
      "workspace",
      "create",
      "--slug",
      "short",
      "--name",
      "X",
      "--admin-email",
      "x@x.test",
      "--admin-password",
      "password123",
    );
    assert.equal(commonPassword.code, 1);
    assert.match(commonPassword.err, /That password is too common/);
    assert.match(commonPassword.err, /--admin-password: is too common/);
    // The workspace was not left behind without an admin.
    const retry = portico(
      "workspace",
      "create",
      "--slug",
      "short",
      "--name",
      "X",
      "--admin-email",
      "x@x.test",
      "--admin-password",
      "a long enough password",
    );
    assert.equal(retry.code, 0, retry.err);

    const unknown = portico(
      "agent",
      "add",
      "--workspace",
      "nope",
      "--email",
      "a@b.test",
      "--password",
      "a long enough password",
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /No workspace with the slug "nope"/);
    const common = portico(
      "agent",
      "add",
      "--workspace",
      "short",
      "--email",
      "q@b.test",
      "--password",
      "qwertyuiop",
    );
    assert.equal(common.code, 1);
    assert.match(common.err, /--password: is too common/);

    const missing = portico("agent", "add");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /required option '--workspace <slug>'/);
    const badRole = portico("agent", "add", "--workspace", "acme", "--email", "a@b.test", "--role", "boss");
    assert.notEqual(badRole.code, 0);
    assert.match(badRole.err, /Allowed choices are agent, admin/);
  });
});
