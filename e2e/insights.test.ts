import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Seeder } from "../src/server/analytics/analytics.test-support.ts";
import { makeAgent, makeTeam } from "../src/server/test/factories.ts";
import { checkPage, DESK_LIGHT_PHONE_DARK, newPage, type Served, serve, skipReason } from "./support.ts";

// The insights dashboard in Chromium at a desk (light) and on a phone (dark): 120 days of
// tickets, surveys and deflection, the last 90 days compared with the 90 before; the range form
// used without JavaScript's help; a chart's data table opened.

let s: Served;
let cookie: [string, string];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

before(async () => {
  if (skipReason) return;
  s = await serve();
  const team = await makeTeam(s.env);
  const bo = await makeAgent(s.env, team.ws.id, { name: "Bo Berg" });
  const agents = [team.agent.id, bo.id];
  const seed = await Seeder.create(s.env.ctx.database.db, team.ws.id);
  const now = s.env.ctx.now().getTime();
  let r = 7;
  const rand = () => {
    r = (r * 48271) % 2147483647;
    return r / 2147483647;
  };
  const iso = (t: number) => new Date(t).toISOString();
  const types = ["Support Request", "Bug Report", "General Inquiry", "Feature Request"];
  const channels = ["portal", "email", "portal", "api"];
  for (let d = 180; d >= 0; d--) {
    const perDay = 2 + Math.floor(rand() * 5) + (d < 60 ? 2 : 0);
    for (let i = 0; i < perDay; i++) {
      const created = now - d * DAY + rand() * 20 * HOUR - 10 * HOUR;
      const done = rand() < 0.8 && d > 1;
      const resolved = created + (1 + rand() * 50) * HOUR;
      const agent = agents[Math.floor(rand() * 2)] as string;
      const id = await seed.ticket({
        created: iso(created),
        firstResponse: rand() < 0.9 ? iso(created + (0.1 + rand() * 6) * HOUR) : undefined,
        resolved: done && resolved < now ? iso(resolved) : undefined,
        assignee: agent,
        type: types[Math.floor(rand() * types.length)],
        channel: channels[Math.floor(rand() * channels.length)],
      });
      if (done && resolved < now && rand() < 0.5) {
        await seed.survey({
          kind: "csat",
          score: 1 + Math.floor(rand() * 5),
          answeredAt: iso(resolved + HOUR),
          agentId: agent,
          ticketId: id,
        });
      }
    }
    if (rand() < 0.4)
      await seed.survey({ kind: "nps", score: Math.floor(rand() * 11), answeredAt: iso(now - d * DAY) });
    if (rand() < 0.2)
      await seed.survey({ kind: "ces", score: 1 + Math.floor(rand() * 7), answeredAt: iso(now - d * DAY) });
    for (let v = 0; v < 3; v++) {
      const visit = `visit-${d}-${v}`;
      await seed.deflection(visit, "shown", iso(now - d * DAY - v * HOUR));
      if (rand() < 0.35) await seed.deflection(visit, "submitted", iso(now - d * DAY - v * HOUR + 60_000));
    }
  }
  cookie = team.agent.cookie.split("=") as [string, string];
});
after(async () => {
  await s?.close();
});

const runs = DESK_LIGHT_PHONE_DARK;

describe("the insights dashboard", { skip: skipReason, concurrency: true }, () => {
  for (const run of runs) {
    test(`at ${run.tag}`, async () => {
      const { context, page } = await newPage(s, run);
      await context.addCookies([{ name: cookie[0], value: cookie[1], url: s.base }]);
      await page.goto("/app/insights");
      await page.getByRole("heading", { name: "Insights", level: 1 }).waitFor();
      await page.getByRole("link", { name: "Last 90 days" }).click();
      await page.waitForURL(/from=/);
      await page.getByLabel("Compare with the previous period").check();
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForURL(/compare=previous/);
      assert.equal(await page.locator("svg.chart-svg[role=img]").count(), 10);
      assert.ok(
        await page
          .getByText(/vs|was/)
          .first()
          .isVisible(),
      );
      await checkPage(page, `insights-${run.tag}`);

      await page.getByText("Data table: Tickets created and resolved per day").click();
      const table = page.locator("details.chart-data[open] table").first();
      await table.waitFor();
      assert.ok((await table.locator("tbody tr").count()) >= 90);
      await checkPage(page, `insights-table-${run.tag}`);

      await page.locator("#from").fill("2020-01-01");
      await page.getByRole("button", { name: "Show" }).click();
      await page.locator(".error-summary").waitFor();
      await checkPage(page, `insights-error-${run.tag}`);
      await context.close();
    });
  }
});
