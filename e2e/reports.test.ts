import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentActor } from "../src/server/actors.ts";
import type { SurveyKind } from "../src/server/db/schema.surveys.ts";
import { newId } from "../src/server/ids.ts";
import { monthlyReportJob } from "../src/server/insights/monthly-report.ts";
import { createArticle } from "../src/server/kb/kb.articles.ts";
import { makeTeam, submitTicket } from "../src/server/test/factories.ts";
import { checkPage, DESK_LIGHT_PHONE_DARK, newPage, type Served, serve, skipReason } from "./support.ts";

// The monthly improvement report in Chromium: the list and one report of a seeded month, at a
// desk in light mode and on a phone in dark mode; axe, no sideways scrolling, local times.

const MONTH = "2026-10";
let s: Served;
let team: Awaited<ReturnType<typeof makeTeam>>;

before(async () => {
  if (skipReason) return;
  s = await serve();
  team = await makeTeam(s.env);
  const db = s.env.ctx.database.db;
  const ws = team.ws.id;
  for (const [type, email, name] of [
    ["Bug Report", "ann@acme.test", "Ann Acme-Longname-Without-Breaks"],
    ["General Inquiry", "bob@b.test", "Bob B"],
  ] as const) {
    await submitTicket(s.env, team.ws.slug, { type, email, name });
  }
  const tickets = await db
    .selectFrom("tickets")
    .select(["id", "contact_id"])
    .where("workspace_id", "=", ws)
    .execute();
  const survey = async (
    kind: SurveyKind,
    score: number,
    day: string,
    i: number,
    comment: string | null = null,
  ) => {
    const tk = tickets[i % tickets.length] as { id: string; contact_id: string };
    const at = `${MONTH}-${day}T10:00:00.000Z`;
    await db
      .insertInto("surveys")
      .values({
        id: newId(),
        workspace_id: ws,
        kind,
        contact_id: tk.contact_id,
        company_id: null,
        ticket_id: kind === "nps" ? null : tk.id,
        plan_id: null,
        agent_id: null,
        trigger: "resolution",
        status: "answered",
        skip_reason: null,
        token_hash: null,
        unsubscribe_token_hash: null,
        send_at: at,
        sent_at: at,
        expires_at: null,
        score,
        answer: null,
        comment,
        answered_at: at,
        answered_via: "email",
        created_at: at,
      })
      .execute();
  };
  await survey("csat", 2, "05", 0);
  await survey("csat", 4, "06", 1);
  await survey("nps", 3, "07", 0, "Answers take far too long, and nobody called me back about the outage.");
  await survey("ces", 3, "08", 1);
  const actor: AgentActor = { kind: "agent", workspaceId: ws, agentId: team.admin.id, role: "admin" };
  const a = await createArticle(s.env.ctx, actor, {
    title: "Reset your password",
    body: "x",
    status: "published",
  });
  await db
    .insertInto("kb_feedback")
    .values(
      Array.from({ length: 6 }, (_, i) => ({
        id: newId(),
        workspace_id: ws,
        article_id: a.id,
        helpful: i > 3,
        comment: i === 0 ? "The link in step 3 goes nowhere" : null,
        created_at: `${MONTH}-1${i}T12:00:00.000Z`,
      })),
    )
    .execute();
  const done = await monthlyReportJob.run(s.env.ctx, {
    id: newId(),
    workspace_id: ws,
    kind: "monthly_report",
    key: `monthly_report:${ws}:${MONTH}`,
    run_at: new Date().toISOString(),
    attempts: 0,
    payload: { month: MONTH },
  });
  assert.equal(done, "done");
});
after(async () => {
  await s?.close();
});

describe("the monthly improvement report in a browser", { skip: skipReason }, () => {
  for (const { viewport, dark, tag } of DESK_LIGHT_PHONE_DARK) {
    test(`the list and the report at ${tag}`, async () => {
      const { context, page } = await newPage(s, { viewport, dark });
      await context.addCookies([
        { name: "portico_session", value: team.admin.cookie.split("=")[1] as string, url: s.base },
      ]);
      await page.goto("/app/insights/reports");
      await page.getByRole("heading", { name: "Monthly improvement reports" }).waitFor();
      await checkPage(page, `reports-list-${tag}`);
      await page.getByRole("link", { name: "October 2026" }).click();
      await page.getByRole("heading", { name: "Improvement report: October 2026" }).waitFor();
      await page.getByRole("heading", { name: "Detractors' comments" }).waitFor();
      await checkPage(page, `reports-month-${tag}`);
      await context.close();
    });
  }
});
