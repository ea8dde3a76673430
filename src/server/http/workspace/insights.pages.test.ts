import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Seeder } from "../../analytics/analytics.test-support.ts";
import { makeCustomer, makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// /app/insights: the range form, the tiles with their change, and the charts with their titles,
// data tables and CSV links; no inline style or script anywhere.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const page = (url: string, cookie?: string) => t.app.inject({ url, headers: cookie ? { cookie } : {} });

describe("the insights page", () => {
  test("renders the tiles, the charts and their text alternatives", async () => {
    const { ws, agent } = await makeTeam(t);
    const seed = await Seeder.create(t.ctx.database.db, ws.id);
    await seed.ticket({ created: "2026-01-02T10:00:00.000Z", type: "Bug Report", channel: "email" });
    await seed.ticket({
      created: "2026-01-09T10:00:00.000Z",
      firstResponse: "2026-01-09T10:30:00.000Z",
      resolved: "2026-01-09T12:00:00.000Z",
      assignee: agent.id,
    });
    await seed.ticket({ created: "2026-01-10T10:00:00.000Z" });
    await seed.survey({ kind: "csat", score: 4, answeredAt: "2026-01-10T10:00:00.000Z", agentId: agent.id });
    const res = await page("/app/insights?from=2026-01-08&to=2026-01-14&compare=previous", agent.cookie);
    assert.equal(res.statusCode, 200);
    const body = res.body;
    assert.match(body, /<h1>Insights<\/h1>/);
    assert.match(body, /<a href="\/app\/insights" aria-current="page">Insights<\/a>/);
    assert.match(body, /href="\/app\/insights\/reports"/);
    assert.match(body, /href="\/app\/kb\/insights"/);
    assert.match(body, /<input type="date" id="from" name="from" value="2026-01-08" required>/);
    assert.match(body, /<input type="checkbox" id="compare" name="compare" value="previous" checked>/);
    // Created 2 against 1 the week before: up 100%, in words and an arrow.
    assert.match(body, /<p class="kpi-label">Created<\/p><p class="kpi-value">2<\/p>/);
    assert.match(
      body,
      /<p class="delta delta-up"><span aria-hidden="true">▲<\/span> up 100% <span class="meta">\(was 1\)<\/span><\/p>/,
    );
    for (const id of [
      "created",
      "backlog",
      "first-response",
      "resolution",
      "csat",
      "nps",
      "ces",
      "deflection",
      "channels",
      "types",
    ]) {
      assert.match(
        body,
        new RegExp(
          `<svg class="chart-svg" viewBox="[^"]+" role="img" aria-labelledby="chart-${id}-title chart-${id}-desc"`,
        ),
        id,
      );
      assert.match(body, new RegExp(`<title id="chart-${id}-title">`), id);
    }
    assert.match(
      body,
      /<details class="chart-data"><summary>Data table<span class="visually-hidden">: Tickets created and resolved per day<\/span><\/summary><table class="data-table">/,
    );
    assert.match(
      body,
      /<tr><th scope="row">2026-01-09<\/th><td class="num">1<\/td><td class="num">1<\/td><\/tr>/,
    );
    assert.match(
      body,
      /href="\/api\/workspace\/analytics\/created-resolved.csv\?from=2026-01-08&amp;to=2026-01-14" download/,
    );
    assert.match(
      body,
      /<th scope="row"><bdi>Sam Agent<\/bdi><\/th><td class="num" data-label="Resolved">1<\/td><td class="num" data-label="CSAT">4.00<\/td>/,
    );
    // CSP: nothing inline.
    assert.doesNotMatch(body, /\sstyle=/);
    assert.doesNotMatch(body, /<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  });

  test("a range that is not one shows the form again with the field at fault", async () => {
    const { agent } = await makeTeam(t);
    const res = await page("/app/insights?from=2026-03-01&to=2026-02-01", agent.cookie);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /id="to-error"/);
    assert.match(res.body, /value="2026-03-01"/);
    assert.doesNotMatch(res.body, /class="chart-svg"/);
    const long = await page("/app/insights?from=2024-01-01&to=2026-01-01", agent.cookie);
    assert.equal(long.statusCode, 400);
  });

  test("without a range: the last 30 days; customers are sent to sign in", async () => {
    const { ws, agent } = await makeTeam(t);
    const res = await page("/app/insights", agent.cookie);
    assert.equal(res.statusCode, 200);
    assert.match(
      res.body,
      /<a href="\/app\/insights\?from=[-\d]+&amp;to=[-\d]+" aria-current="true">Last 30 days<\/a>/,
    );
    const customer = await makeCustomer(t, ws.id);
    const refused = await page("/app/insights", customer.cookie);
    assert.equal(refused.statusCode, 303);
    assert.match(String(refused.headers.location), /^\/app\/sign-in/);
  });
});
