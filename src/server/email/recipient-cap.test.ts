import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../actors.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliverDueEmails } from "./delivery.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.test-support.ts";

// The public form aimed at someone else's address: every submission is a ticket and is answered
// as always, but the address nobody verified gets at most the cap of confirmations an hour.

const delivery = systemActor("outbox delivery");
let sink: SmtpSink;
let t: TestEnv;
before(async () => {
  sink = await startSmtpSink();
  // The defaults: 3 confirmations per address per hour, 10 submissions per client per hour.
  t = await testEnv({
    SMTP_URL: sink.url,
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "",
    SUBMIT_RATE_LIMIT_PER_HOUR: "",
  });
});
after(async () => {
  await t.close();
  await sink.stop();
});

async function drain() {
  for (let i = 0; i < 50; i++) {
    const r = await deliverDueEmails(t.ctx, delivery);
    if (r.sent + r.retrying + r.failed + r.suppressed === 0) return;
  }
}

const submit = (slug: string, email: string, client: string) =>
  t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/tickets`,
    remoteAddress: client,
    payload: { name: "Not the victim", email, subject: "Hello", description: "Spam" },
  });

const toVictim = () =>
  sink.received.filter((m) => m.envelope.to.some((a) => a.toLowerCase() === "victim@target.test")).length;

test("six submissions for one address from six clients: six tickets, three confirmations, the rest suppressed", async () => {
  const { ws, admin } = await makeTeam(t);
  sink.received.length = 0;
  const answers = [];
  // The same address however it is written.
  const spellings = ["victim@target.test", "Victim@Target.test", "VICTIM@TARGET.TEST"];
  for (let i = 0; i < 6; i++) {
    const res = await submit(ws.slug, spellings[i % spellings.length] as string, `198.51.100.${i + 1}`);
    assert.equal(res.statusCode, 201);
    answers.push(res.json() as Record<string, unknown>);
  }
  // Nothing in the answer tells the sixth submitter that no email will go out.
  assert.deepEqual(Object.keys(answers[5] ?? {}).sort(), Object.keys(answers[0] ?? {}).sort());
  assert.equal(answers[5]?.status, answers[0]?.status);
  const tickets = await t.ctx.database.db
    .selectFrom("tickets")
    .select("number")
    .where("workspace_id", "=", ws.id)
    .execute();
  assert.equal(tickets.length, 6, "every submission is a ticket");

  await drain();
  assert.equal(toVictim(), 3, "at most three confirmations reach the address");
  const rows = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["status", "last_error"])
    .where("workspace_id", "=", ws.id)
    .where("kind", "=", "ticket_confirmation")
    .orderBy("id")
    .execute();
  assert.deepEqual(
    rows.map((r) => r.status),
    ["sent", "sent", "sent", "suppressed", "suppressed", "suppressed"],
  );
  // The agents still hear of every ticket.
  const notices = await t.ctx.database.db
    .selectFrom("outbox_emails")
    .select("status")
    .where("workspace_id", "=", ws.id)
    .where("kind", "=", "agent_new_ticket")
    .execute();
  assert.deepEqual(new Set(notices.map((n) => n.status)), new Set(["sent"]));
  assert.equal(notices.length, 12, "each of the two agents, of every ticket");

  // The admins' Outbox shows the three, with the reason.
  const listed = await t.app.inject({
    url: "/api/workspace/outbox?status=suppressed",
    headers: admin.headers,
  });
  const items = listed.json().items as { to: string; lastError: string }[];
  assert.equal(items.length, 3);
  for (const i of items)
    assert.match(i.lastError, /victim@target\.test is not verified and had 3 confirmations/);

  // Another address is not held back by this one.
  assert.equal((await submit(ws.slug, "someone@else.test", "198.51.100.9")).statusCode, 201);
  await drain();
  assert.ok(sink.received.some((m) => m.envelope.to.includes("someone@else.test")));

  // An hour later the address gets confirmations again.
  t.advance(3600_000 + 1000);
  assert.equal((await submit(ws.slug, "victim@target.test", "198.51.100.10")).statusCode, 201);
  await drain();
  assert.equal(toVictim(), 4);
});

test("the cap is counted once per email: a confirmation retried after a failed try is not counted again", async () => {
  const { ws } = await makeTeam(t);
  sink.received.length = 0;
  await sink.setMode("tempfail");
  for (let i = 0; i < 3; i++) {
    assert.equal((await submit(ws.slug, "retry@target.test", `203.0.113.${i + 1}`)).statusCode, 201);
  }
  await drain();
  assert.equal(sink.received.length, 0);
  await sink.setMode("accept");
  t.advance(10 * 60_000);
  await drain();
  assert.equal(
    sink.received.filter((m) => m.envelope.to.includes("retry@target.test")).length,
    3,
    "all three went out on their second try",
  );
});
