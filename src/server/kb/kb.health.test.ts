import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AgentActor } from "../actors.ts";
import { renderTemplate } from "../email/email.templates.ts";
import { newId } from "../ids.ts";
import type { DueJob } from "../jobs/job-kinds.ts";
import { addDays, startOfLocalDay } from "../lib/local-dates.ts";
import { makeAgent, makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { createArticle } from "./kb.articles.ts";
import { kbHealthJob } from "./kb.health.ts";

// The daily article check, day by day: each run is a job whose run_at is 06:00 of that local
// day, with the votes written in the past; nothing waits on the real clock.

const TZ = "America/New_York";
const D1 = "2026-02-01";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function world() {
  const ws = await makeWorkspace(t);
  await t.ctx.database.db.updateTable("workspaces").set({ time_zone: TZ }).where("id", "=", ws.id).execute();
  const author = await makeAgent(t, ws.id, { name: "Arthur Author" });
  const admin = await makeAgent(t, ws.id, { role: "admin", name: "Ada Admin" });
  const actor: AgentActor = { kind: "agent", workspaceId: ws.id, agentId: author.id, role: "agent" };
  return { ws, author, admin, actor };
}

type World = Awaited<ReturnType<typeof world>>;

/** A published article, last edited well before the votes. */
async function article(w: World, title: string) {
  const a = await createArticle(t.ctx, w.actor, { title, body: "Steps.", status: "published" });
  await t.ctx.database.db
    .updateTable("kb_articles")
    .set({ updated_at: "2026-01-01T00:00:00.000Z" })
    .where("id", "=", a.id)
    .execute();
  return a.id;
}

/** A local wall-clock time of a day, as an instant. */
const at = (day: string, hours: number) =>
  new Date(startOfLocalDay(day, TZ).getTime() + hours * 3_600_000).toISOString();

async function votes(w: World, articleId: string, day: string, no: number, yes: number, comment?: string) {
  const rows = [
    ...Array.from({ length: no }, (_, i) => ({
      helpful: false,
      comment: comment ? `${comment} ${i + 1}` : null,
    })),
    ...Array.from({ length: yes }, () => ({ helpful: true, comment: null })),
  ];
  if (!rows.length) return;
  await t.ctx.database.db
    .insertInto("kb_feedback")
    .values(
      rows.map((r, i) => ({
        id: newId(),
        workspace_id: w.ws.id,
        article_id: articleId,
        helpful: r.helpful,
        comment: r.comment,
        created_at: at(day, 10 + (i % 12)),
      })),
    )
    .execute();
}

const jobFor = (w: World, day: string): DueJob => ({
  id: newId(),
  workspace_id: w.ws.id,
  kind: "kb_health",
  key: `kb_health:${w.ws.id}:${day}`,
  run_at: at(day, 6),
  attempts: 0,
  payload: {},
});

const runDay = (w: World, day: string) => kbHealthJob.run(t.ctx, jobFor(w, day));

/** Runs the check for each day from `from`, `n` days. */
async function runDays(w: World, from: string, n: number) {
  for (let i = 0; i < n; i++) await runDay(w, addDays(from, i));
}

const alerts = (w: World) =>
  t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["to_address", "subject", "template_data"])
    .where("workspace_id", "=", w.ws.id)
    .where("kind", "=", "kb_article_alert")
    .orderBy("created_at")
    .execute();

const healthOf = async (articleId: string, day: string) => {
  const r = await t.ctx.database.db
    .selectFrom("kb_article_health")
    .selectAll()
    .where("article_id", "=", articleId)
    .where("day", "=", day)
    .executeTakeFirstOrThrow();
  return { votes: Number(r.votes), noVotes: Number(r.no_votes), over: Boolean(r.over) };
};

describe("knowledge-base article health", () => {
  it("alerts the owner once after 7 days over (not after 6), with the No comments", async () => {
    const w = await world();
    const id = await article(w, "Reset your password");
    // 40% "No"; one vote late in the local evening, which is the next day in UTC, still counts for D1.
    await votes(w, id, D1, 3, 6, "Step 3 is missing");
    await t.ctx.database.db
      .insertInto("kb_feedback")
      .values({
        id: newId(),
        workspace_id: w.ws.id,
        article_id: id,
        helpful: false,
        comment: "The screenshot is old",
        created_at: at(D1, 23.5),
      })
      .execute();
    // A row older than the 60 days kept is pruned.
    await t.ctx.database.db
      .insertInto("kb_article_health")
      .values({
        workspace_id: w.ws.id,
        article_id: id,
        day: addDays(D1, -61),
        votes: 1,
        no_votes: 1,
        over: true,
      })
      .execute();

    await runDays(w, D1, 6);
    assert.deepEqual(await healthOf(id, D1), { votes: 10, noVotes: 4, over: true });
    assert.equal((await alerts(w)).length, 0, "6 days over is not enough");
    const old = await t.ctx.database.db
      .selectFrom("kb_article_health")
      .select("day")
      .where("article_id", "=", id)
      .where("day", "<", D1)
      .execute();
    assert.deepEqual(old, []);

    await runDay(w, addDays(D1, 6));
    const sent = await alerts(w);
    assert.equal(sent.length, 1, "the 7th day over alerts");
    assert.equal(sent[0]?.to_address, w.author.email);
    assert.match(sent[0]?.subject ?? "", /Article needs improvement: Reset your password/);
    const data = JSON.parse(sent[0]?.template_data ?? "{}") as {
      noRatePct: number;
      votes: number;
      comments: string[];
    };
    assert.equal(data.noRatePct, 40);
    assert.equal(data.votes, 10);
    assert.ok(data.comments.includes("The screenshot is old"));
    assert.ok(data.comments.includes("Step 3 is missing 1"));
    const mail = renderTemplate({
      kind: "kb_article_alert",
      params: JSON.parse(sent[0]?.template_data ?? "{}"),
    });
    assert.match(mail.text, /40% answered “No” \(4 of 10 votes in the last 30 days\)/);
    assert.match(mail.text, /• The screenshot is old/);
    assert.match(mail.html, new RegExp(`href="[^"]*/app/kb/articles/${id}"`));

    // The same day again, and the days after while it stays bad: nothing more.
    await runDay(w, addDays(D1, 6));
    await runDays(w, addDays(D1, 7), 5);
    assert.equal((await alerts(w)).length, 1);
  });

  it("30% is not over, 31% is; fewer votes than the minimum is not over; no owner → the admins", async () => {
    const w = await world();
    const thirty = await article(w, "Thirty percent");
    const thirtyOne = await article(w, "Thirty-one percent");
    const few = await article(w, "Too few votes");
    const fiveVotes = await article(w, "Just enough votes");
    await votes(w, thirty, D1, 3, 7);
    await votes(w, thirtyOne, D1, 31, 69);
    await votes(w, few, D1, 3, 1);
    await votes(w, fiveVotes, D1, 2, 3);
    await t.ctx.database.db
      .updateTable("kb_articles")
      .set({ author_id: null })
      .where("id", "=", thirtyOne)
      .execute();
    await t.ctx.database.db
      .updateTable("agents")
      .set({ active: false })
      .where("id", "=", w.author.id)
      .execute();

    await runDays(w, D1, 7);
    assert.equal((await healthOf(thirty, D1)).over, false);
    assert.equal((await healthOf(thirtyOne, D1)).over, true);
    assert.deepEqual(await healthOf(few, D1), { votes: 4, noVotes: 3, over: false });
    assert.equal((await healthOf(fiveVotes, D1)).over, true);
    const sent = await alerts(w);
    assert.deepEqual(sent.map((s) => s.subject).sort(), [
      "Article needs improvement: Just enough votes",
      "Article needs improvement: Thirty-one percent",
    ]);
    // Neither has an active owner: the author is inactive, the other has none.
    assert.ok(sent.every((s) => s.to_address === w.admin.email));
  });

  it("an edited article is re-armed: a new run of 7 bad days alerts again", async () => {
    const w = await world();
    const id = await article(w, "Billing FAQ");
    await votes(w, id, D1, 5, 5);
    await runDays(w, D1, 7);
    assert.equal((await alerts(w)).length, 1);
    // Day 8: rewritten in the morning; the old votes no longer count, the new ones are bad too.
    const d8 = addDays(D1, 7);
    await t.ctx.database.db
      .updateTable("kb_articles")
      .set({ updated_at: at(d8, 8) })
      .where("id", "=", id)
      .execute();
    await votes(w, id, d8, 5, 0);
    await runDays(w, d8, 6);
    assert.equal((await alerts(w)).length, 1, "6 days over after the edit");
    assert.deepEqual(await healthOf(id, d8), { votes: 5, noVotes: 5, over: true });
    await runDay(w, addDays(d8, 6));
    assert.equal((await alerts(w)).length, 2, "7 days over after the edit");
  });

  it("a recovered article is re-armed: a day not over, then 7 bad days again", async () => {
    const w = await world();
    const id = await article(w, "Install the app");
    await votes(w, id, D1, 4, 6);
    await runDays(w, D1, 7);
    assert.equal((await alerts(w)).length, 1);
    const d8 = addDays(D1, 7);
    await votes(w, id, d8, 0, 20); // 4 of 30: 13%
    await runDay(w, d8);
    const alert = await t.ctx.database.db
      .selectFrom("kb_article_alerts")
      .selectAll()
      .where("article_id", "=", id)
      .executeTakeFirstOrThrow();
    assert.ok(alert.recovered_at, "a day not over recovers");
    const d9 = addDays(D1, 8);
    await votes(w, id, d9, 30, 0); // 34 of 60: 57%
    await runDays(w, d9, 6);
    assert.equal((await alerts(w)).length, 1);
    await runDay(w, addDays(d9, 6));
    assert.equal((await alerts(w)).length, 2);
  });

  it("a workspace without published articles has nothing to do", async () => {
    const w = await world();
    assert.equal(await runDay(w, D1), "skipped");
  });
});
