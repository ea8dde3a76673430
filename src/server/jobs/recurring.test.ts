import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { systemActor } from "../actors.ts";
import { makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { JOB_HANDLERS } from "./job-handlers.ts";
import type { JobKindName } from "./job-kinds.ts";
import { runDueJobs } from "./job-runner.ts";
import { clocked, counting } from "./jobs.test-support.ts";
import { planRecurringJobs } from "./recurring.ts";

// Recurring work is planned for the current period only, in each workspace's time zone: after
// days of downtime one row a slot, not one per missed day; the month to report turns locally.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const actor = systemActor("test scheduler");
const HOUR = 3600_000;

describe("recurring work", () => {
  const recurring = async (wsIds: string[]) =>
    (
      await t.ctx.database.db
        .selectFrom("scheduled_jobs")
        .select(["key", "kind", "run_at", "payload", "workspace_id"])
        .where((eb) => eb.or([eb("workspace_id", "in", wsIds), eb("kind", "=", "task_reminders")]))
        .orderBy("key")
        .execute()
    ).map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));

  test("after ten days down only today's rows are planned, in each workspace's time zone", async () => {
    const auckland = await makeWorkspace(t);
    const la = await makeWorkspace(t);
    const db = t.ctx.database.db;
    await db
      .updateTable("workspaces")
      .set({ time_zone: "Pacific/Auckland" })
      .where("id", "=", auckland.id)
      .execute();
    await db
      .updateTable("workspaces")
      .set({ time_zone: "America/Los_Angeles" })
      .where("id", "=", la.id)
      .execute();
    const { ctx, advance } = clocked(t.ctx, "2026-06-05T12:00:00Z");
    await planRecurringJobs(ctx, actor);
    assert.equal(await planRecurringJobs(ctx, actor), 0, "planning again adds nothing");
    // Down for ten days; back at 23:30 UTC, which is already tomorrow in Auckland.
    advance(10 * 24 * HOUR + 11.5 * HOUR);
    assert.equal(ctx.now().toISOString(), "2026-06-15T23:30:00.000Z");
    await planRecurringJobs(ctx, actor);
    const rows = await recurring([auckland.id, la.id]);
    const of = (kind: string, wsId: string | null) =>
      rows
        .filter((r) => r.kind === kind && r.workspace_id === wsId)
        .map((r) => [r.key.split(":").pop(), r.run_at]);
    // Auckland is UTC+12 in June: 06:00 on the 16th there is 18:00 UTC on the 15th.
    assert.deepEqual(of("kb_health", auckland.id), [
      ["2026-06-06", "2026-06-05T18:00:00.000Z"],
      ["2026-06-16", "2026-06-15T18:00:00.000Z"],
    ]);
    assert.deepEqual(of("nps_sweep", auckland.id), [
      ["2026-06-06", "2026-06-05T22:00:00.000Z"],
      ["2026-06-16", "2026-06-15T22:00:00.000Z"],
    ]);
    // Los Angeles is UTC-7: still the 15th there.
    assert.deepEqual(of("kb_health", la.id), [
      ["2026-06-05", "2026-06-05T13:00:00.000Z"],
      ["2026-06-15", "2026-06-15T13:00:00.000Z"],
    ]);
    assert.deepEqual(of("nps_sweep", la.id), [
      ["2026-06-05", "2026-06-05T17:00:00.000Z"],
      ["2026-06-15", "2026-06-15T17:00:00.000Z"],
    ]);
    // One report, of May, due at 07:00 on the 1st of June locally.
    assert.deepEqual(of("monthly_report", auckland.id), [["2026-05", "2026-05-31T19:00:00.000Z"]]);
    assert.deepEqual(of("monthly_report", la.id), [["2026-05", "2026-06-01T14:00:00.000Z"]]);
    assert.deepEqual(
      rows.filter((r) => r.kind === "monthly_report").map((r) => r.payload),
      [{ month: "2026-05" }, { month: "2026-05" }],
    );
    const reminders = of("task_reminders", null).filter(([day]) => (day ?? "") >= "2026-06-05");
    assert.deepEqual(
      reminders.filter(([day]) => (day ?? "") <= "2026-06-15"),
      [
        ["2026-06-05", "2026-06-05T08:00:00.000Z"],
        ["2026-06-15", "2026-06-15T08:00:00.000Z"],
      ],
    );

    // Running what is due runs each of these once: two runs a slot, not eleven.
    const { handler, runs } = counting();
    const handlers = {
      kb_health: handler,
      nps_sweep: handler,
      monthly_report: handler,
      task_reminders: handler,
    };
    await runDueJobs(ctx, actor, { handlers });
    const ran = [...runs.keys()].filter((k) => k.includes(auckland.id) || k.includes(la.id));
    assert.equal(ran.length, 2 + 2 + 2 + 2 + 2);
    assert.ok([...runs.values()].every((n) => n === 1));
  });

  test("the month to report and its day turn in the workspace's zone, not in UTC", async () => {
    const auckland = await makeWorkspace(t);
    const la = await makeWorkspace(t);
    const db = t.ctx.database.db;
    await db
      .updateTable("workspaces")
      .set({ time_zone: "Pacific/Auckland" })
      .where("id", "=", auckland.id)
      .execute();
    await db
      .updateTable("workspaces")
      .set({ time_zone: "America/Los_Angeles" })
      .where("id", "=", la.id)
      .execute();
    // 13:00 UTC on 30 June: 01:00 on 1 July in Auckland, 06:00 on 30 June in Los Angeles.
    const { ctx } = clocked(t.ctx, "2026-06-30T13:00:00Z");
    await planRecurringJobs(ctx, actor);
    const rows = await recurring([auckland.id, la.id]);
    const keyOf = (kind: string, wsId: string) =>
      rows.filter((r) => r.kind === kind && r.workspace_id === wsId).map((r) => [r.key, r.run_at]);
    assert.deepEqual(keyOf("monthly_report", auckland.id), [
      [`monthly_report:${auckland.id}:2026-06`, "2026-06-30T19:00:00.000Z"],
    ]);
    assert.deepEqual(keyOf("monthly_report", la.id), [
      [`monthly_report:${la.id}:2026-05`, "2026-06-01T14:00:00.000Z"],
    ]);
    assert.deepEqual(keyOf("kb_health", auckland.id), [
      [`kb_health:${auckland.id}:2026-07-01`, "2026-06-30T18:00:00.000Z"],
    ]);
    assert.deepEqual(keyOf("kb_health", la.id), [
      [`kb_health:${la.id}:2026-06-30`, "2026-06-30T13:00:00.000Z"],
    ]);
    // January's report is of December of the year before.
    const { ctx: january } = clocked(t.ctx, "2027-01-02T12:00:00Z");
    await planRecurringJobs(january, actor);
    const jan = await recurring([la.id]);
    assert.ok(jan.some((r) => r.key === `monthly_report:${la.id}:2026-12`));
  });

  test("an unknown time zone is planned in UTC rather than not at all", async () => {
    const ws = await makeWorkspace(t);
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ time_zone: "Mars/Olympus_Mons" })
      .where("id", "=", ws.id)
      .execute();
    const { ctx } = clocked(t.ctx, "2026-08-10T03:00:00Z");
    await planRecurringJobs({ ...ctx, log: pino({ level: "silent" }) }, actor);
    const rows = await recurring([ws.id]);
    assert.deepEqual(
      rows.filter((r) => r.workspace_id === ws.id && r.kind === "kb_health").map((r) => r.run_at),
      ["2026-08-10T06:00:00.000Z"],
    );
  });

  test("every kind of job has its handler", () => {
    const kinds: JobKindName[] = [
      "survey_send",
      "slack_notify",
      "nps_sweep",
      "kb_health",
      "monthly_report",
      "task_reminders",
    ];
    for (const k of kinds) assert.equal(typeof JOB_HANDLERS[k]?.run, "function", k);
  });
});
