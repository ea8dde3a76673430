import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LiveEvent } from "../ports.ts";
import { scoreMessage } from "../sentiment/score.ts";
import { sweepSla } from "../sla/sla.sweep.ts";
import { makeTeam, type SignedInAgent, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Where the parts of the agent's day meet: merging and incidents stop the SLA timers of what they
// close or resolve, the sweep leaves resolved tickets alone, a merge keeps the customer's mood,
// incidents reach the agents' bells, "Waiting for us" leaves out tickets waiting on the customer,
// and take it / bulk keep the timers and say so on the live bus.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const MIN = 60_000;
type Team = Awaited<ReturnType<typeof makeTeam>>;

const api = (who: SignedInAgent, method: "GET" | "POST" | "PATCH" | "PUT", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: method === "GET" ? { cookie: who.cookie } : who.headers,
    ...(payload ? { payload } : {}),
  });

const row = (reference: string, workspaceId: string) =>
  t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", Number(reference.replace(/\D/g, "")))
    .executeTakeFirstOrThrow();

/** A workspace whose medium tickets have a policy: first response 60, next 30, resolution 480. */
async function slaTeam(): Promise<Team> {
  const team = await makeTeam(t);
  const res = await api(team.admin, "PUT", "/settings/sla", {
    policies: [
      {
        name: "Normal",
        priority: "medium",
        ticketType: null,
        companyId: null,
        firstResponseMinutes: 60,
        nextResponseMinutes: 30,
        resolutionMinutes: 480,
        clock: "calendar",
      },
    ],
    holidays: [],
    showResponseTime: false,
  });
  assert.equal(res.statusCode, 200, res.body);
  return team;
}

/** Every live event while `run` runs. */
async function heard(run: () => Promise<void>): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  const stop = t.ctx.live.subscribe((e) => events.push(e));
  try {
    await run();
  } finally {
    stop();
  }
  return events;
}

const noTimers = (r: Awaited<ReturnType<typeof row>>) => {
  assert.equal(r.first_response_due_at, null);
  assert.equal(r.next_response_due_at, null);
  assert.equal(r.resolution_due_at, null);
  assert.equal(r.next_due_at, null);
  assert.equal(r.sla_check_at, null);
};

const ANGRY =
  "This is the third time I've written and nobody answers. Your product is broken and useless, I'm furious. I want a refund!";

describe("merging", () => {
  test("stops the source's timers, starts the target's next response, and keeps the newer mood", async () => {
    const team = await slaTeam();
    const target = await submitTicket(t, team.ws.slug, {
      subject: "Printer",
      description: "Thanks, all good.",
    });
    assert.equal(
      (await api(team.agent, "POST", `/tickets/${target.reference}/replies`, { body: "On it." })).statusCode,
      201,
    );
    assert.equal((await row(target.reference, team.ws.id)).next_response_due_at, null, "answered");
    t.advance(5 * MIN);
    const source = await submitTicket(t, team.ws.slug, { subject: "Printer again", description: ANGRY });
    const before = await row(source.reference, team.ws.id);
    assert.equal(before.mood, "angry");
    assert.ok(before.next_due_at, "the source's clock runs");

    const res = await api(team.agent, "POST", `/tickets/${source.reference}/merge`, {
      into: target.reference,
    });
    assert.equal(res.statusCode, 200, res.body);
    const src = await row(source.reference, team.ws.id);
    assert.equal(src.status, "closed");
    noTimers(src);
    const dst = await row(target.reference, team.ws.id);
    assert.ok(dst.next_response_due_at, "the source's newer message waits for an answer");
    assert.equal(Math.round((Date.parse(dst.next_response_due_at) - t.ctx.now().getTime()) / MIN), 30);
    assert.equal(Number(dst.sentiment), Number(before.sentiment));
    assert.equal(dst.sentiment_trend, before.sentiment_trend);
    assert.equal(dst.mood, "angry");
    const copied = await t.ctx.database.db
      .selectFrom("comments")
      .select("sentiment")
      .where("ticket_id", "=", dst.id)
      .where("author_type", "=", "contact")
      .execute();
    assert.equal(copied.length, 1, "the source's first message");
    assert.equal(Number(copied[0]?.sentiment), scoreMessage(`Printer again\n${ANGRY}`).score);
    assert.ok(Number(copied[0]?.sentiment) < 0);

    // Long after every due, the sweep finds nothing on the closed source.
    t.advance(10 * 60 * MIN);
    await sweepSla(t.ctx);
    const swept = await row(source.reference, team.ws.id);
    assert.equal(swept.first_response_breached_at, null);
    assert.equal(swept.resolution_breached_at, null);
  });

  test("an older source leaves the target's mood and timers as they were", async () => {
    const team = await slaTeam();
    const source = await submitTicket(t, team.ws.slug, { subject: "Old", description: ANGRY });
    t.advance(5 * MIN);
    const target = await submitTicket(t, team.ws.slug, { subject: "New", description: "Thanks, all good." });
    const was = await row(target.reference, team.ws.id);
    const res = await api(team.agent, "POST", `/tickets/${source.reference}/merge`, {
      into: target.reference,
    });
    assert.equal(res.statusCode, 200, res.body);
    const dst = await row(target.reference, team.ws.id);
    assert.equal(dst.mood, was.mood);
    assert.equal(Number(dst.sentiment), Number(was.sentiment));
    assert.equal(dst.first_response_due_at, was.first_response_due_at);
    noTimers(await row(source.reference, team.ws.id));
  });
});

describe("incidents", () => {
  test("declaring and resolving tell the other agents; resolving the linked tickets stops their timers", async () => {
    const team = await slaTeam();
    const s = await submitTicket(t, team.ws.slug, { subject: "500s" });
    assert.ok((await row(s.reference, team.ws.id)).next_due_at);
    let id = "";
    const declared = await heard(async () => {
      const res = await api(team.agent, "POST", "/incidents", { title: "API errors", message: "500s." });
      assert.equal(res.statusCode, 201, res.body);
      id = res.json().id;
    });
    assert.ok(
      declared.some((e) => e.topic === "notifications" && e.agentIds?.includes(team.admin.id)),
      "the admin's bell hears of it after commit",
    );
    assert.equal(
      (await api(team.agent, "POST", `/incidents/${id}/tickets`, { reference: s.reference })).statusCode,
      200,
    );
    const resolved = await heard(async () => {
      const res = await api(team.agent, "POST", `/incidents/${id}/resolve`, {
        message: "Fixed.",
        resolveTickets: true,
      });
      assert.equal(res.statusCode, 200, res.body);
    });
    assert.ok(resolved.some((e) => e.topic === "notifications" && e.agentIds?.includes(team.admin.id)));
    assert.ok(resolved.some((e) => e.topic === "ticket" && e.reference === s.reference));
    const r = await row(s.reference, team.ws.id);
    assert.equal(r.status, "resolved");
    noTimers(r);

    const list = (await api(team.admin, "GET", "/notifications")).json();
    const incidents = list.items.filter((n: { kind: string }) => n.kind === "incident");
    assert.deepEqual(
      incidents.map((n: { text: string }) => n.text),
      ["Sam Agent resolved an incident: API errors", "Sam Agent declared an incident: API errors"],
    );
    assert.deepEqual(incidents[0].incident, { id, title: "API errors" });
    assert.equal(incidents[0].ticket, null);
    const mine = (await api(team.agent, "GET", "/notifications")).json();
    assert.equal(
      mine.items.filter((n: { kind: string }) => n.kind === "incident").length,
      0,
      "not the actor",
    );
    const page = await t.app.inject({ url: "/app/notifications", headers: { cookie: team.admin.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      new RegExp(`declared an incident: <a href="/app/incidents/${id}"><bdi>API errors</bdi></a>`),
    );
  });

  test("the sweep ignores a resolved ticket whose row still has a check due", async () => {
    const team = await slaTeam();
    const s = await submitTicket(t, team.ws.slug);
    const due = (await row(s.reference, team.ws.id)).first_response_due_at;
    await t.ctx.database.db
      .updateTable("tickets")
      .set({ status: "resolved" })
      .where("workspace_id", "=", team.ws.id)
      .where("number", "=", Number(s.reference.replace(/\D/g, "")))
      .execute();
    t.advance(2 * 60 * MIN);
    await sweepSla(t.ctx);
    const r = await row(s.reference, team.ws.id);
    assert.equal(r.first_response_due_at, due);
    assert.equal(r.first_response_breached_at, null);
  });
});

describe("waiting for us", () => {
  test("leaves out tickets waiting on the customer, in the view's count and the filter", async () => {
    const team = await slaTeam();
    const a = await submitTicket(t, team.ws.slug, { subject: "Alpha wants us" });
    const b = await submitTicket(t, team.ws.slug, { subject: "Bravo waits on the customer" });
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(team.ws.slug, b).replace("?", "/replies?"),
      payload: { body: "Here is more." },
    });
    assert.equal(reply.statusCode, 201);
    assert.equal(
      (await api(team.agent, "PATCH", `/tickets/${b.reference}`, { status: "waiting" })).statusCode,
      200,
    );
    const views = (await api(team.agent, "GET", "/views")).json().views;
    assert.equal(views.find((v: { key: string }) => v.key === "waiting").count, 1);
    const page = await t.app.inject({ url: "/app?waiting=us", headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(a.reference));
    assert.doesNotMatch(page.body, new RegExp(b.reference));
  });
});

describe("take it and bulk", () => {
  test("keep the SLA timers and say so on the live bus", async () => {
    const team = await slaTeam();
    const a = await submitTicket(t, team.ws.slug, { subject: "A" });
    const b = await submitTicket(t, team.ws.slug, { subject: "B" });
    const bulk = await heard(async () => {
      const res = await api(team.agent, "POST", "/tickets/bulk", {
        references: [a.reference, b.reference],
        action: { kind: "status", status: "waiting" },
      });
      assert.equal(res.json().succeeded, 2, res.body);
    });
    for (const s of [a, b]) {
      const r = await row(s.reference, team.ws.id);
      assert.ok(r.sla_paused_at, "Waiting pauses the clock");
      assert.equal(r.next_due_at, null);
      assert.ok(bulk.some((e) => e.topic === "ticket" && e.reference === s.reference));
    }
    assert.ok(bulk.some((e) => e.topic === "queue"));
    const firstDue = (await row(a.reference, team.ws.id)).first_response_due_at as string;
    t.advance(20 * MIN);
    await api(team.agent, "POST", "/tickets/bulk", {
      references: [a.reference],
      action: { kind: "status", status: "open" },
    });
    const resumed = await row(a.reference, team.ws.id);
    assert.equal(resumed.sla_paused_at, null);
    assert.equal(
      Math.round((Date.parse(resumed.first_response_due_at as string) - Date.parse(firstDue)) / MIN),
      20,
    );

    const taken = await heard(async () => {
      assert.equal((await api(team.agent, "POST", `/tickets/${a.reference}/take`, {})).statusCode, 200);
    });
    assert.ok(taken.some((e) => e.topic === "ticket" && e.reference === a.reference));
    const assigned = await heard(async () => {
      await api(team.agent, "POST", "/tickets/bulk", {
        references: [b.reference],
        action: { kind: "assign", assigneeId: team.admin.id },
      });
    });
    assert.ok(
      assigned.some((e) => e.topic === "notifications" && e.agentIds?.includes(team.admin.id)),
      "the new assignee's bell",
    );
  });
});
