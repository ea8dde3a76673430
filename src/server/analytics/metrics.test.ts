import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AgentActor, systemActorIn } from "../actors.ts";
import { makeAgent, makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { Seeder } from "./analytics.test-support.ts";
import { dailySeries, periodSummary, rangeOfDays } from "./metrics.ts";
import { durationsOf, orderOf, timePercentiles } from "./queries.ts";
import { localDay, offsetSegments, startOfDay } from "./zone.ts";

// The dashboard's numbers on a small dataset whose answers are worked out by hand.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const H = 3600;

async function world(zone = "UTC") {
  const ws = await makeWorkspace(t);
  if (zone !== "UTC") {
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ time_zone: zone })
      .where("id", "=", ws.id)
      .execute();
  }
  const a = await makeAgent(t, ws.id, { name: "Alice" });
  const b = await makeAgent(t, ws.id, { name: "Bob" });
  const seed = await Seeder.create(t.ctx.database.db, ws.id);
  const actor: AgentActor = { kind: "agent", workspaceId: ws.id, agentId: a.id, role: "agent" };
  return { ws, a, b, seed, actor };
}

describe("period summary and daily series", () => {
  test("counts, backlog, percentiles, CSAT, NPS, CES and deflection", async () => {
    const { a, b, seed, actor, ws } = await world();
    // Before the range: one still open, one resolved.
    await seed.ticket({ created: "2025-12-31T08:00:00.000Z" });
    await seed.ticket({
      created: "2025-12-30T08:00:00.000Z",
      resolved: "2025-12-31T08:00:00.000Z",
      assignee: a.id,
    });
    // In the range.
    const t1 = await seed.ticket({
      created: "2026-01-01T10:00:00.000Z",
      firstResponse: "2026-01-01T11:00:00.000Z",
      resolved: "2026-01-02T10:00:00.000Z",
      assignee: a.id,
      type: "Bug Report",
      channel: "email",
    });
    await seed.ticket({
      created: "2026-01-01T12:00:00.000Z",
      firstResponse: "2026-01-01T12:10:00.000Z",
      resolved: "2026-01-02T14:00:00.000Z",
      assignee: a.id,
    });
    await seed.ticket({
      created: "2026-01-02T09:00:00.000Z",
      firstResponse: "2026-01-02T09:20:00.000Z",
      resolved: "2026-01-02T10:00:00.000Z",
      assignee: b.id,
    });
    // Closed straight away, never resolved: done on the day it was closed.
    await seed.ticket({
      created: "2026-01-02T09:00:00.000Z",
      closed: "2026-01-03T09:00:00.000Z",
      assignee: b.id,
    });
    // Answered, not done: in the backlog, not in the times.
    await seed.ticket({ created: "2026-01-03T09:00:00.000Z", firstResponse: "2026-01-03T11:00:00.000Z" });

    const day2 = "2026-01-02T15:00:00.000Z";
    await seed.survey({ kind: "csat", score: 5, answeredAt: day2, agentId: a.id, ticketId: t1 });
    await seed.survey({ kind: "csat", score: 4, answeredAt: day2, agentId: a.id });
    await seed.survey({ kind: "csat", score: 2, answeredAt: day2, agentId: b.id });
    await seed.survey({ kind: "csat", score: 1, answeredAt: "2025-12-31T15:00:00.000Z", agentId: b.id });
    for (const score of [10, 10, 9, 7, 6, 0]) await seed.survey({ kind: "nps", score, answeredAt: day2 });
    await seed.survey({ kind: "ces", score: 7, answeredAt: day2 });
    await seed.survey({ kind: "ces", score: 5, answeredAt: "2026-01-04T15:00:00.000Z" });
    await seed.survey({ kind: "still_fixed", score: null, answeredAt: day2 });

    await seed.deflection("v1", "shown", "2026-01-02T10:00:00.000Z");
    await seed.deflection("v1", "clicked", "2026-01-02T10:01:00.000Z");
    await seed.deflection("v2", "shown", "2026-01-02T11:00:00.000Z");
    await seed.deflection("v2", "submitted", "2026-01-02T11:05:00.000Z");
    await seed.deflection("v3", "shown", "2026-01-05T11:00:00.000Z");
    await seed.deflection("v4", "submitted", "2026-01-05T12:00:00.000Z");

    const range = rangeOfDays("UTC", "2026-01-01", "2026-01-10");
    assert.deepEqual(range, { from: "2026-01-01T00:00:00.000Z", to: "2026-01-11T00:00:00.000Z" });
    const s = await periodSummary(t.ctx, actor, range);
    assert.equal(s.created, 5);
    assert.equal(s.resolved, 4);
    assert.equal(s.backlog, 2);
    // Resolution: 1 h, 24 h, 24 h, 26 h → median 24 h (mean of the middle two), p90 the 4th.
    assert.deepEqual(s.resolution, { median: 24 * H, p90: 26 * H, count: 4 });
    // First response of the resolved: 10 min, 20 min, 1 h → median 20 min, p90 the 3rd.
    assert.deepEqual(s.firstResponse, { median: 1200, p90: H, count: 3 });
    assert.equal(s.csat.count, 3);
    assert.equal(s.csat.average, 11 / 3);
    assert.equal(s.csat.satisfiedRate, 2 / 3);
    // 3 promoters, 1 passive, 2 detractors of 6: (3 − 2) / 6.
    assert.deepEqual(s.nps, { score: (100 * 1) / 6, count: 6, promoters: 3, passives: 1, detractors: 2 });
    assert.deepEqual(s.ces, { average: 6, count: 2 });
    // v1 and v3 sent nothing, v2 did; v4 never saw a suggestion.
    assert.deepEqual(s.deflection, { rate: 2 / 3, visits: 3 });
    assert.deepEqual(s.byChannel, [
      { channel: "portal", created: 4 },
      { channel: "email", created: 1 },
    ]);
    assert.deepEqual(s.byType, [
      { type: "Support Request", created: 4, csatAverage: null, csatCount: 0 },
      { type: "Bug Report", created: 1, csatAverage: 5, csatCount: 1 },
    ]);
    assert.deepEqual(s.byAgent, [
      {
        agentId: a.id,
        name: "Alice",
        resolved: 2,
        csatAverage: 4.5,
        csatCount: 2,
        firstResponseMedian: 2100,
      },
      { agentId: b.id, name: "Bob", resolved: 2, csatAverage: 2, csatCount: 1, firstResponseMedian: 1200 },
    ]);

    const series = await dailySeries(t.ctx, systemActorIn("report", ws.id), range);
    assert.equal(series.bucket, "day");
    assert.equal(series.days.length, 10);
    assert.deepEqual(series.days.slice(0, 4), [
      { day: "2026-01-01", created: 2, resolved: 0, backlog: 3 },
      { day: "2026-01-02", created: 2, resolved: 3, backlog: 2 },
      { day: "2026-01-03", created: 1, resolved: 1, backlog: 2 },
      { day: "2026-01-04", created: 0, resolved: 0, backlog: 2 },
    ]);
    const jan2 = series.buckets.find((x) => x.start === "2026-01-02");
    assert.deepEqual(jan2?.resolution, { median: 24 * H, p90: 26 * H, count: 3 });
    assert.deepEqual(jan2?.csat, { average: 11 / 3, count: 3 });
    assert.deepEqual(jan2?.deflection, { rate: 0.5, visits: 2 });
    assert.deepEqual(series.buckets.find((x) => x.start === "2026-01-04")?.ces, { average: 5, count: 1 });
    assert.deepEqual(series.buckets.find((x) => x.start === "2026-01-06")?.csat, { average: null, count: 0 });
  });

  test("an agent of another workspace sees only their own", async () => {
    const mine = await world();
    const theirs = await world();
    await mine.seed.ticket({ created: "2026-02-01T10:00:00.000Z" });
    await theirs.seed.ticket({ created: "2026-02-01T10:00:00.000Z" });
    await theirs.seed.ticket({ created: "2026-02-01T11:00:00.000Z" });
    await theirs.seed.survey({ kind: "csat", score: 1, answeredAt: "2026-02-01T12:00:00.000Z" });
    const range = rangeOfDays("UTC", "2026-02-01", "2026-02-01");
    const s = await periodSummary(t.ctx, mine.actor, range);
    assert.equal(s.created, 1);
    assert.equal(s.csat.count, 0);
    assert.equal((await periodSummary(t.ctx, theirs.actor, range)).created, 2);
  });

  test("days are the workspace's, across a daylight-saving change", async () => {
    const { seed, actor } = await world("America/New_York");
    // 22:00 on 1 March in New York (EST, UTC−5).
    await seed.ticket({ created: "2026-03-02T03:00:00.000Z" });
    // 00:30 on 9 March (EDT, UTC−4 since 8 March): a fixed EST offset would say 8 March.
    await seed.ticket({ created: "2026-03-09T04:30:00.000Z" });
    // 23:30 on 8 March (EDT).
    await seed.ticket({ created: "2026-03-09T03:30:00.000Z" });
    const range = rangeOfDays("America/New_York", "2026-03-01", "2026-03-10");
    assert.equal(range.from, "2026-03-01T05:00:00.000Z");
    assert.equal(range.to, "2026-03-11T04:00:00.000Z");
    const series = await dailySeries(t.ctx, actor, range);
    assert.equal(series.timeZone, "America/New_York");
    const created = Object.fromEntries(series.days.filter((d) => d.created).map((d) => [d.day, d.created]));
    assert.deepEqual(created, { "2026-03-01": 1, "2026-03-08": 1, "2026-03-09": 1 });
  });

  test("time zone helpers", () => {
    assert.equal(localDay("Asia/Kolkata", Date.parse("2026-01-01T18:29:00.000Z")), "2026-01-01");
    assert.equal(localDay("Asia/Kolkata", Date.parse("2026-01-01T18:30:00.000Z")), "2026-01-02");
    assert.equal(
      new Date(startOfDay("Europe/Paris", "2026-03-29")).toISOString(),
      "2026-03-28T23:00:00.000Z",
    );
    assert.equal(
      new Date(startOfDay("Europe/Paris", "2026-03-30")).toISOString(),
      "2026-03-29T22:00:00.000Z",
    );
    assert.deepEqual(
      offsetSegments("Europe/Paris", Date.parse("2026-03-01T00:00:00Z"), Date.parse("2026-04-01T00:00:00Z")),
      [
        { until: "2026-03-29T01:00:00.000Z", offset: 60 },
        { until: null, offset: 120 },
      ],
    );
  });

  test("percentiles: even and odd counts, negative and fractional times, groups", () => {
    const done = (r: number[], f: number[], agent: string[]) => {
      const col = Float64Array.from(r);
      const fc = Float64Array.from(f);
      const order = (v: Float64Array) =>
        Uint32Array.from(
          [...v.keys()]
            .filter((i) => !Number.isNaN(v[i]))
            .sort((a, b) => (v[a] as number) - (v[b] as number)),
        );
      return { day: agent.map(() => "2026-01-01"), agent, r: col, f: fc, byR: order(col), byF: order(fc) };
    };
    const d = done([40, 10, 30, 20, -5], [1.5, Number.NaN, 0.5, 2.5, 3.5], ["a", "b", "a", "b", "a"]);
    const all = timePercentiles(d).get("all");
    assert.deepEqual(all?.resolution, { median: 20, p90: 40, count: 5 });
    assert.deepEqual(all?.firstResponse, { median: 2, p90: 3.5, count: 4 });
    const byAgent = timePercentiles(d, (i) => d.agent[i] as string);
    assert.deepEqual(byAgent.get("a")?.resolution, { median: 30, p90: 40, count: 3 });
    assert.deepEqual(byAgent.get("b")?.resolution, { median: 15, p90: 20, count: 2 });
    assert.deepEqual(byAgent.get("b")?.firstResponse, { median: 2.5, p90: 2.5, count: 1 });
    assert.deepEqual(durationsOf([]), { median: null, p90: null, count: 0 });
    // Row numbers by value, gaps (NaN) left out: exact packed keys for whole seconds, negative
    // ones included; a plain sort otherwise.
    assert.deepEqual([...orderOf(Float64Array.from([30, -7, Number.NaN, 0, 30, 5]))], [1, 3, 5, 0, 4]);
    assert.deepEqual([...orderOf(Float64Array.from([0.5, -0.25, 2]))], [1, 0, 2]);
    // Ten values: the 90th percentile is the 9th.
    assert.equal(durationsOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).p90, 9);
  });

  test("weeks beyond 90 days", async () => {
    const { seed, actor } = await world();
    await seed.ticket({ created: "2026-01-05T10:00:00.000Z", resolved: "2026-01-06T10:00:00.000Z" });
    await seed.ticket({ created: "2026-01-07T10:00:00.000Z", resolved: "2026-01-07T12:00:00.000Z" });
    await seed.survey({ kind: "csat", score: 3, answeredAt: "2026-01-11T23:00:00.000Z" });
    await seed.survey({ kind: "csat", score: 5, answeredAt: "2026-01-05T01:00:00.000Z" });
    const series = await dailySeries(t.ctx, actor, rangeOfDays("UTC", "2026-01-01", "2026-04-30"));
    assert.equal(series.bucket, "week");
    assert.equal(series.days.length, 120);
    assert.equal(series.buckets[0]?.start, "2025-12-29");
    const week = series.buckets.find((x) => x.start === "2026-01-05");
    assert.equal(week?.created, 2);
    assert.deepEqual(week?.resolution, { median: (24 * H + 2 * H) / 2, p90: 24 * H, count: 2 });
    assert.deepEqual(week?.csat, { average: 4, count: 2 });
  });
});
