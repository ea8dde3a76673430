import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { slaSweepJob, sweepSla } from "./sla.sweep.ts";

// SLA timers through the app, with the test clock: the admin's policies and holidays, the dues a
// new ticket gets, a priority change choosing another policy, Waiting pausing the clock, replies on
// both sides, resolving, and the sweep marking a breach once and telling the agents.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const MIN = 60_000;
const row = async (reference: string) =>
  t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("number", "=", Number(reference.replace(/\D/g, "")))
    .executeTakeFirstOrThrow();
const minutesAfter = (from: string, to: string | null | undefined) =>
  to ? Math.round((Date.parse(to) - Date.parse(from)) / MIN) : null;

describe("SLA timers", () => {
  test("policies, dues, pause, replies, breach", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const settings = {
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
        {
          name: "Urgent bugs",
          priority: "urgent",
          ticketType: "Bug Report",
          companyId: null,
          firstResponseMinutes: 15,
          nextResponseMinutes: 10,
          resolutionMinutes: 120,
          clock: "calendar",
        },
      ],
      holidays: [{ day: "2026-12-25", name: "Christmas Day" }],
      showResponseTime: true,
    };
    const put = (headers: Record<string, string>, payload: unknown) =>
      t.app.inject({
        method: "PUT",
        url: "/api/workspace/settings/sla",
        headers,
        payload: payload as object,
      });
    assert.equal((await put(agent.headers, settings)).statusCode, 403, "agents read, admins change");
    const bad = await put(admin.headers, {
      ...settings,
      policies: [{ ...settings.policies[0], firstResponseMinutes: 0 }],
    });
    assert.equal(bad.statusCode, 400);
    assert.ok("policies.0.firstResponseMinutes" in bad.json().error.fields, bad.body);
    const twin = await put(admin.headers, {
      ...settings,
      policies: [settings.policies[0], settings.policies[0]],
    });
    assert.equal(twin.statusCode, 400, "two policies of one scope");
    const saved = await put(admin.headers, settings);
    assert.equal(saved.statusCode, 200, saved.body);
    const read = await t.app.inject({
      method: "GET",
      url: "/api/workspace/settings/sla",
      headers: agent.headers,
    });
    assert.equal(read.json().policies.length, 2);
    assert.deepEqual(read.json().holidays, [{ day: "2026-12-25", name: "Christmas Day" }]);

    // A new medium ticket: the first response in 60 min, the resolution in 480.
    const s = await submitTicket(t, ws.slug, { type: "Bug Report" });
    let r = await row(s.reference);
    assert.equal(minutesAfter(r.created_at, r.first_response_due_at), 60);
    assert.equal(minutesAfter(r.created_at, r.resolution_due_at), 480);
    assert.equal(r.next_due_at, r.first_response_due_at);

    const patch = (payload: object) =>
      t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${s.reference}`,
        headers: agent.headers,
        payload,
      });
    // Urgent and a bug: the more specific policy.
    assert.equal((await patch({ priority: "urgent" })).statusCode, 200);
    r = await row(s.reference);
    assert.equal(minutesAfter(r.created_at, r.first_response_due_at), 15);
    assert.equal(minutesAfter(r.created_at, r.resolution_due_at), 120);

    // Waiting for 40 minutes: no deadline meanwhile, every due 40 minutes later after.
    assert.equal((await patch({ status: "waiting" })).statusCode, 200);
    assert.equal((await row(s.reference)).next_due_at, null);
    t.advance(40 * MIN);
    assert.equal((await patch({ status: "open" })).statusCode, 200);
    r = await row(s.reference);
    assert.equal(minutesAfter(r.created_at, r.first_response_due_at), 55);
    assert.equal(minutesAfter(r.created_at, r.resolution_due_at), 160);
    assert.equal(r.sla_paused_at, null);

    // The first response comes late: the sweep marks it breached once, and tells the agents.
    t.advance(20 * MIN);
    assert.equal(await sweepSla(t.ctx), 1);
    r = await row(s.reference);
    assert.equal(r.first_response_breached_at, r.first_response_due_at);
    const notices = await t.ctx.database.db
      .selectFrom("notifications")
      .select(["agent_id", "kind"])
      .where("workspace_id", "=", ws.id)
      .where("kind", "like", "sla_%")
      .execute();
    // Besides the new ticket's notices: a breach, and no warning after it.
    assert.ok(notices.length >= 1 && notices.every((n) => n.kind === "sla_breach"), JSON.stringify(notices));
    assert.equal(await sweepSla(t.ctx), 0, "marked once");
    const job = { id: "j", workspace_id: null, kind: "sla_sweep", key: "k", attempts: 0, payload: {} };
    assert.equal(await slaSweepJob.run(t.ctx, { ...job, run_at: t.ctx.now().toISOString() }), "skipped");

    // Replies: the agent's meets the first response; the customer's starts the next response.
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "We are on it." },
    });
    assert.equal(reply.statusCode, 201);
    r = await row(s.reference);
    assert.equal(r.first_response_due_at, null);
    assert.equal(r.next_due_at, r.resolution_due_at);
    t.advance(5 * MIN);
    const said = await t.app.inject({
      method: "POST",
      url: `${trackUrl(ws.slug, s).replace(/\?t=/, "/replies?t=")}`,
      payload: { body: "It is still smoking." },
    });
    assert.equal(said.statusCode, 201, said.body);
    r = await row(s.reference);
    assert.equal(minutesAfter(t.ctx.now().toISOString(), r.next_response_due_at), 10);
    assert.equal(r.next_due_at, r.next_response_due_at);

    // Resolved: nothing is pending.
    const done = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Replaced the fuser." },
    });
    assert.equal(done.statusCode, 200, done.body);
    r = await row(s.reference);
    assert.equal(r.next_due_at, null);
    assert.equal(r.sla_check_at, null);
  });

  test("the queue sorts by next deadline, soonest first, then tickets without one, page by page", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const policy = (priority: string, minutes: number) => ({
      name: priority,
      priority,
      ticketType: null,
      companyId: null,
      firstResponseMinutes: minutes,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      clock: "calendar",
    });
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/sla",
      headers: admin.headers,
      payload: {
        policies: [policy("medium", 120), policy("urgent", 10)],
        holidays: [],
        showResponseTime: false,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const a = await submitTicket(t, ws.slug, { subject: "A" });
    t.advance(MIN);
    const b = await submitTicket(t, ws.slug, { subject: "B" });
    const c = await submitTicket(t, ws.slug, { subject: "C" });
    const patch = (ref: string, payload: object) =>
      t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${ref}`,
        headers: agent.headers,
        payload,
      });
    await patch(c.reference, { priority: "urgent" });
    await patch(b.reference, { priority: "low" }); // no policy: no deadline
    const page = async (cursor?: string) => {
      const r = await t.app.inject({
        method: "GET",
        url: `/api/workspace/tickets?sort=due&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        headers: agent.headers,
      });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as {
        items: { reference: string; nextDueAt: string | null }[];
        nextCursor: string | null;
      };
    };
    const seen: string[] = [];
    let p = await page();
    seen.push(...p.items.map((i) => i.reference));
    while (p.nextCursor) {
      p = await page(p.nextCursor);
      seen.push(...p.items.map((i) => i.reference));
    }
    assert.deepEqual(seen, [c.reference, a.reference, b.reference]);
  });

  test("the customer sees the expected response time and the assignee where the workspace shows them", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const policy = {
      name: "Normal",
      priority: "medium",
      ticketType: null,
      companyId: null,
      firstResponseMinutes: 240,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      clock: "business",
    };
    const put = async (showResponseTime: boolean) => {
      // The stored policy keeps its id, so tickets keep their policy.
      const now = await t.app.inject({
        method: "GET",
        url: "/api/workspace/settings/sla",
        headers: admin.headers,
      });
      const policies = now.json().policies.length ? now.json().policies : [policy];
      return t.app.inject({
        method: "PUT",
        url: "/api/workspace/settings/sla",
        headers: admin.headers,
        payload: { policies, holidays: [], showResponseTime },
      });
    };
    assert.equal((await put(false)).statusCode, 200);
    const s = await submitTicket(t, ws.slug);
    const page = async () => {
      const first = await t.app.inject({
        method: "GET",
        url: `/portal/${ws.slug}/tickets/${s.reference}?t=${s.token}`,
      });
      const cookie = String(first.headers["set-cookie"] ?? "").split(";")[0] as string;
      const res = await t.app.inject({
        method: "GET",
        url: `/portal/${ws.slug}/tickets/${s.reference}`,
        headers: { cookie },
      });
      assert.equal(res.statusCode, 200);
      return res.body;
    };
    assert.doesNotMatch(await page(), /usually reply/, "off: not shown");
    assert.equal((await put(true)).statusCode, 200);
    assert.match(await page(), /We usually reply within 4 business hours\./);
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ show_assignee: true })
      .where("id", "=", ws.id)
      .execute();
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { assigneeId: agent.id },
    });
    assert.match(await page(), /Handled by <bdi>Sam Agent<\/bdi>/);
  });

  test("Settings → SLAs as a form: rows with a name are policies, holidays one per line, errors by row", async () => {
    const { admin } = await makeTeam(t);
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/sla",
        headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: admin.csrf, ...fields }).toString(),
      });
    const row = {
      rows: "2",
      "name-0": "Urgent",
      "priority-0": "urgent",
      "ticketType-0": "",
      "companyId-0": "",
      "firstResponseMinutes-0": "30",
      "nextResponseMinutes-0": "",
      "resolutionMinutes-0": "240",
      "clock-0": "calendar",
      "name-1": "",
      holidays: "2026-12-25 Christmas Day\n2027-01-01 New Year",
      showResponseTime: "true",
    };
    const bad = await post({ ...row, "firstResponseMinutes-0": "soon" });
    assert.equal(bad.statusCode, 400);
    assert.match(
      bad.body,
      /href="#policies-0-firstResponseMinutes">Policy 1, first response: must be a whole number/,
    );
    assert.match(bad.body, /id="policies-0-firstResponseMinutes"/);
    const ok = await post(row);
    assert.equal(ok.statusCode, 303, ok.body);
    const read = await t.app.inject({
      method: "GET",
      url: "/api/workspace/settings/sla",
      headers: admin.headers,
    });
    const got = read.json();
    assert.deepEqual(
      got.policies.map((p: { name: string; firstResponseMinutes: number; nextResponseMinutes: null }) => [
        p.name,
        p.firstResponseMinutes,
        p.nextResponseMinutes,
      ]),
      [["Urgent", 30, null]],
    );
    assert.deepEqual(got.holidays, [
      { day: "2026-12-25", name: "Christmas Day" },
      { day: "2027-01-01", name: "New Year" },
    ]);
    assert.equal(got.showResponseTime, true);
    const page = await t.app.inject({
      method: "GET",
      url: "/app/settings/sla",
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /value="Urgent"/);
  });
});
