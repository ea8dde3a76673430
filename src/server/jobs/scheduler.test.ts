import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { systemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/connection.ts";
import { newId } from "../ids.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { DueJob, JobKindName } from "./job-kinds.ts";
import { LEASE_MS, MAX_ATTEMPTS, retryDelayMs, runDueJobs, startScheduler } from "./job-runner.ts";
import { clocked, counting } from "./jobs.test-support.ts";
import { scheduleJob } from "./scheduler.ts";

// The durable scheduler on the real database, with a clock each test sets (never waiting on
// real time): jobs run once even when runs race (in one process and over two connections, as
// two processes would), not before their time, again after a failure, not at all when stale;
// a job that outlived its lease is recorded once; a restarted process picks up what waits.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const actor = systemActor("test scheduler");
const MIN = 60_000;
const HOUR = 3600_000;

/** A second handle on the test's database, as another process would open it. */
function otherProcess(ctx: AppContext): AppContext {
  const database = openDatabase({
    databaseUrl: t.ctx.config.databaseUrl,
    dataDir: t.ctx.config.dataDir,
    poolSize: 4,
  });
  return { ...ctx, database };
}

/** A kind no other test uses (the handlers map passed decides which kinds a run claims). */
let kinds = 0;
const newKind = (name: string) => `test_${name}_${++kinds}`;

async function schedule(ctx: AppContext, kind: string, runAt: Date, payload?: Record<string, unknown>) {
  const key = `${kind}:${newId()}`;
  await scheduleJob(ctx, ctx.database.db, {
    kind: kind as JobKindName,
    key,
    runAt,
    workspaceId: null,
    ...(payload ? { payload } : {}),
  });
  return key;
}

const row = (key: string) =>
  t.ctx.database.db.selectFrom("scheduled_jobs").selectAll().where("key", "=", key).executeTakeFirstOrThrow();

describe("running due jobs", () => {
  test("a job runs exactly once when two runs race, in one process and from two", async () => {
    const { ctx } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("race");
    const { handler, runs } = counting();
    const keys: string[] = [];
    for (let i = 0; i < 25; i++) keys.push(await schedule(ctx, kind, new Date("2026-05-04T08:00:00Z")));
    const handlers = { [kind]: handler };
    const [a, b] = await Promise.all([
      runDueJobs(ctx, actor, { handlers }),
      runDueJobs(ctx, actor, { handlers }),
    ]);
    assert.equal(a.done + b.done, 25);
    assert.deepEqual(
      keys.map((k) => runs.get(k)),
      keys.map(() => 1),
    );
    for (const k of keys) assert.equal((await row(k)).status, "done");

    // Two processes: separate connections to the same database, each under its own name.
    const other = otherProcess(ctx);
    try {
      const more: string[] = [];
      for (let i = 0; i < 25; i++) more.push(await schedule(ctx, kind, new Date("2026-05-04T08:30:00Z")));
      const [c, d] = await Promise.all([
        runDueJobs(ctx, actor, { handlers, workerId: "process-a" }),
        runDueJobs(other, actor, { handlers, workerId: "process-b" }),
      ]);
      assert.equal(c.done + d.done, 25);
      assert.deepEqual(
        more.map((k) => runs.get(k)),
        more.map(() => 1),
      );
      const by = new Set((await Promise.all(more.map(row))).map((r) => r.locked_by));
      assert.ok([...by].every((w) => w === "process-a" || w === "process-b"));
    } finally {
      await other.database.close();
    }
  });

  test("a job waits for its time, then runs once; the payload reaches the handler", async () => {
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("later");
    const seen: DueJob[] = [];
    const handlers = {
      [kind]: {
        run: async (_c: AppContext, job: DueJob) => {
          seen.push(job);
          return "done" as const;
        },
      },
    };
    const key = await schedule(ctx, kind, new Date("2026-05-04T10:00:00Z"), { surveyId: "s1" });
    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0);
    advance(HOUR - 1);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0, "a millisecond early");
    assert.equal(seen.length, 0);
    advance(1);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).done, 1);
    assert.deepEqual(seen[0]?.payload, { surveyId: "s1" });
    assert.equal(seen[0]?.key, key);
    advance(HOUR);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0);
    const r = await row(key);
    assert.equal(r.status, "done");
    assert.equal(r.attempts, 1);
    assert.equal(r.finished_at, "2026-05-04T10:00:00.000Z");
    assert.equal(r.locked_until, null);
  });

  test("a handler answering skipped marks the job skipped", async () => {
    const { ctx } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("nothing");
    const key = await schedule(ctx, kind, new Date("2026-05-04T09:00:00Z"));
    const r = await runDueJobs(ctx, actor, { handlers: { [kind]: { run: async () => "skipped" } } });
    assert.deepEqual([r.done, r.skipped], [0, 1]);
    assert.equal((await row(key)).status, "skipped");
  });

  test("a failing job is tried again with growing waits and then succeeds; others run meanwhile", async () => {
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const flaky = newKind("flaky");
    const fine = newKind("fine");
    let tries = 0;
    const { handler, runs } = counting();
    const handlers = {
      [flaky]: {
        run: async () => {
          tries++;
          if (tries <= 2) throw new Error(`relay down (${tries})`);
          return "done" as const;
        },
      },
      [fine]: handler,
    };
    const bad = await schedule(ctx, flaky, new Date("2026-05-04T08:00:00Z"));
    const good = await schedule(ctx, fine, new Date("2026-05-04T08:30:00Z"));
    const first = await runDueJobs(ctx, actor, { handlers });
    assert.deepEqual([first.done, first.retrying], [1, 1]);
    assert.equal(runs.get(good), 1, "the other job ran despite the failure");
    let r = await row(bad);
    assert.equal(r.status, "pending");
    assert.equal(r.attempts, 1);
    assert.equal(r.last_error, "relay down (1)");
    assert.equal(r.run_at, "2026-05-04T09:01:00.000Z");
    assert.equal(r.locked_until, null);

    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0, "not before its wait");
    advance(MIN);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).retrying, 1);
    r = await row(bad);
    assert.equal(r.attempts, 2);
    assert.equal(r.run_at, "2026-05-04T09:06:00.000Z", "then five minutes");
    advance(5 * MIN - 1);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0);
    advance(1);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).done, 1);
    r = await row(bad);
    assert.equal(r.status, "done");
    assert.equal(r.attempts, 3);
    assert.equal(r.last_error, null);
    assert.equal(tries, 3);
  });

  test(`a job failing every time is given up after ${MAX_ATTEMPTS} tries`, async () => {
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("broken");
    let tries = 0;
    const handlers = {
      [kind]: {
        run: async (): Promise<"done"> => {
          tries++;
          throw new Error("always");
        },
      },
    };
    const key = await schedule(ctx, kind, new Date("2026-05-04T09:00:00Z"));
    const waits: number[] = [];
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const r = await runDueJobs(ctx, actor, { handlers });
      assert.equal(i < MAX_ATTEMPTS ? r.retrying : r.failed, 1, `try ${i}`);
      const j = await row(key);
      if (i < MAX_ATTEMPTS) {
        waits.push(Date.parse(j.run_at) - ctx.now().getTime());
        advance(Date.parse(j.run_at) - ctx.now().getTime());
      }
    }
    assert.deepEqual(waits.slice(0, 4), [MIN, 5 * MIN, 30 * MIN, 2 * HOUR]);
    assert.deepEqual(
      waits,
      waits.map((_, i) => retryDelayMs(i + 1)),
    );
    const j = await row(key);
    assert.equal(j.status, "failed");
    assert.equal(j.attempts, MAX_ATTEMPTS);
    assert.equal(j.last_error, "always");
    assert.ok(j.finished_at);
    advance(7 * 24 * HOUR);
    assert.equal((await runDueJobs(ctx, actor, { handlers })).claimed, 0);
    assert.equal(tries, MAX_ATTEMPTS);
  });

  test("a job found later than its handler allows is skipped as stale, and onStale told", async () => {
    const { ctx } = clocked(t.ctx, "2026-05-04T12:00:00Z");
    const kind = newKind("stale");
    const staled: string[] = [];
    const { handler, runs } = counting({
      staleAfterMs: 2 * HOUR,
      onStale: async (_c, job) => {
        staled.push(job.key);
      },
    });
    const old = await schedule(ctx, kind, new Date("2026-05-04T09:59:59.999Z"));
    const edge = await schedule(ctx, kind, new Date("2026-05-04T10:00:00Z"));
    const r = await runDueJobs(ctx, actor, { handlers: { [kind]: handler } });
    assert.deepEqual([r.done, r.skipped], [1, 1]);
    assert.deepEqual(staled, [old]);
    assert.equal(runs.get(old), undefined, "a stale job is not run");
    assert.equal(runs.get(edge), 1, "exactly as late as allowed still runs");
    const j = await row(old);
    assert.equal(j.status, "skipped");
    assert.equal(j.last_error, "stale");
  });

  test("scheduling the same key twice makes one row", async () => {
    const { ctx } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const spec = {
      kind: "survey_send" as const,
      key: `survey_send:${newId()}`,
      runAt: new Date("2026-05-05T09:00:00Z"),
      workspaceId: null,
      payload: { n: 1 },
    };
    assert.equal(await scheduleJob(ctx, ctx.database.db, spec), true);
    assert.equal(
      await scheduleJob(ctx, ctx.database.db, { ...spec, runAt: new Date("2026-06-01T00:00:00Z") }),
      false,
    );
    const rows = await t.ctx.database.db
      .selectFrom("scheduled_jobs")
      .selectAll()
      .where("key", "=", spec.key)
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.run_at, "2026-05-05T09:00:00.000Z", "the first schedule stands");
  });

  test("a job of a kind this version does not know waits, pending, and is reported once", async () => {
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const quiet = { ...ctx, log };
    const known = newKind("known");
    const future = newKind("from_a_newer_version");
    const k1 = await schedule(ctx, future, new Date("2026-05-04T08:00:00Z"));
    const k2 = await schedule(ctx, known, new Date("2026-05-04T08:00:00Z"));
    const handlers = { [known]: counting().handler };
    assert.equal((await runDueJobs(quiet, actor, { handlers })).done, 1);
    advance(2 * MIN);
    assert.equal((await runDueJobs(quiet, actor, { handlers })).claimed, 0);
    assert.equal((await row(k1)).status, "pending");
    assert.equal((await row(k1)).attempts, 0);
    assert.equal((await row(k2)).status, "done");
    assert.equal(lines.filter((l) => l.includes(future)).length, 1);
  });

  test("a job that outlived its lease is run by another process and recorded once", async () => {
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("slow");
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const calls: string[] = [];
    const slow = {
      [kind]: {
        run: async () => {
          calls.push("a");
          started();
          await gate;
          return "done" as const;
        },
      },
    };
    const fast = {
      [kind]: {
        run: async () => {
          calls.push("b");
          return "skipped" as const;
        },
      },
    };
    const key = await schedule(ctx, kind, new Date("2026-05-04T09:00:00Z"));
    const a = runDueJobs(ctx, actor, { handlers: slow, workerId: "process-a" });
    await running;
    assert.equal((await runDueJobs(ctx, actor, { handlers: fast, workerId: "process-b" })).claimed, 0);
    advance(LEASE_MS + 1);
    const b = await runDueJobs(ctx, actor, { handlers: fast, workerId: "process-b" });
    assert.equal(b.skipped, 1);
    release();
    const outcome = await a;
    assert.equal(outcome.done, 0, "process a's late answer is not recorded");
    const j = await row(key);
    assert.equal(j.status, "skipped");
    assert.equal(j.locked_by, "process-b");
    assert.equal(j.attempts, 2);
    assert.deepEqual(calls, ["a", "b"]);
  });

  test("after a restart, a new scheduler on the same database runs what was pending", async () => {
    const { ctx, advance } = clocked(t.ctx, "2026-05-04T09:00:00Z");
    const kind = newKind("restart");
    const key = await schedule(ctx, kind, new Date("2026-05-04T09:00:00Z"));
    const waiting = await schedule(ctx, kind, new Date("2026-05-04T09:05:00Z"));
    // The first process claims the job and dies in the middle of it (the run never ends).
    void runDueJobs(ctx, actor, {
      handlers: { [kind]: { run: () => new Promise<never>(() => {}) } },
      workerId: "process-that-died",
    });
    await waitFor(async () => (await row(key)).locked_by === "process-that-died");
    advance(LEASE_MS + 1);
    const next = otherProcess(ctx);
    const { handler, runs } = counting();
    const stop = startScheduler(next, actor, { everyMs: 50, handlers: { [kind]: handler } });
    try {
      await waitFor(async () => (await row(key)).status === "done" && (await row(waiting)).status === "done");
    } finally {
      await stop();
      await next.database.close();
    }
    assert.equal(runs.get(key), 1);
    assert.equal(runs.get(waiting), 1);
    assert.equal((await row(key)).attempts, 2, "the try cut short counts");
  });
});

/** Polls the database until `cond` holds (the scheduler's timer is real); fails after 10 s. */
async function waitFor(cond: () => Promise<boolean>) {
  for (let i = 0; i < 1000; i++) {
    if (await cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail("the condition never held");
}
