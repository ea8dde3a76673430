import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeAgent, makeCustomer, makeTeam, signIn } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { Seeder } from "./analytics.test-support.ts";
import { csvCell, toCsv } from "./csv.ts";

// GET /api/workspace/analytics and its CSV exports: validation, the answer, the CSV's quoting
// and formula guard, and who may read them.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

describe("analytics API", () => {
  test("bad dates and ranges are 400 with the field at fault", async () => {
    const { agent } = await makeTeam(t);
    const cases: [string, string][] = [
      ["from=2026-1-01", "from"],
      ["from=2026-02-30", "from"],
      ["to=yesterday", "to"],
      ["from=2026-03-02&to=2026-03-01", "to"],
      ["from=2025-01-01&to=2026-01-02", "to"],
      ["compare=next", "compare"],
      ["colour=red", "colour"],
    ];
    for (const [qs, field] of cases) {
      const res = await get(`/api/workspace/analytics?${qs}`, { cookie: agent.cookie });
      assert.equal(res.statusCode, 400, qs);
      const body = res.json() as { error: { code: string; fields: Record<string, string> } };
      assert.equal(body.error.code, "validation_failed", qs);
      assert.ok(body.error.fields[field], `${qs}: ${JSON.stringify(body.error.fields)}`);
    }
    // 366 days is the most: 2025-01-02 to 2026-01-02 is 366 days.
    const year = await get("/api/workspace/analytics?from=2025-01-02&to=2026-01-02", {
      cookie: agent.cookie,
    });
    assert.equal(year.statusCode, 200);
    const csv = await get("/api/workspace/analytics/backlog.csv?from=2026-02-30", { cookie: agent.cookie });
    assert.equal(csv.statusCode, 400);
    assert.equal((await get("/api/workspace/analytics/nope.csv", { cookie: agent.cookie })).statusCode, 400);
  });

  test("the summary, the series and the previous period", async () => {
    const { ws, agent } = await makeTeam(t);
    const seed = await Seeder.create(t.ctx.database.db, ws.id);
    await seed.ticket({ created: "2026-01-05T10:00:00.000Z" });
    await seed.ticket({ created: "2026-01-12T10:00:00.000Z", resolved: "2026-01-12T12:00:00.000Z" });
    await seed.ticket({ created: "2026-01-13T10:00:00.000Z", channel: "email" });
    const res = await get("/api/workspace/analytics?from=2026-01-08&to=2026-01-14&compare=previous", {
      cookie: agent.cookie,
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.from, "2026-01-08");
    assert.equal(body.timeZone, "UTC");
    assert.equal(body.summary.created, 2);
    assert.equal(body.summary.resolved, 1);
    assert.equal(body.summary.backlog, 2);
    assert.equal(body.series.days.length, 7);
    assert.equal(body.previous.from, "2026-01-01");
    assert.equal(body.previous.to, "2026-01-07");
    assert.equal(body.previous.created, 1);
    // Kept until the database changes: a new ticket shows at once.
    await seed.ticket({ created: "2026-01-14T10:00:00.000Z" });
    const again = await get("/api/workspace/analytics?from=2026-01-08&to=2026-01-14&compare=previous", {
      cookie: agent.cookie,
    });
    assert.equal(again.json().summary.created, 3);
    const none = (
      await get("/api/workspace/analytics?from=2026-01-08&to=2026-01-14", { cookie: agent.cookie })
    ).json();
    assert.equal(none.previous, null);
  });

  test("CSV: header, quoting, formula guard, attachment", async () => {
    const { ws, agent } = await makeTeam(t);
    const tricky = await makeAgent(t, ws.id, { name: '=HYPERLINK("http://evil.test","x"), "Bo"' });
    const seed = await Seeder.create(t.ctx.database.db, ws.id);
    await seed.ticket({
      created: "2026-01-05T10:00:00.000Z",
      resolved: "2026-01-05T11:00:00.000Z",
      assignee: tricky.id,
      type: "+Billing, refunds",
    });
    const res = await get("/api/workspace/analytics/agents.csv?from=2026-01-01&to=2026-01-31", {
      cookie: agent.cookie,
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/csv/);
    assert.equal(
      res.headers["content-disposition"],
      'attachment; filename="portico-agents-2026-01-01-to-2026-01-31.csv"',
    );
    assert.equal(
      res.body,
      'agent,resolved,csat_average,csat_answers,first_response_median_seconds\r\n"\'=HYPERLINK(""http://evil.test"",""x""), ""Bo""",1,,0,\r\n',
    );
    const types = await get("/api/workspace/analytics/types.csv?from=2026-01-01&to=2026-01-31", {
      cookie: agent.cookie,
    });
    assert.equal(types.body, 'type,created,csat_average,csat_answers\r\n"\'+Billing, refunds",1,,0\r\n');
    const days = await get("/api/workspace/analytics/created-resolved.csv?from=2026-01-04&to=2026-01-05", {
      cookie: agent.cookie,
    });
    assert.equal(days.body, "day,created,resolved\r\n2026-01-04,0,0\r\n2026-01-05,1,1\r\n");
  });

  test("CSV cells", () => {
    assert.equal(csvCell("plain"), "plain");
    assert.equal(csvCell("a,b"), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell("two\nlines"), '"two\nlines"');
    assert.equal(csvCell("-1+1"), "'-1+1");
    assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
    assert.equal(csvCell("\tx"), "'\tx");
    assert.equal(csvCell(-20), "-20");
    assert.equal(csvCell(null), "");
    assert.equal(
      toCsv([
        ["a", 1],
        [null, "b"],
      ]),
      "a,1\r\n,b\r\n",
    );
  });

  test("customers and visitors cannot reach it; agents see their own workspace", async () => {
    const mine = await makeTeam(t);
    const other = await makeTeam(t);
    const seed = await Seeder.create(t.ctx.database.db, other.ws.id);
    await seed.ticket({ created: "2026-01-05T10:00:00.000Z" });
    const customer = await makeCustomer(t, mine.ws.id);
    const url = "/api/workspace/analytics?from=2026-01-01&to=2026-01-31";
    assert.equal((await get(url)).statusCode, 401);
    assert.equal((await get(url, { cookie: customer.cookie })).statusCode, 401);
    assert.equal(
      (await get("/api/workspace/analytics/agents.csv", { cookie: customer.cookie })).statusCode,
      401,
    );
    assert.equal((await get(url, { cookie: mine.agent.cookie })).json().summary.created, 0);
    assert.equal((await get(url, { cookie: other.agent.cookie })).json().summary.created, 1);
    const admin = await signIn(t, mine.ws.slug, mine.admin.email);
    assert.equal((await get(url, { cookie: admin.cookie })).json().summary.created, 0);
  });
});
