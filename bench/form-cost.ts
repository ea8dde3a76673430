import fs from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeTeam } from "../src/server/test/factories.ts";
import { testEnv } from "../src/server/test/harness.ts";
import { TICKET_TYPES } from "../src/shared/tickets.ts";

// What a submission through the HTML form costs the server against one through the JSON API, in
// one process (`app.inject`: routing, body parsing, the entry, the write, the page), on a fresh
// database (SQLite in a temp folder, or a scratch PostgreSQL database with DATABASE_URL): CPU per
// GET of /portal/{slug}/submit, per POST of that form (with the hidden fields its page carried),
// and per JSON submission with an Idempotency-Key, as bench/scenarios/form-submissions.ts and
// submissions.ts send them; and per GET /healthz, the floor of any answer in this process. They
// take turns, request by request, as the HTTP benchmark's connections send them (every GET comes
// after a commit), so a busy machine weighs on all alike.

const { values: flags } = parseArgs({ options: { help: { type: "boolean" } } });
if (flags.help) {
  console.log(`node bench/form-cost.ts
  BENCH_FORM_ROUNDS    rounds measured, after one to warm up (5)
  BENCH_FORM_BATCH     requests of each kind per round (200)
  BENCH_FORM_PROFILE   a folder: the last round profiled there (round.cpuprofile; the profiler's
                       own cost then weighs on that round)
  DATABASE_URL         PostgreSQL instead of SQLite`);
  process.exit(0);
}

const ROUNDS = Number(process.env.BENCH_FORM_ROUNDS ?? 5);
const BATCH = Number(process.env.BENCH_FORM_BATCH ?? 200);
const HIDDEN = /<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g;
const REFERENCE = /TKT-\d+/;

const profileDir = process.env.BENCH_FORM_PROFILE;
const session = profileDir ? new Session() : undefined;
session?.connect();
await session?.post("Profiler.enable");
const t = await testEnv({ LOG_LEVEL: "warn" });
try {
  const team = await makeTeam(t);
  const slug = team.ws.slug;
  const runTag = Date.now().toString(36);
  let seq = 0;

  const cpuMs = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1000;
  };

  /** The submit page; answers the hidden fields it carries. */
  async function getPage(): Promise<string[][]> {
    const res = await t.app.inject({ url: `/portal/${slug}/submit` });
    if (res.statusCode !== 200) throw new Error(`GET: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return [...res.body.matchAll(HIDDEN)].map((m) => [m[1] as string, m[2] as string]);
  }

  async function postForm(hidden: string[][]): Promise<void> {
    const i = ++seq;
    const form = new URLSearchParams(hidden);
    form.set("name", `Form Customer ${i}`);
    form.set("email", `form-${runTag}-${i}@customer${i % 89}.test`);
    form.set("subject", `The printer is on fire (${i})`);
    form.set("description", `It smells of smoke. Reference form-${runTag}-${i}.`);
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/submit`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form.toString(),
    });
    if (res.statusCode !== 200 || !REFERENCE.test(res.body))
      throw new Error(`POST: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }

  async function postJson(): Promise<void> {
    const i = ++seq;
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${slug}/tickets`,
      headers: { "content-type": "application/json", "idempotency-key": `bench-${runTag}-${i}` },
      payload: JSON.stringify({
        name: `Bench Customer ${i}`,
        email: `bench-${runTag}-${i}@customer${i % 89}.test`,
        subject: `The printer is on fire (${i})`,
        description: `It smells of smoke. Reference ${runTag}-${i}.`,
        type: TICKET_TYPES[i % TICKET_TYPES.length],
      }),
    });
    if (res.statusCode !== 201) throw new Error(`JSON: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }

  /** One request's CPU, in ms. */
  async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
    const from = process.cpuUsage();
    const out = await run();
    return [out, cpuMs(from)];
  }

  // In turn, as the HTTP benchmark's connections send them: every GET comes after a commit.
  /** The floor: an answer with nothing in it (routing, hooks, headers, the in-process request). */
  async function getHealth(): Promise<void> {
    const res = await t.app.inject({ url: "/healthz" });
    if (res.statusCode !== 200) throw new Error(`healthz: ${res.statusCode}`);
  }

  const totals = { get: 0, post: 0, json: 0, bare: 0 };
  for (let round = 0; round <= ROUNDS; round++) {
    const profile = round === ROUNDS && session !== undefined;
    if (profile) await session?.post("Profiler.start");
    let get = 0;
    let post = 0;
    let json = 0;
    let bare = 0;
    for (let i = 0; i < BATCH; i++) {
      const [hidden, g] = await timed(getPage);
      const [, p] = await timed(() => postForm(hidden));
      const [, j] = await timed(postJson);
      const [, h] = await timed(getHealth);
      get += g;
      post += p;
      json += j;
      bare += h;
    }
    if (profile && session && profileDir) {
      const { profile: written } = await session.post("Profiler.stop");
      fs.mkdirSync(profileDir, { recursive: true });
      fs.writeFileSync(path.join(profileDir, "round.cpuprofile"), JSON.stringify(written));
    }
    if (round === 0) continue;
    totals.get += get;
    totals.post += post;
    totals.json += json;
    totals.bare += bare;
    console.log(
      `round ${round}: GET ${(get / BATCH).toFixed(3)} ms, POST ${(post / BATCH).toFixed(3)} ms, JSON ${(json / BATCH).toFixed(3)} ms, /healthz ${(bare / BATCH).toFixed(3)} ms CPU each`,
    );
  }
  const n = ROUNDS * BATCH;
  console.log(
    `${t.ctx.database.dialect}, ${n} of each: GET ${(totals.get / n).toFixed(3)} ms, POST ${(totals.post / n).toFixed(3)} ms, form (GET + POST) ${((totals.get + totals.post) / n).toFixed(3)} ms, JSON ${(totals.json / n).toFixed(3)} ms, /healthz ${(totals.bare / n).toFixed(3)} ms CPU each; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  session?.disconnect();
  await t.close();
}
