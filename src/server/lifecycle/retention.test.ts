import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import { storeInbound } from "../email/inbound.store.ts";
import { PRUNED_TEXT } from "../email/outbox.access.ts";
import { newId } from "../ids.ts";
import { JOB_HANDLERS } from "../jobs/job-handlers.ts";
import { runDueJobs } from "../jobs/job-runner.ts";
import { planRecurringJobs } from "../jobs/recurring.ts";
import { makeTeam, signIn, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { applyRetention } from "./retention.ts";

// Retention removes exactly what is older than each setting, in the workspace it belongs to,
// and nothing else: sent emails' content (their rows stay for threading when they belong to a
// ticket), raw incoming mail after processing, KB misses and deflection events. The clock is the
// harness's: the test moves it.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const DAY = 86_400_000;
const db = () => t.ctx.database.db;

async function outboxOf(wsId: string) {
  return db()
    .selectFrom("outbox_emails")
    .select([
      "id",
      "ticket_id",
      "status",
      "body_text",
      "template_data",
      "message_id",
      "content_pruned_at",
      "kind",
    ])
    .where("workspace_id", "=", wsId)
    .orderBy("created_at")
    .execute();
}

async function seedMisc(wsId: string, at: Date, tag: string) {
  const iso = at.toISOString();
  await db()
    .insertInto("kb_search_misses")
    .values({ workspace_id: wsId, query: `miss ${tag}`, count: 1, last_at: iso })
    .execute();
  await db()
    .insertInto("kb_deflection_events")
    .values({
      id: newId(),
      workspace_id: wsId,
      visit_id: `v-${tag}`,
      type: "shown",
      article_id: null,
      created_at: iso,
    })
    .execute();
}

async function seedInbound(ws: { id: string; slug: string }, tag: string, status: "processed" | "failed") {
  const raw = Buffer.from(`Message-ID: <${tag}-${newId()}@mail.test>\r\nSubject: ${tag}\r\n\r\nHello\r\n`);
  const stored = await storeInbound(t.ctx, ws as never, raw, {
    via: "smtp",
    envelopeFrom: "x@mail.test",
    recipients: [],
  });
  await db()
    .updateTable("inbound_emails")
    .set({ status, processed_at: t.ctx.now().toISOString() })
    .where("id", "=", stored.id)
    .execute();
  return stored.id;
}

/** Whether the store holds a file (the stream opened to tell is closed at once). */
async function stored(key: string): Promise<boolean> {
  const s = await t.ctx.files.store.get(key);
  s?.destroy();
  return s !== null;
}

const inboundOf = (wsId: string) =>
  db()
    .selectFrom("inbound_emails")
    .select(["id", "storage_key", "raw_deleted_at", "status"])
    .where("workspace_id", "=", wsId)
    .execute();

describe("data retention", () => {
  test("removes exactly what is older than each setting, and nothing of another workspace", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    // Day 0: a ticket (its confirmation email), plus the two agents' invitations-free rows.
    await submitTicket(t, a.ws.slug, { subject: "Old request", email: "old@customer.test" });
    await submitTicket(t, b.ws.slug, { subject: "Other workspace", email: "other@customer.test" });
    const oldInbound = await seedInbound(a.ws, "old", "processed");
    const failedInbound = await seedInbound(a.ws, "failed", "failed");
    const otherInbound = await seedInbound(b.ws, "other", "processed");
    // Everything so far is sent (one stays pending: never pruned).
    await db()
      .updateTable("outbox_emails")
      .set({ status: "sent", sent_at: t.ctx.now().toISOString() })
      .execute();
    const dayZero = await outboxOf(a.ws.id);
    assert.ok(dayZero.some((r) => r.ticket_id !== null) && dayZero.some((r) => r.ticket_id === null));
    const pendingId = dayZero.find((r) => r.ticket_id === null)?.id as string;
    await db().updateTable("outbox_emails").set({ status: "pending" }).where("id", "=", pendingId).execute();

    // 100 days later: a new request, its email sent.
    t.advance(100 * DAY);
    await submitTicket(t, a.ws.slug, { subject: "New request", email: "new@customer.test" });
    const newInbound = await seedInbound(a.ws, "new", "processed");
    await db()
      .updateTable("outbox_emails")
      .set({ status: "sent" })
      .where("status", "=", "pending")
      .where("id", "!=", pendingId)
      .execute();
    // Misses and events on either side of the cutoffs (180 and 365 days), a second apart.
    const now = t.ctx.now().getTime();
    await seedMisc(a.ws.id, new Date(now - 180 * DAY - 1000), "older");
    await seedMisc(a.ws.id, new Date(now - 180 * DAY + 1000), "younger");
    await db()
      .insertInto("kb_deflection_events")
      .values([
        {
          id: newId(),
          workspace_id: a.ws.id,
          visit_id: "v-old",
          type: "clicked",
          article_id: null,
          created_at: new Date(now - 365 * DAY - 1000).toISOString(),
        },
        {
          id: newId(),
          workspace_id: a.ws.id,
          visit_id: "v-young",
          type: "clicked",
          article_id: null,
          created_at: new Date(now - 365 * DAY + 1000).toISOString(),
        },
      ])
      .execute();
    await seedMisc(b.ws.id, new Date(now - 1000 * DAY), "b-ancient");

    // The defaults: 90 days of emails, 30 of raw mail, 180 of misses, 365 of events.
    const r = await applyRetention(t.ctx, a.ws.id);
    const after = await outboxOf(a.ws.id);
    const oldThreaded = dayZero.filter((x) => x.ticket_id !== null);
    const oldLoose = dayZero.filter((x) => x.ticket_id === null && x.id !== pendingId);
    for (const o of oldThreaded) {
      const row = after.find((x) => x.id === o.id);
      assert.ok(row, "a ticket's email keeps its row");
      assert.equal(row.message_id, o.message_id, "and its Message-ID, for threading");
      assert.equal(row.body_text, PRUNED_TEXT);
      assert.equal(row.template_data, null);
      assert.ok(row.content_pruned_at);
    }
    for (const o of oldLoose)
      assert.ok(!after.some((x) => x.id === o.id), `${o.kind} without a ticket is deleted`);
    const pending = after.find((x) => x.id === pendingId);
    assert.ok(pending && pending.content_pruned_at === null, "a pending email is never pruned");
    const young = after.filter((x) => !dayZero.some((d) => d.id === x.id));
    assert.ok(young.length > 0);
    for (const y of young) assert.equal(y.content_pruned_at, null, "a recent email keeps its content");
    assert.equal(r.outbox, oldThreaded.length + oldLoose.length);
    // The Outbox still lists a pruned email, saying why its content is gone.
    // (signed in again: the clock moved past the first session's life)
    const admin = await signIn(t, a.ws.slug, a.admin.email);
    const shown = await t.app.inject({
      url: `/app/outbox/${oldThreaded[0]?.id}`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(shown.statusCode, 200);
    assert.ok(shown.body.includes("content was removed"), "the Outbox says the content was removed");

    const inbound = await inboundOf(a.ws.id);
    const byId = (id: string) => inbound.find((x) => x.id === id);
    assert.ok(byId(oldInbound)?.raw_deleted_at, "raw mail processed 100 days ago is deleted");
    assert.equal(await stored(byId(oldInbound)?.storage_key as string), false);
    assert.equal(byId(failedInbound)?.raw_deleted_at, null, "a failed message keeps its raw mail");
    assert.equal(byId(newInbound)?.raw_deleted_at, null, "recent raw mail stays");
    assert.ok(await stored(byId(newInbound)?.storage_key as string));
    assert.equal(r.inbound, 1);

    const misses = await db()
      .selectFrom("kb_search_misses")
      .select(["workspace_id", "query"])
      .orderBy("query")
      .execute();
    assert.deepEqual(
      misses.filter((m) => m.workspace_id === a.ws.id).map((m) => m.query),
      ["miss younger"],
      "the miss last searched a second over 180 days ago went, the one a second under stays",
    );
    assert.ok(
      misses.some((m) => m.workspace_id === b.ws.id),
      "another workspace's misses are untouched",
    );
    const events = await db()
      .selectFrom("kb_deflection_events")
      .select(["visit_id"])
      .where("workspace_id", "=", a.ws.id)
      .execute();
    // v-old is a second over 365 days old; v-older (180 days) and the others are younger.
    assert.deepEqual(events.map((e) => e.visit_id).sort(), ["v-older", "v-young", "v-younger"]);

    // Nothing of the other workspace changed.
    const other = await outboxOf(b.ws.id);
    assert.ok(other.every((x) => x.content_pruned_at === null));
    assert.equal((await inboundOf(b.ws.id)).find((x) => x.id === otherInbound)?.raw_deleted_at, null);

    // Again: nothing left to do.
    assert.deepEqual(await applyRetention(t.ctx, a.ws.id), {
      outbox: 0,
      inbound: 0,
      searchMisses: 0,
      events: 0,
      notifications: 0,
    });
  });

  test("admins set it (blank keeps for ever); the daily job applies it through the scheduler", async () => {
    const team = await makeTeam(t);
    const put = (headers: Record<string, string>, payload: object) =>
      t.app.inject({ method: "PUT", url: "/api/workspace/settings/retention", headers, payload });
    assert.equal((await put(team.agent.headers, { outboxDays: 10 })).statusCode, 403);
    assert.equal((await put(team.admin.headers, { outboxDays: 0 })).statusCode, 400);
    const res = await put(team.admin.headers, { outboxDays: null, searchMissesDays: 10 });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      outboxDays: null,
      inboundDays: 30,
      searchMissesDays: 10,
      eventsDays: 365,
    });
    const audit = await t.app.inject({
      url: "/api/workspace/audit?action=settings.retention",
      headers: team.admin.headers,
    });
    assert.equal(audit.json().items.length, 1);
    assert.deepEqual(audit.json().items[0].details.outboxDays, { from: 90, to: null });

    await submitTicket(t, team.ws.slug, { email: "kept@customer.test" });
    await db()
      .updateTable("outbox_emails")
      .set({ status: "sent" })
      .where("workspace_id", "=", team.ws.id)
      .execute();
    await seedMisc(team.ws.id, t.ctx.now(), "soon-old");
    t.advance(400 * DAY);
    await planRecurringJobs(t.ctx, systemActor("test"));
    const job = await db()
      .selectFrom("scheduled_jobs")
      .select(["key", "run_at"])
      .where("kind", "=", "retention")
      .where("workspace_id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.match(job.key, new RegExp(`^retention:${team.ws.id}:\\d{4}-\\d{2}-\\d{2}$`));
    assert.equal(new Date(job.run_at).getUTCHours(), 3, "03:00 in the workspace's zone (UTC here)");
    t.advance(DAY);
    await runDueJobs(t.ctx, systemActor("test"), { handlers: { retention: JOB_HANDLERS.retention } });
    const rows = await outboxOf(team.ws.id);
    assert.ok(
      rows.length > 0 && rows.every((r) => r.content_pruned_at === null),
      "null keeps emails for ever",
    );
    const misses = await db()
      .selectFrom("kb_search_misses")
      .select("query")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.deepEqual(misses, [], "misses older than 10 days went");
  });
});
