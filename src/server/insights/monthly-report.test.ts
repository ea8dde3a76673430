import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AgentActor, systemActorIn } from "../actors.ts";
import { periodSummary } from "../analytics/metrics.ts";
import type { SurveyKind } from "../db/schema.surveys.ts";
import { renderTemplate } from "../email/email.templates.ts";
import { newId } from "../ids.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { createArticle } from "../kb/kb.articles.ts";
import { monthRange } from "../lib/local-dates.ts";
import { makeAgent, makeTeam, makeWorkspace, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { MonthlyReportData } from "./monthly-report.schemas.ts";
import { monthlyReportJob } from "./monthly-report.ts";
import { cesDeclining } from "./report-sections.ts";

// The monthly improvement report built from a seeded month: surveys answered and article votes
// written directly with their times, tickets submitted through the portal. October 2026 in
// Berlin: its first half hour is still September in UTC, its last half hour is November.
// Longer than 400 lines: every section is checked against the one seeded month, which is built
// once for the whole file.

const TZ = "Europe/Berlin";
const MONTH = "2026-10";

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let lead: Awaited<ReturnType<typeof makeAgent>>;
let other: Awaited<ReturnType<typeof makeTeam>>;

const db = () => t.ctx.database.db;
const jobFor = (workspaceId: string, month: string): DueJob => ({
  id: newId(),
  workspace_id: workspaceId,
  kind: "monthly_report",
  key: `monthly_report:${workspaceId}:${month}`,
  run_at: new Date().toISOString(),
  attempts: 0,
  payload: { month },
});

async function survey(
  workspaceId: string,
  kind: SurveyKind,
  score: number,
  answeredAt: string,
  p: { contactId: string; companyId?: string | null; ticketId?: string | null; comment?: string | null },
) {
  await db()
    .insertInto("surveys")
    .values({
      id: newId(),
      workspace_id: workspaceId,
      kind,
      contact_id: p.contactId,
      company_id: p.companyId ?? null,
      ticket_id: p.ticketId ?? null,
      plan_id: null,
      agent_id: null,
      trigger: kind === "nps" ? "schedule" : "resolution",
      status: "answered",
      skip_reason: null,
      token_hash: null,
      unsubscribe_token_hash: null,
      send_at: answeredAt,
      sent_at: answeredAt,
      expires_at: null,
      score,
      answer: null,
      comment: p.comment ?? null,
      answered_at: answeredAt,
      answered_via: "email",
      created_at: answeredAt,
    })
    .execute();
}

async function votes(workspaceId: string, articleId: string, no: number, yes: number, comment?: string) {
  const at = (i: number) => `2026-10-${String(10 + (i % 10)).padStart(2, "0")}T12:00:00.000Z`;
  const rows = [
    ...Array.from({ length: no }, (_, i) => ({
      helpful: false,
      comment: comment ? `${comment} (${i + 1})` : null,
    })),
    ...Array.from({ length: yes }, () => ({ helpful: true, comment: null })),
  ];
  await db()
    .insertInto("kb_feedback")
    .values(
      rows.map((r, i) => ({
        id: newId(),
        workspace_id: workspaceId,
        article_id: articleId,
        ...r,
        created_at: at(i),
      })),
    )
    .execute();
}

const outbox = (workspaceId: string) =>
  db()
    .selectFrom("outbox_emails")
    .select(["to_address", "subject", "template_data"])
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", "monthly_report")
    .execute();

before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
  other = await makeTeam(t);
  lead = await makeAgent(t, team.ws.id, { name: "Lee Lead" });
  const ws = team.ws.id;
  await db().updateTable("workspaces").set({ time_zone: TZ }).where("id", "=", ws).execute();
  await db()
    .insertInto("survey_settings")
    .values({
      workspace_id: ws,
      report_agent_ids: JSON.stringify([lead.id]),
      updated_at: new Date().toISOString(),
    } as never)
    .execute();

  const submitted = {
    bug1: await submitTicket(t, team.ws.slug, {
      type: "Bug Report",
      email: "ann@acme.test",
      name: "Ann Acme",
    }),
    bug2: await submitTicket(t, team.ws.slug, {
      type: "Bug Report",
      email: "ann@acme.test",
      name: "Ann Acme",
    }),
    general: await submitTicket(t, team.ws.slug, {
      type: "General Inquiry",
      email: "bob@b.test",
      name: "Bob B",
    }),
    support: await submitTicket(t, team.ws.slug, {
      type: "Support Request",
      email: "cy@c.test",
      name: "Cy C",
    }),
  };
  const tickets = await db()
    .selectFrom("tickets")
    .select(["id", "number", "contact_id", "type"])
    .where("workspace_id", "=", ws)
    .orderBy("number")
    .execute();
  const [bug1, bug2, general, support] = tickets;
  assert.ok(bug1 && bug2 && general && support && Object.keys(submitted).length === 4);
  const companyId = newId();
  await db()
    .insertInto("companies")
    .values({
      id: companyId,
      workspace_id: ws,
      name: "Acme Ltd",
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
    })
    .execute();
  await db()
    .updateTable("contacts")
    .set({ company_id: companyId })
    .where("id", "=", bug1.contact_id)
    .execute();

  const csat = (tk: typeof bug1, score: number, at: string) =>
    survey(ws, "csat", score, at, { contactId: tk.contact_id, ticketId: tk.id });
  await csat(bug1, 1, "2026-10-05T10:00:00.000Z");
  await csat(bug2, 2, "2026-10-06T10:00:00.000Z");
  await csat(general, 4, "2026-10-07T10:00:00.000Z");
  // 00:30 on 1 October in Berlin: in the month.
  await csat(general, 1, "2026-09-30T22:30:00.000Z");
  await csat(support, 5, "2026-10-08T10:00:00.000Z");
  await csat(support, 3, "2026-10-09T10:00:00.000Z");
  // 00:30 on 1 November in Berlin: not in the month.
  await csat(support, 1, "2026-10-31T23:30:00.000Z");

  // NPS: 3 and 6 are detractors (the line is 6), 7 is not; September's is another month.
  await survey(ws, "nps", 3, "2026-10-12T09:00:00.000Z", {
    contactId: bug1.contact_id,
    companyId,
    comment: "Too slow to answer",
  });
  await survey(ws, "nps", 6, "2026-10-13T09:00:00.000Z", {
    contactId: general.contact_id,
    comment: "Okay-ish",
  });
  await survey(ws, "nps", 7, "2026-10-14T09:00:00.000Z", { contactId: support.contact_id, comment: "Fine" });
  await survey(ws, "nps", 2, "2026-09-14T09:00:00.000Z", {
    contactId: support.contact_id,
    comment: "Old news",
  });

  // CES: August 6.0, September 5.8, October 4.9.
  const ces = (score: number, day: string) =>
    survey(ws, "ces", score, `${day}T09:00:00.000Z`, { contactId: support.contact_id });
  await ces(6, "2026-08-10");
  for (const s of [6, 6, 6, 6, 5]) await ces(s, "2026-09-10");
  for (const s of [5, 5, 5, 5, 5, 5, 5, 5, 5, 4]) await ces(s, "2026-10-10");

  const actor: AgentActor = { kind: "agent", workspaceId: ws, agentId: team.admin.id, role: "admin" };
  const article = (title: string) =>
    createArticle(t.ctx, actor, { title, body: "Text.", status: "published" });
  const reset = await article("Reset your password");
  const billing = await article("Billing basics");
  const few = await article("Rarely read");
  await votes(ws, reset.id, 5, 5, "Where is step 2?");
  await votes(ws, billing.id, 1, 5);
  await votes(ws, few.id, 3, 0, "Unclear");
});
after(() => t.close());

describe("the monthly improvement report", () => {
  let report: MonthlyReportData;

  it("is built by the job, stored once and emailed to the leads", async () => {
    assert.equal(await monthlyReportJob.run(t.ctx, jobFor(team.ws.id, MONTH)), "done");
    const res = await t.app.inject({
      url: `/api/workspace/reports/${MONTH}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.equal(res.statusCode, 200, res.body);
    report = res.json() as MonthlyReportData;
    assert.deepEqual({ from: report.from, to: report.to }, monthRange(MONTH, TZ));
    assert.equal(report.from, "2026-09-30T22:00:00.000Z");

    const sent = await outbox(team.ws.id);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.to_address, lead.email, "the chosen lead, not the admins");
    assert.equal(sent[0]?.subject, "Improvement report for October 2026");
    const data = JSON.parse(sent[0]?.template_data ?? "{}") as { actions: string[]; url: string };
    assert.ok(
      data.actions.includes("Review the 'Bug Report' answers: CSAT 1.5 from 2 ratings"),
      data.actions.join("\n"),
    );
    assert.ok(data.url.endsWith(`/app/insights/reports/${MONTH}`));
    const mail = renderTemplate({
      kind: "monthly_report",
      params: JSON.parse(sent[0]?.template_data ?? "{}"),
    });
    assert.match(mail.text, /• Call back the 2 detractors/);
    assert.match(mail.text, /Read the report: \S+\/app\/insights\/reports\/2026-10/);

    // A second run, as after a crash: nothing new.
    assert.equal(await monthlyReportJob.run(t.ctx, jobFor(team.ws.id, MONTH)), "skipped");
    assert.equal((await outbox(team.ws.id)).length, 1);
    const rows = await db()
      .selectFrom("monthly_reports")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(rows.length, 1);
  });

  it("lists ticket types by their CSAT, lowest first, counting the month in the workspace's zone", () => {
    assert.deepEqual(report.csatByType.items, [
      { type: "Bug Report", average: 1.5, count: 2 },
      { type: "General Inquiry", average: 2.5, count: 2 },
      { type: "Support Request", average: 4, count: 2 },
    ]);
    assert.equal(report.csatByType.action, "Review the 'Bug Report' answers: CSAT 1.5 from 2 ratings");
  });

  it("lists the least helpful articles with enough votes, and their No comments", () => {
    assert.deepEqual(
      report.kbArticles.items.map((a) => [a.title, a.noVotes, a.votes]),
      [
        ["Reset your password", 5, 10],
        ["Billing basics", 1, 6],
      ],
    );
    assert.equal(report.kbArticles.items[0]?.comments.length, 5);
    assert.match(report.kbArticles.items[0]?.comments[0]?.comment ?? "", /Where is step 2\?/);
    assert.equal(report.kbArticles.action, "Rewrite 'Reset your password': 50% found it unhelpful");
  });

  it("includes the detractors' comments with their contact and company", () => {
    assert.equal(report.detractors.count, 2);
    assert.deepEqual(
      report.detractors.items.map((d) => [d.score, d.comment, d.contactName, d.companyName]),
      [
        [6, "Okay-ish", "Bob B", null],
        [3, "Too slow to answer", "Ann Acme", "Acme Ltd"],
      ],
    );
    assert.equal(report.detractors.action, "Call back the 2 detractors");
  });

  it("shows six months of CES and calls a fall after a fall declining", () => {
    assert.deepEqual(
      report.ces.months.map((m) => [m.month, m.average, m.count]),
      [
        ["2026-05", null, 0],
        ["2026-06", null, 0],
        ["2026-07", null, 0],
        ["2026-08", 6, 1],
        ["2026-09", 5.8, 5],
        ["2026-10", 4.9, 10],
      ],
    );
    assert.equal(report.ces.declining, true);
    assert.equal(
      report.ces.action,
      "CES fell from 5.8 to 4.9: look at onboarding steps that need most effort",
    );
  });

  it("defines a declining CES: lower than last month, and the three-month slope down", () => {
    const m = (...avgs: (number | null)[]) =>
      avgs.map((average, i) => ({ month: `2026-0${i + 1}`, average, count: 1 }));
    assert.equal(cesDeclining(m(6, 5.8, 4.9)), true);
    assert.equal(cesDeclining(m(4, 6, 5.5)), false, "a dip after a rise");
    assert.equal(cesDeclining(m(5, 5, 5)), false, "flat");
    assert.equal(cesDeclining(m(5, 4, 4.5)), false, "up on last month");
    assert.equal(cesDeclining(m(null, 5.8, 4.9)), true, "two months are enough");
    assert.equal(cesDeclining(m(6, null, 4.9)), false, "no previous month to compare");
  });

  it("compares volumes, response times and deflection with the month before (from analytics)", async () => {
    const actor = systemActorIn("test", team.ws.id);
    const analytics = await periodSummary(t.ctx, actor, monthRange(MONTH, TZ)).then(
      () => null,
      (err: Error) => err,
    );
    if (analytics === null) {
      assert.ok(report.numbers.current && report.numbers.previous, "analytics works: the numbers are there");
      assert.equal(report.numbers.unavailable, null);
    } else {
      // Until analytics is built the report says so instead of failing.
      assert.equal(report.numbers.current, null);
      assert.match(report.numbers.unavailable ?? "", /could not be read/);
      assert.ok(report.numbers.unavailable?.includes(analytics.message));
    }
  });

  it("is a page for the workspace's agents, with headings, captions and the actions", async () => {
    const cookie = { cookie: team.agent.cookie };
    const list = await t.app.inject({ url: "/app/insights/reports", headers: cookie });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /href="\/app\/insights\/reports\/2026-10">October 2026<\/a>/);
    assert.match(list.body, /href="\/app\/insights"/);
    assert.doesNotMatch(list.body, /Build last month/, "agents do not build reports");

    const page = await t.app.inject({ url: `/app/insights/reports/${MONTH}`, headers: cookie });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Improvement report: October 2026<\/h1>/);
    for (const h of [
      "Proposed actions",
      "Ticket types with the lowest CSAT",
      "Articles found least helpful",
      "Detractors&#39; comments",
      "Customer effort (CES) trend",
    ]) {
      assert.ok(page.body.includes(h), h);
    }
    assert.equal(page.body.match(/<caption>/g)?.length, report.numbers.current ? 5 : 4);
    assert.match(
      page.body,
      /<p class="report-action"><strong>Proposed action:<\/strong> Call back the 2 detractors<\/p>/,
    );
    assert.match(page.body, /Too slow to answer/);
    assert.match(page.body, /<time datetime="2026-09-30T22:00:00.000Z">/);

    const missing = await t.app.inject({ url: "/app/insights/reports/2026-09", headers: cookie });
    assert.equal(missing.statusCode, 404);
    const elsewhere = await t.app.inject({
      url: `/app/insights/reports/${MONTH}`,
      headers: { cookie: other.agent.cookie },
    });
    assert.equal(elsewhere.statusCode, 404, "another workspace's report is not found");
  });

  it("answers the JSON API: the list, one month, 404 for an unknown month, 400 for a bad one", async () => {
    const api = (url: string, agent = team.agent) =>
      t.app.inject({ url: `/api/workspace${url}`, headers: { cookie: agent.cookie } });
    const list = await api("/reports");
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      (list.json() as { items: { month: string }[] }).items.map((i) => i.month),
      [MONTH],
    );
    assert.equal((await api("/reports/2026-09")).statusCode, 404);
    assert.equal((await api("/reports/2026-13")).statusCode, 400);
    assert.equal((await api(`/reports/${MONTH}`, other.agent)).statusCode, 404);
    assert.deepEqual((await api("/reports", other.agent)).json(), { items: [] });
    assert.equal((await t.app.inject({ url: "/api/workspace/reports" })).statusCode, 401);
  });

  it("lets an admin build last month's report now", async () => {
    const form = { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" };
    const listed = await t.app.inject({
      url: "/app/insights/reports",
      headers: { cookie: team.admin.cookie },
    });
    assert.match(listed.body, /Build last month&#39;s report now|Build last month's report now/);
    const res = await t.app.inject({
      method: "POST",
      url: "/app/insights/reports/build",
      headers: form,
      payload: new URLSearchParams({ _csrf: team.admin.csrf }).toString(),
    });
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /^\/app\/insights\/reports\/\d{4}-\d{2}$/);
    const page = await t.app.inject({
      url: res.headers.location as string,
      headers: { cookie: team.admin.cookie },
    });
    assert.equal(page.statusCode, 200);

    const refused = await t.app.inject({
      method: "POST",
      url: "/app/insights/reports/build",
      headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: team.agent.csrf }).toString(),
    });
    assert.equal(refused.statusCode, 403);
  });

  it("stores a month in which nothing happened, and emails nobody; without chosen leads it emails the admins", async () => {
    const quiet = await makeWorkspace(t);
    await makeAgent(t, quiet.id, { role: "admin" });
    assert.equal(await monthlyReportJob.run(t.ctx, jobFor(quiet.id, MONTH)), "done");
    const stored = await db()
      .selectFrom("monthly_reports")
      .select("data")
      .where("workspace_id", "=", quiet.id)
      .executeTakeFirstOrThrow();
    assert.equal((JSON.parse(stored.data) as MonthlyReportData).empty, true);
    assert.equal((await outbox(quiet.id)).length, 0);

    const small = await makeWorkspace(t);
    const admin = await makeAgent(t, small.id, { role: "admin" });
    await makeAgent(t, small.id, { role: "agent" });
    const actor: AgentActor = { kind: "agent", workspaceId: small.id, agentId: admin.id, role: "admin" };
    const a = await createArticle(t.ctx, actor, { title: "Only article", body: "x", status: "published" });
    await votes(small.id, a.id, 1, 0);
    assert.equal(await monthlyReportJob.run(t.ctx, jobFor(small.id, MONTH)), "done");
    assert.deepEqual(
      (await outbox(small.id)).map((o) => o.to_address),
      [admin.email],
    );
  });

  it("refuses a job without a month", async () => {
    await assert.rejects(
      monthlyReportJob.run(t.ctx, jobFor(team.ws.id, "October")),
      /payload.month must be YYYY-MM/,
    );
  });
});
