import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { raisedPriority, trendOf } from "./sentiment.ts";

// Customer messages scored as they are written (portal submission, tracking-page reply), the
// ticket's latest score, trend and marker, the workspace's priority rule, and the queue's mood
// filter and sort, through the API on a real database.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const ANGRY =
  "This is the third time I've written and nobody answers. Your product is broken and useless, I'm furious.";
const HAPPY = "Thank you so much, that fixed it! Great support, I'm really happy.";
const NEUTRAL = "Could you tell me how to change the invoice address on my account?";

async function ticketRow(wsId: string, reference: string) {
  return t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", wsId)
    .where("number", "=", Number(reference.slice(4)))
    .executeTakeFirstOrThrow();
}

async function reply(slug: string, s: Submitted, body: string) {
  const res = await t.app.inject({
    method: "POST",
    url: trackUrl(slug, s).replace("?", "/replies?"),
    payload: { body },
  });
  assert.equal(res.statusCode, 201, res.body);
}

describe("sentiment", () => {
  test("the trend and the rule, as pure decisions", () => {
    assert.equal(trendOf(0.5, []), null);
    assert.equal(trendOf(0.5, [-0.7]), "improving");
    assert.equal(trendOf(-0.7, [0.1, 0.3]), "worsening");
    assert.equal(trendOf(0.1, [0.05]), "steady");
    assert.equal(raisedPriority("off", "low"), null);
    assert.equal(raisedPriority("high", "medium"), "high");
    assert.equal(raisedPriority("high", "urgent"), null, "never lowered");
    assert.equal(raisedPriority("urgent", "high"), "urgent");
  });

  test("a submission and the replies are scored; the ticket carries the latest, the trend and the marker", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug, { subject: "Nothing works", description: ANGRY });
    let row = await ticketRow(ws.id, s.reference);
    assert.ok(row.sentiment <= -0.65, String(row.sentiment));
    assert.equal(row.mood, "angry");
    assert.equal(row.sentiment_trend, null);
    assert.equal(row.priority, "medium", "the rule is off by default");

    await reply(ws.slug, s, HAPPY);
    row = await ticketRow(ws.id, s.reference);
    assert.ok(row.sentiment > 0.5, String(row.sentiment));
    assert.equal(row.mood, null);
    assert.equal(row.sentiment_trend, "improving");
    const comments = await t.ctx.database.db
      .selectFrom("comments")
      .select(["sentiment", "author_type"])
      .where("ticket_id", "=", row.id)
      .execute();
    assert.equal(comments.length, 1);
    assert.equal(Number(comments[0]?.sentiment), row.sentiment);

    await reply(ws.slug, s, "Our shop is down again, please fix it immediately");
    row = await ticketRow(ws.id, s.reference);
    assert.equal(row.mood, "urgent");

    // An agent's reply is not scored and changes nothing.
    const before = row.sentiment;
    const res = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "Terrible news, sorry: it is broken." },
    });
    assert.equal(res.statusCode, 201, res.body);
    row = await ticketRow(ws.id, s.reference);
    assert.equal(row.sentiment, before);
    const agentComment = await t.ctx.database.db
      .selectFrom("comments")
      .select("sentiment")
      .where("ticket_id", "=", row.id)
      .where("author_type", "=", "agent")
      .executeTakeFirstOrThrow();
    assert.equal(agentComment.sentiment, null);

    const detail = await t.app.inject({
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
    });
    assert.equal(detail.statusCode, 200);
    assert.equal(detail.json().sentiment.mood, "urgent");
  });

  test("the workspace's rule: admins set it, and a strongly negative message raises the priority as the system", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const url = "/api/workspace/settings/sentiment";
    const read = await t.app.inject({ url, headers: agent.headers });
    assert.deepEqual(read.json(), { priorityRule: "off" });
    const refused = await t.app.inject({
      method: "PUT",
      url,
      headers: agent.headers,
      payload: { priorityRule: "urgent" },
    });
    assert.equal(refused.statusCode, 403);
    const bad = await t.app.inject({
      method: "PUT",
      url,
      headers: admin.headers,
      payload: { priorityRule: "max" },
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields.priorityRule, bad.body);
    const set = await t.app.inject({
      method: "PUT",
      url,
      headers: admin.headers,
      payload: { priorityRule: "urgent" },
    });
    assert.equal(set.statusCode, 200, set.body);
    const audit = await t.ctx.database.db
      .selectFrom("audit_events")
      .select("action")
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ["settings.sentiment"],
    );

    const calm = await submitTicket(t, ws.slug, { subject: "Invoice address", description: NEUTRAL });
    assert.equal((await ticketRow(ws.id, calm.reference)).priority, "medium");
    await reply(ws.slug, calm, ANGRY);
    const row = await ticketRow(ws.id, calm.reference);
    assert.equal(row.priority, "urgent");
    assert.equal(row.sentiment_trend, "worsening");
    const events = await t.ctx.database.db
      .selectFrom("ticket_events")
      .select(["actor_type", "data"])
      .where("ticket_id", "=", row.id)
      .where("type", "=", "priority_changed")
      .execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor_type, "system");
    assert.deepEqual(
      { ...JSON.parse(events[0]?.data ?? "{}"), score: undefined },
      { from: "medium", to: "urgent", reason: "sentiment", score: undefined },
    );
    const page = await t.app.inject({
      url: `/app/tickets/${calm.reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(page.body, /a strongly negative customer message/);
    assert.match(page.body, /Customer&#39;s mood|Customer's mood/);
  });

  test("the queue: mood filters, most negative first, paged by cursor", async () => {
    const { ws, agent } = await makeTeam(t);
    const angry = await submitTicket(t, ws.slug, { subject: "Broken", description: ANGRY });
    const happy = await submitTicket(t, ws.slug, { subject: "Thanks", description: HAPPY });
    const neutral = await submitTicket(t, ws.slug, { subject: "Address", description: NEUTRAL });
    const urgent = await submitTicket(t, ws.slug, {
      subject: "Checkout",
      description: "Checkout is down, urgent",
    });
    const refs = async (qs: string) => {
      const res = await t.app.inject({ url: `/api/workspace/tickets?${qs}`, headers: agent.headers });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { items: { reference: string }[]; nextCursor: string | null };
      return { refs: body.items.map((i) => i.reference), next: body.nextCursor };
    };
    assert.deepEqual((await refs("mood=negative")).refs, [angry.reference]);
    assert.deepEqual((await refs("mood=angry")).refs, [angry.reference]);
    assert.deepEqual((await refs("mood=urgent")).refs, [urgent.reference]);
    const bad = await t.app.inject({ url: "/api/workspace/tickets?mood=grumpy", headers: agent.headers });
    assert.equal(bad.statusCode, 400);

    const all = await refs("sort=sentiment");
    assert.equal(all.refs[0], angry.reference);
    assert.equal(all.refs.at(-1), happy.reference);
    const first = await refs("sort=sentiment&limit=2");
    const second = await refs(`sort=sentiment&limit=2&cursor=${first.next}`);
    assert.deepEqual([...first.refs, ...second.refs], all.refs);
    assert.ok(all.refs.includes(neutral.reference));

    const html = await t.app.inject({ url: "/app?mood=angry", headers: { cookie: agent.cookie } });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /class="mood-marker mood-angry"/);
    assert.doesNotMatch(html.body, new RegExp(`>${happy.reference}<`));
  });
});
