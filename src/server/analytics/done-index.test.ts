import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { Seeder } from "./analytics.test-support.ts";
import { bucketingFor, doneRows, doneTickets } from "./queries.ts";

// The done tickets' times come from the covering index of migration 0020 on SQLite: the query's
// expressions must stay those of the index, or every row is parsed from its ISO text again.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

test("done tickets: whole-second times from their timestamps, read from the covering index on SQLite", async () => {
  const ws = await makeWorkspace(t);
  const seed = await Seeder.create(t.ctx.database.db, ws.id);
  const actor = systemActorIn("test", ws.id);
  // Resolved after 1 h 0.6 s (rounds up), answered after 10 min; closed without a resolution
  // after 2 days, never answered; still open; resolved before the range.
  await seed.ticket({
    created: "2026-03-01T10:00:00.000Z",
    firstResponse: "2026-03-01T10:10:00.000Z",
    resolved: "2026-03-01T11:00:00.600Z",
  });
  await seed.ticket({ created: "2026-03-01T12:00:00.000Z", closed: "2026-03-03T12:00:00.000Z" });
  await seed.ticket({ created: "2026-03-02T12:00:00.000Z" });
  await seed.ticket({ created: "2026-02-01T12:00:00.000Z", resolved: "2026-02-02T12:00:00.000Z" });
  const range = { from: "2026-03-01T00:00:00.000Z", to: "2026-04-01T00:00:00.000Z" };
  const b = bucketingFor(t.ctx, "UTC", range);

  const done = await doneRows(t.ctx, actor, b, range);
  assert.deepEqual(done.day, ["2026-03-01", "2026-03-03"]);
  assert.deepEqual([...done.r], [3601, 172_800]);
  assert.deepEqual([...done.f], [600, Number.NaN]);
  assert.deepEqual([...done.byR], [0, 1]);
  assert.deepEqual([...done.byF], [0]);

  if (t.ctx.database.dialect === "sqlite") {
    const q = doneTickets(t.ctx.database.db, actor, b, range).compile();
    const reader = t.ctx.database.reader;
    assert.ok(reader);
    const rows = reader.all(`explain query plan ${q.sql}`, q.parameters) as { detail: string }[];
    assert.ok(
      rows.some((r) => r.detail.includes("USING COVERING INDEX tickets_done_durations_idx")),
      rows.map((r) => r.detail).join("\n"),
    );
  }
});
