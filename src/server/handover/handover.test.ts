import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { outgoingMessageOf } from "../email/email.message.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { HandoverResult } from "./handover.schemas.ts";
import { subjectFrom } from "./handover.ts";

// Bot handover through the real app: the contact found or made, the ticket with the customer's
// messages as its public conversation and everything the bot said or did in one internal note
// that no customer path shows, the confirmation email, a conversation handed over twice, field
// errors
// (the health summary: customer-health.test.ts).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

const BOT_SECRET = "BOT-ONLY-LINE-7731";
const STEP_SECRET = "STEP-ONLY-9152";
const SUMMARY_SECRET = "SUMMARY-ONLY-4410";

let seq = 0;
const address = () => `handover-${++seq}-${process.pid}@customer.test`;

function transcript() {
  return [
    { from: "bot", text: "Hi! I am Ava, how can I help?", at: "2026-12-06T09:00:00Z" },
    {
      from: "customer",
      text: "My invoice for November is wrong.\nIt charges two seats.",
      at: "2026-12-06T09:00:20Z",
    },
    { from: "bot", text: `Let me check your plan. ${BOT_SECRET}`, at: "2026-12-06T09:00:30Z" },
    { from: "customer", text: "This is terrible, I am very angry, fix it now!", at: "2026-12-06T09:01:10Z" },
    { from: "bot", text: "I will hand you over to a person.", at: "2026-12-06T09:01:30Z" },
    { from: "customer", text: "Thanks.", at: "2026-12-06T09:01:40Z" },
  ];
}

async function handOver(team: Team, body: Record<string, unknown>, headers = team.agent.headers) {
  return t.app.inject({ method: "POST", url: "/api/workspace/handovers", headers, payload: body });
}

async function created(team: Team, body: Record<string, unknown>) {
  const res = await handOver(team, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as HandoverResult;
}

const fullBody = (email: string, extra: Record<string, unknown> = {}) => ({
  customer: { email, name: "Noor Customer" },
  transcript: transcript(),
  attemptedSteps: ["Looked up the plan", `Offered a refund form ${STEP_SECRET}`],
  summary: `Customer billed for two seats, has one. ${SUMMARY_SECRET}`,
  source: "Ava",
  ...extra,
});

const trackingApi = (r: HandoverResult) => {
  const u = new URL(r.trackingUrl);
  const [, , slug, , ref] = u.pathname.split("/");
  return `/api/public/portals/${slug}/tickets/${ref}?t=${u.searchParams.get("t")}`;
};

describe("bot handover", () => {
  test("creates the contact and a chat ticket: the customer's messages public, the rest one internal note", async () => {
    const team = await makeTeam(t);
    const email = address();
    const r = await created(team, fullBody(email));
    assert.equal(r.contact.created, true);
    assert.match(r.ticket.reference, /^TKT-\d{4}$/);
    assert.ok(r.ticket.url.endsWith(`/app/tickets/${r.ticket.reference}`));

    const detail = await t.app.inject({
      url: `/api/workspace/tickets/${r.ticket.reference}`,
      headers: team.agent.headers,
    });
    assert.equal(detail.statusCode, 200, detail.body);
    const d = detail.json() as {
      subject: string;
      description: string;
      channel: string;
      contact: { id: string; email: string };
      conversation: { internal: boolean; author: { type: string }; body: string }[];
    };
    assert.equal(d.channel, "chat");
    assert.equal(d.subject, "My invoice for November is wrong.");
    assert.equal(d.description, "My invoice for November is wrong.\nIt charges two seats.");
    assert.equal(d.contact.id, r.contact.id);
    const publicOnes = d.conversation.filter((c) => !c.internal);
    assert.deepEqual(
      publicOnes.map((c) => [c.author.type, c.body]),
      [
        ["contact", "This is terrible, I am very angry, fix it now!"],
        ["contact", "Thanks."],
      ],
    );
    const notes = d.conversation.filter((c) => c.internal);
    assert.equal(notes.length, 1, "one internal note");
    const note = notes[0];
    assert.equal(note?.author.type, "system");
    for (const s of [
      BOT_SECRET,
      STEP_SECRET,
      SUMMARY_SECRET,
      "Handed over by Ava",
      "Customer health:",
      "• Looked up the plan",
    ]) {
      assert.ok(note?.body.includes(s), `the note holds ${s}`);
    }
    assert.match(note?.body ?? "", /09:00 · Ava:\nHi! I am Ava/, "who and when, in the workspace's zone");
    assert.match(note?.body ?? "", /09:01 · Noor Customer \(customer\):\nThanks\./);

    // The customer's tracking JSON and page: their messages, none of the bot's.
    const json = await t.app.inject({ url: trackingApi(r) });
    assert.equal(json.statusCode, 200, json.body);
    const view = json.json() as { description: string; conversation: { body: string }[] };
    assert.equal(view.description, d.description);
    assert.deepEqual(
      view.conversation.map((c) => c.body),
      ["This is terrible, I am very angry, fix it now!", "Thanks."],
    );
    const link = new URL(r.trackingUrl);
    const page = await t.app.inject({
      url: link.pathname,
      headers: { cookie: `portico_track=${link.searchParams.get("t")}` },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /fix it now!/);
    for (const s of [BOT_SECRET, STEP_SECRET, SUMMARY_SECRET, "Handed over by", "Customer health"]) {
      assert.ok(!json.body.includes(s), `tracking JSON leaks ${s}`);
      assert.ok(!page.body.includes(s), `tracking page leaks ${s}`);
    }

    // The confirmation email with the tracking link, to the customer.
    const mail = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("ticket_id", "=", r.ticket.id)
      .where("kind", "=", "ticket_confirmation")
      .executeTakeFirstOrThrow();
    assert.equal(mail.to_address, email);
    const message = outgoingMessageOf(mail);
    assert.ok(
      message.html.includes(r.trackingUrl.replace(/&/g, "&amp;")),
      "the email carries the tracking link",
    );
    for (const s of [BOT_SECRET, STEP_SECRET, SUMMARY_SECRET]) assert.ok(!message.html.includes(s));
    // The team hears of it as a request that came by chat.
    const told = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("ticket_id", "=", r.ticket.id)
      .where("kind", "=", "agent_new_ticket")
      .execute();
    assert.ok(told.length > 0, "agents are emailed about the new ticket");
    for (const row of told) assert.match(outgoingMessageOf(row).text, /wrote in by chat/);
  });

  test("the note never reaches the signed-in customer's portal either", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const r = await created(team, fullBody(c.email));
    assert.equal(r.contact.created, false);
    assert.equal(r.contact.id, c.contactId);
    const api = await t.app.inject({
      url: `/api/portal/${team.ws.slug}/requests/${r.ticket.reference}`,
      headers: { cookie: c.cookie },
    });
    const page = await t.app.inject({
      url: `/portal/${team.ws.slug}/requests/${r.ticket.reference}`,
      headers: { cookie: c.cookie },
    });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /Thanks\./);
    for (const s of [BOT_SECRET, STEP_SECRET, SUMMARY_SECRET, "Handed over by"]) {
      assert.ok(!api.body.includes(s), `portal JSON leaks ${s}`);
      assert.ok(!page.body.includes(s), `portal page leaks ${s}`);
    }
  });

  test("an existing contact is found, not duplicated, and keeps their name", async () => {
    const team = await makeTeam(t);
    const email = address();
    await submitTicket(t, team.ws.slug, { email, name: "Original Name" });
    const r = await created(team, {
      customer: { email: email.toUpperCase(), name: "Other Name" },
      transcript: [{ from: "customer", text: "Hello again" }],
    });
    assert.equal(r.contact.created, false);
    const rows = await t.ctx.database.db
      .selectFrom("contacts")
      .select(["id", "name"])
      .where("workspace_id", "=", team.ws.id)
      .where("email_normalized", "=", email)
      .execute();
    assert.deepEqual(
      rows.map((c) => ({ ...c })),
      [{ id: r.contact.id, name: "Original Name" }],
    );
    assert.equal(r.health.totalTickets, 2);
    assert.equal(r.health.openTickets.count, 2);
    assert.equal(r.health.openTickets.newest[0], r.ticket.reference);
  });

  test("a conversationId handed over twice answers the first ticket with 200", async () => {
    const team = await makeTeam(t);
    const body = fullBody(address(), { conversationId: "conv-42" });
    const first = await created(team, body);
    const again = await handOver(team, { ...body, transcript: [{ from: "customer", text: "Still there?" }] });
    assert.equal(again.statusCode, 200, again.body);
    const r = again.json() as HandoverResult;
    assert.equal(r.ticket.id, first.ticket.id);
    assert.equal(r.contact.id, first.contact.id);
    assert.equal(r.contact.created, false);
    const opened = await t.app.inject({ url: trackingApi(r) });
    assert.equal(opened.statusCode, 200, "the replay's tracking link opens the ticket");
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(tickets.length, 1);
    // The same id in another workspace is another conversation.
    const other = await makeTeam(t);
    const elsewhere = await created(other, body);
    assert.notEqual(elsewhere.ticket.id, first.ticket.id);
  });

  test("a bot hands over with a write API key alone; a read key may not", async () => {
    const team = await makeTeam(t);
    const key = async (scope: "read" | "write") => {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/workspace/api-keys",
        headers: team.admin.headers,
        payload: { name: `Assistant ${scope}`, scope },
      });
      assert.equal(res.statusCode, 201, res.body);
      return { authorization: `Bearer ${(res.json() as { token: string }).token}` };
    };
    const email = address();
    const refused = await handOver(team, fullBody(email), await key("read"));
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((refused.json() as { error: { code: string } }).error.code, "api_key_read_only");
    // No cookie, no CSRF token, no Origin: a server calling the API.
    const res = await handOver(team, fullBody(email), await key("write"));
    assert.equal(res.statusCode, 201, res.body);
    const r = res.json() as HandoverResult;
    assert.match(r.ticket.reference, /^TKT-/);
    const health = await t.app.inject({
      url: `/api/workspace/contacts/${r.contact.id}/health`,
      headers: await key("read"),
    });
    assert.equal(health.statusCode, 200, health.body);
    assert.equal((health.json() as { totalTickets: number }).totalTickets, 1);
  });

  test("a conversationId of another customer's handover is a 409, never their ticket", async () => {
    const team = await makeTeam(t);
    const first = await created(team, fullBody(address(), { conversationId: "conv-shared" }));
    const res = await handOver(team, fullBody(address(), { conversationId: "conv-shared" }));
    assert.equal(res.statusCode, 409, res.body);
    const error = (res.json() as { error: { code: string; fields: Record<string, string> } }).error;
    assert.equal(error.code, "conversation_taken");
    assert.ok(error.fields.conversationId);
    assert.ok(!res.body.includes(first.ticket.reference), "the other customer's reference is not given");
  });

  test("a message time the calendar has no instant for (a leap second) is read as the handover's time", async () => {
    const team = await makeTeam(t);
    const body = fullBody(address());
    body.transcript[0] = { from: "bot", text: "Hello", at: "2026-12-31T23:59:60Z" };
    const res = await handOver(team, body);
    assert.equal(res.statusCode, 201, res.body);
  });

  test("the same conversation handed over twice at once is one ticket", async () => {
    const team = await makeTeam(t);
    const body = fullBody(address(), { conversationId: "conv-race" });
    const [a, b] = await Promise.all([handOver(team, body), handOver(team, body)]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201], `${a.body} ${b.body}`);
    assert.equal((a.json() as HandoverResult).ticket.id, (b.json() as HandoverResult).ticket.id);
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(tickets.length, 1);
  });

  test("validation errors name the field", async () => {
    const team = await makeTeam(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ customer: { email: "nope" }, transcript: [{ from: "customer", text: "x" }] }, "customer.email"],
      [{ customer: { email: address() }, transcript: [] }, "transcript"],
      [
        {
          customer: { email: address() },
          transcript: [
            { from: "customer", text: "a" },
            { from: "bot", text: "b" },
            { from: "customer", text: "c" },
            { from: "customer", text: "   " },
          ],
        },
        "transcript.3.text",
      ],
      [
        { customer: { email: address() }, transcript: [{ from: "customer", text: "x".repeat(10_001) }] },
        "transcript.0.text",
      ],
      [{ customer: { email: address() }, transcript: [{ from: "robot", text: "x" }] }, "transcript.0.from"],
      [
        { customer: { email: address() }, transcript: [{ from: "customer", text: "x", at: "yesterday" }] },
        "transcript.0.at",
      ],
      [
        {
          customer: { email: address() },
          transcript: Array.from({ length: 201 }, () => ({ from: "customer", text: "x" })),
        },
        "transcript",
      ],
      [
        {
          customer: { email: address() },
          transcript: [{ from: "customer", text: "x" }],
          attemptedSteps: Array(51).fill("s"),
        },
        "attemptedSteps",
      ],
      [
        { customer: { email: address() }, transcript: [{ from: "customer", text: "x" }], language: "xx" },
        "language",
      ],
      [{ customer: { email: address() }, transcript: [{ from: "bot", text: "Only me" }] }, "transcript"],
    ];
    for (const [body, field] of cases) {
      const res = await handOver(team, body);
      assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
      const fields = (res.json() as { error: { fields?: Record<string, string> } }).error.fields ?? {};
      assert.ok(field in fields, `${field} named in ${JSON.stringify(fields)}`);
    }
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(tickets.length, 0, "nothing was created");
  });

  test("the body's language, priority and type are the ticket's", async () => {
    const team = await makeTeam(t);
    const r = await created(team, {
      customer: { email: address() },
      transcript: [{ from: "customer", text: "Die Rechnung ist falsch" }],
      language: "de",
      priority: "high",
      type: "Bug Report",
      subject: "Rechnung",
    });
    const row = await t.ctx.database.db
      .selectFrom("tickets")
      .selectAll()
      .where("id", "=", r.ticket.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [row.locale, row.priority, row.type, row.subject],
      ["de", "high", "Bug Report", "Rechnung"],
    );
    const mail = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("ticket_id", "=", r.ticket.id)
      .where("kind", "=", "ticket_confirmation")
      .executeTakeFirstOrThrow();
    assert.match(outgoingMessageOf(mail).html, /lang="de"/);
  });

  test("a subject cut from a long first message", () => {
    assert.equal(subjectFrom("\n  Short  one \nmore"), "Short one");
    const long = subjectFrom(`${"word ".repeat(40)}end`);
    assert.ok([...long].length <= 81);
    assert.ok(long.endsWith("…"));
  });
});
