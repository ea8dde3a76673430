import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { systemActor } from "../actors.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import type { AppContext } from "../context.ts";
import type { ChangeClock } from "../db/changes.ts";
import { createScratchDatabase, type ScratchDatabase } from "../db/scratch.ts";
import { closeContext, createContext } from "../main.ts";
import { createWorkspaceWithAdmin } from "../workspaces/workspace.service.ts";
import { PASSWORD } from "./factories.ts";

// Two app instances on one PostgreSQL database and one Redis, as two processes would be (each its
// own pool, Redis connections and caches): for what must hold across processes (the read caches
// and the change clock). A scratch database with one workspace and its admin signed in through
// the first instance; a plain pg client on the same database for changes no process is told of.

export interface Instance {
  ctx: AppContext;
  app: Awaited<ReturnType<typeof buildApp>>;
}

export interface TwoInstances {
  a: Instance;
  b: Instance;
  /** The admin's session headers (cookie and CSRF token), signed in through `a`. */
  admin: Record<string, string>;
  /** A client of the same database outside both instances. */
  sql: pg.Client;
  /** A third instance on the same database (named for its data folder). */
  instance(name: string): Promise<Instance>;
  close(): Promise<void>;
}

/** Resolves once the instance's change clock answers (Redis reachable). */
export async function clockAnswers(i: Instance): Promise<void> {
  const clock = i.ctx.database.changes as ChangeClock;
  for (let n = 0; n < 200; n++) {
    if ((await clock.current()) !== null) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail("the change clock never answered");
}

export async function twoInstances(opts: {
  databaseUrl: string;
  redisUrl: string;
  /** The scratch database's and the data folders' name. */
  name: string;
  workspace: { slug: string; name: string; adminEmail: string };
}): Promise<TwoInstances> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${opts.name}-`));
  let scratch: ScratchDatabase | undefined;
  let client: pg.Client | undefined;
  const made: Instance[] = [];
  const close = async () => {
    for (const i of made) {
      await i.app.close();
      await closeContext(i.ctx);
    }
    await client?.end();
    await scratch?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const db = await createScratchDatabase(opts.databaseUrl, opts.name);
    scratch = db;
    const sql = new pg.Client({ connectionString: db.url });
    client = sql;
    await sql.connect();
    const instance = async (name: string): Promise<Instance> => {
      const ctx = await createContext(
        loadConfig({
          DATABASE_URL: db.url,
          REDIS_URL: opts.redisUrl,
          DATA_DIR: path.join(tmp, name),
          LOG_LEVEL: "silent",
          PASSWORD_HASH_COST: "12",
          MAIL_WORKER: "false",
          // The hour's submissions are counted in the shared Redis, over every run of a file.
          SUBMIT_RATE_LIMIT_PER_HOUR: "100000",
        }),
      );
      const app = await buildApp(ctx);
      made.push({ ctx, app });
      await app.ready();
      return { ctx, app };
    };
    const a = await instance("a");
    const b = await instance("b");
    const { slug, name, adminEmail } = opts.workspace;
    await createWorkspaceWithAdmin(a.ctx, systemActor("test"), {
      slug,
      name,
      admin: { email: adminEmail, name: "Ada", role: "admin", password: PASSWORD },
    });
    const signIn = await a.app.inject({
      method: "POST",
      url: "/api/auth/sign-in",
      payload: { workspace: slug, email: adminEmail, password: PASSWORD },
    });
    assert.equal(signIn.statusCode, 200, signIn.body);
    const cookie = signIn.cookies.find((c) => c.name === "portico_session");
    const admin = {
      cookie: `portico_session=${cookie?.value}`,
      "x-csrf-token": (signIn.json() as { csrfToken: string }).csrfToken,
    };
    await clockAnswers(a);
    await clockAnswers(b);
    return { a, b, admin, sql, instance, close };
  } catch (err) {
    await close();
    throw err;
  }
}
