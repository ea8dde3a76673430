import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { systemActor, systemActorIn } from "../actors.ts";
import { makeTeam, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliverDueEmails, LEASE_MS, RETRY_FOR_MS, startOutboxWorker } from "./delivery.ts";
import { renderedOf } from "./email.message.ts";
import { PRUNED_TEXT, pruneOutboxBefore } from "./outbox.access.ts";
import { getOutboxEmail } from "./outbox.service.ts";
import { queuedAt } from "./outbox.ts";
import { type Received, type SmtpSink, startSmtpSink } from "./smtp-sink.test-support.ts";

// Longer than 400 lines: one case per delivery rule (retries, refusals, holds, the mail thread),
// each standing alone on the same sink.

// Outgoing mail through a real SMTP exchange: nodemailer (the outbox worker's transport) to an
// smtp-server sink on loopback.

const delivery = systemActor("outbox delivery");
let t: TestEnv;
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
  t = await testEnv({
    SMTP_URL: sink.url,
    PUBLIC_URL: "https://help.acme.test",
    MAIL_FROM: "mail@help.acme.test",
  });
});
after(async () => {
  await t.close();
  await sink.stop();
});
beforeEach(async () => {
  await sink.setMode("accept");
  // Nothing left over from the test before.
  await drain();
  sink.received.length = 0;
});

async function drain() {
  for (let i = 0; i < 20; i++) {
    const r = await deliverDueEmails(t.ctx, delivery);
    if (r.sent + r.retrying + r.failed === 0) return;
  }
}

const to = (address: string) => (m: Received) => m.envelope.to.includes(address);
const header = (m: Received, name: string) => m.mail.headers.get(name) as string | undefined;

async function brandedTeam() {
  const team = await makeTeam(t);
  const res = await t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/branding",
    headers: team.admin.headers,
    payload: {
      brandName: "Acme Support",
      supportEmail: `help@${team.ws.slug}.test`,
      primaryColor: "#0f766e",
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  // The agents' invitations go out first; each test looks at what it causes itself.
  await drain();
  sink.received.length = 0;
  return team;
}

describe("emails out", () => {
  test("a submission: the customer's confirmation with a working tracking link, and every agent told", async () => {
    const { ws, admin, agent } = await brandedTeam();
    const s = await submitTicket(t, ws.slug, { email: "casey@customer.test", subject: "Printer on fire" });
    assert.equal(sink.received.length, 0, "nothing is sent inside the request");
    const r = await deliverDueEmails(t.ctx, delivery);
    assert.equal(r.sent, 3, "the confirmation, and one email to each agent");

    const [confirmation] = sink.received.filter(to("casey@customer.test"));
    assert.ok(confirmation);
    const m = confirmation.mail;
    assert.equal(m.subject, `[${s.reference}] We received your request: Printer on fire`);
    assert.equal(m.from?.value[0]?.name, "Acme Support");
    assert.equal(m.from?.value[0]?.address, "mail@help.acme.test");
    const replyTo = m.replyTo?.value[0]?.address ?? "";
    assert.match(
      replyTo,
      new RegExp(`^help\\+[0-9a-f]{32}@${ws.slug}\\.test$`),
      "replies come back with a token in the address",
    );
    assert.match(m.messageId ?? "", /^<[0-9a-f-]{36}@help\.acme\.test>$/);
    assert.equal(header(confirmation, "auto-submitted"), "auto-generated");
    assert.ok(m.text?.includes(s.reference));
    assert.ok(String(m.html).includes("#0f766e"), "the brand colour is in the HTML");
    // The link in the email opens the ticket.
    const link = /https:\/\/help\.acme\.test(\/portal\/[^\s"<]+)/.exec(m.text ?? "")?.[1];
    assert.ok(link, "the text part has an absolute tracking link");
    const track = await t.app.inject({ url: `/api/public${link.replace("/portal/", "/portals/")}` });
    assert.equal(track.statusCode, 200, "the emailed link's token opens the ticket");

    const forAgents = sink.received.filter((x) => !to("casey@customer.test")(x));
    assert.deepEqual(forAgents.flatMap((x) => x.envelope.to).sort(), [admin.email, agent.email].sort());
    assert.ok(
      forAgents.every((x) => x.envelope.to.length === 1),
      "each agent alone in their own email",
    );
    assert.ok(
      forAgents.every((x) => x.mail.subject?.startsWith(`[${s.reference}] New request from Casey Customer`)),
    );
    // Every message of the ticket refers to its thread.
    const refs = new Set([confirmation, ...forAgents].map((x) => String(x.mail.references)));
    assert.equal(refs.size, 1);
  });

  test("names and subjects cannot inject headers, and user text is escaped in the HTML", async () => {
    const { ws } = await brandedTeam();
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${ws.slug}/tickets`,
      payload: {
        name: "Eve <script>alert(1)</script>",
        email: "eve@customer.test",
        subject: "Hello <img src=x onerror=alert(1)>",
      },
    });
    assert.equal(res.statusCode, 201);
    await deliverDueEmails(t.ctx, delivery);
    const [m] = sink.received.filter(to("eve@customer.test"));
    assert.ok(m);
    assert.ok(!m.mail.html || !/<script>|<img src=x/.test(m.mail.html), "no live markup from the customer");
    assert.ok(String(m.mail.html).includes("&lt;script&gt;"));
    // The raw header block has no line that the subject started.
    const head = m.raw.toString("latin1").split(/\r?\n\r?\n/)[0] ?? "";
    assert.ok(!/^Bcc:/im.test(head));

    // CR/LF through the API is refused outright; a name with a line break never reaches a header.
    const injected = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${ws.slug}/tickets`,
      payload: {
        name: "Mallory\r\nBcc: victim@x.test",
        email: "m@customer.test",
        subject: "Hi\r\nBcc: victim@x.test",
      },
    });
    assert.equal(injected.statusCode, 400);
    await deliverDueEmails(t.ctx, delivery);
    assert.ok(!sink.received.some(to("victim@x.test")));
  });

  test("an agent's reply reaches the customer threaded; a note never does; resolving sends the resolution", async () => {
    const { ws, agent } = await brandedTeam();
    const s = await submitTicket(t, ws.slug, { email: "dana@customer.test", subject: "Invoice wrong" });
    await deliverDueEmails(t.ctx, delivery);
    const confirmation = sink.received.find(to("dana@customer.test"));
    sink.received.length = 0;

    const note = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: agent.headers,
      payload: { body: "SECRET: customer owes us money" },
    });
    assert.equal(note.statusCode, 201, note.body);
    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "We fixed the invoice <b>today</b>." },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    await deliverDueEmails(t.ctx, delivery);
    assert.equal(sink.received.length, 1, "one email: the reply; the note sends nothing");
    const [r] = sink.received;
    assert.ok(r && to("dana@customer.test")(r));
    assert.equal(r.mail.subject, `Re: [${s.reference}] Invoice wrong`);
    assert.ok(r.mail.text?.includes("We fixed the invoice <b>today</b>."));
    assert.ok(String(r.mail.html).includes("&lt;b&gt;today&lt;/b&gt;"));
    assert.ok(!r.raw.toString().includes("SECRET"), "no internal note in a customer email");
    assert.equal(header(r, "auto-submitted"), undefined, "a person's reply is not marked automatic");
    assert.deepEqual(r.mail.references, confirmation?.mail.references, "the same thread as the confirmation");
    assert.ok(r.mail.inReplyTo);

    sink.received.length = 0;
    const resolved = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Refunded the difference." },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    await deliverDueEmails(t.ctx, delivery);
    const [res] = sink.received;
    assert.equal(sink.received.length, 1);
    assert.equal(res?.mail.subject, `[${s.reference}] Resolved: Invoice wrong`);
    assert.ok(res?.mail.text?.includes("Refunded the difference."));
  });

  test("a resolution after a note carries nothing of the note; stored copies lose their tokens once sent", async () => {
    const { ws, agent } = await brandedTeam();
    const s = await submitTicket(t, ws.slug, { email: "nora@customer.test", subject: "Quiet fix" });
    await drain();
    sink.received.length = 0;
    const note = await t.app.inject({
      method: "POST",
      url: `/app/tickets/${s.reference}/messages`,
      headers: { cookie: agent.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        _csrf: agent.csrf,
        kind: "note",
        body: "PRIVATE: fixed it in the database",
      }).toString(),
    });
    assert.equal(note.statusCode, 303, note.body);
    const resolved = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Fixed." },
    });
    assert.equal(resolved.statusCode, 200);
    await drain();
    const [m] = sink.received;
    assert.equal(sink.received.length, 1);
    assert.equal(m?.mail.subject, `[${s.reference}] Resolved: Quiet fix`);
    assert.ok(!m?.raw.toString().includes("PRIVATE"));
    // The customer's copy has a working link; ours no longer has its token.
    assert.match(m?.mail.text ?? "", /\?t=[A-Za-z0-9_-]{20,}/);
    const stored = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .selectAll()
      .where("workspace_id", "=", ws.id)
      .where("status", "=", "sent")
      .execute();
    assert.ok(stored.length > 0);
    for (const r of stored) {
      const kept = `${r.template_data} ${r.body_text} ${r.body_html} ${renderedOf(r).text} ${renderedOf(r).html}`;
      assert.ok(!/[?&]t=[A-Za-z0-9_-]{20,}/.test(kept), "no live token kept");
      if (r.audience === "customer") assert.match(renderedOf(r).text, /\?t=\(removed-once-sent\)/);
    }
  });

  test("an email queued before template inputs were kept is sent and shown from its stored text and HTML", async () => {
    const { ws, admin } = await brandedTeam();
    const now = new Date().toISOString();
    const id = "01900000-0000-7000-8000-00000000e0e1";
    await t.ctx.database.db
      .insertInto("outbox_emails")
      .values({
        id,
        workspace_id: ws.id,
        ticket_id: null,
        kind: "agent_invitation",
        audience: "agent",
        to_address: "old@acme.test",
        to_name: null,
        message_id: `<${id}@help.acme.test>`,
        subject: "Queued before the upgrade",
        body_text:
          "The stored text, with a link https://help.acme.test/app/invite?t=AAAAAAAAAAAAAAAAAAAAAAAA\n",
        body_html: "<p>The stored HTML</p>",
        template_data: null,
        headers: JSON.stringify({
          from: { name: "Acme Support", address: "mail@help.acme.test" },
          autoSubmitted: true,
        }),
        ...queuedAt(now),
      })
      .execute();
    await drain();
    const [m] = sink.received.filter(to("old@acme.test"));
    assert.equal(m?.mail.subject, "Queued before the upgrade");
    assert.match(m?.mail.text ?? "", /^The stored text, with a link .*\?t=A{24}/);
    assert.match(String(m?.mail.html), /<p>The stored HTML<\/p>/);
    const body = await getOutboxEmail(
      t.ctx,
      { kind: "agent", workspaceId: ws.id, agentId: admin.id, role: "admin" },
      id,
    );
    assert.equal(body.status, "sent");
    assert.match(body.text, /\?t=\(removed-once-sent\)/);
    assert.equal(body.html, "<p>The stored HTML</p>");
  });

  test("a support email is one workspace's, and carries no +tag", async () => {
    const a = await brandedTeam();
    const b = await makeTeam(t);
    const patch = (supportEmail: string) =>
      t.app.inject({
        method: "PATCH",
        url: "/api/workspace/settings/branding",
        headers: b.admin.headers,
        payload: { supportEmail },
      });
    const taken = await patch(`HELP@${a.ws.slug}.test`);
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, "support_email_taken");
    assert.ok(taken.json().error.fields.supportEmail);
    const tagged = await patch("help+b@b.test");
    assert.equal(tagged.statusCode, 400);
    assert.ok(tagged.json().error.fields.supportEmail);
    assert.equal((await patch("help@b.test")).statusCode, 200);
  });

  test("a customer's reply reaches the assignee only", async () => {
    const { ws, agent } = await brandedTeam();
    const s = await submitTicket(t, ws.slug, { email: "erin@customer.test" });
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { assigneeId: agent.id },
    });
    await deliverDueEmails(t.ctx, delivery);
    sink.received.length = 0;
    const res = await t.app.inject({
      method: "POST",
      url: `${trackUrl(ws.slug, s).replace(/\?t=/, "/replies?t=")}`,
      payload: { body: "Any news?" },
    });
    assert.equal(res.statusCode, 201, res.body);
    await deliverDueEmails(t.ctx, delivery);
    assert.deepEqual(
      sink.received.map((m) => m.envelope.to),
      [[agent.email]],
    );
    assert.ok(sink.received[0]?.mail.text?.includes("Any news?"));
  });
});

describe("delivery", () => {
  test("the outage drill: the server refuses, then is down, tickets keep coming, then every email arrives once", async () => {
    const { ws } = await brandedTeam();
    await sink.setMode("tempfail");
    const refs: string[] = [];
    for (let i = 0; i < 3; i++)
      refs.push((await submitTicket(t, ws.slug, { email: `o${i}@customer.test` })).reference);
    let r = await deliverDueEmails(t.ctx, delivery);
    assert.equal(r.sent, 0);
    assert.ok(r.retrying > 0);
    assert.equal(r.failed, 0);
    await sink.setMode("down");
    for (let i = 3; i < 6; i++)
      refs.push((await submitTicket(t, ws.slug, { email: `o${i}@customer.test` })).reference);
    // Not due yet: a retry waits.
    r = await deliverDueEmails(t.ctx, delivery);
    assert.ok(r.retrying > 0, "the new ones fail too while the server is down");
    t.advance(10 * 60_000);
    r = await deliverDueEmails(t.ctx, delivery);
    assert.equal(r.sent, 0);
    assert.ok(r.retrying > 0);
    const pending = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["status", "last_error", "attempts"])
      .where("workspace_id", "=", ws.id)
      .where("kind", "!=", "agent_invitation")
      .execute();
    assert.ok(pending.every((p) => p.status === "pending" && p.last_error));

    await sink.setMode("accept");
    t.advance(2 * 3600_000);
    await drain();
    const ids = sink.received.map((m) => m.mail.messageId);
    assert.equal(new Set(ids).size, ids.length, "no email twice");
    // 6 confirmations and 6 team notices (one message to the three agents each).
    assert.equal(ids.length, pending.length);
    for (const [i, ref] of refs.entries()) {
      assert.equal(sink.received.filter((m) => m.envelope.to.includes(`o${i}@customer.test`)).length, 1, ref);
    }
    const after = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("status")
      .where("workspace_id", "=", ws.id)
      .where("kind", "!=", "agent_invitation")
      .execute();
    assert.ok(after.every((a) => a.status === "sent"));
  });

  test("a permanent refusal stops at once and shows on the ticket for agents", async () => {
    const { ws, agent } = await brandedTeam();
    await sink.setMode("reject");
    const s = await submitTicket(t, ws.slug, { email: "gone@customer.test" });
    const r = await deliverDueEmails(t.ctx, delivery);
    assert.equal(r.failed, 3, "the confirmation and each agent's");
    await sink.setMode("accept");
    t.advance(3600_000);
    assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 0, "a failed email is not retried");
    const detail = (
      await t.app.inject({ url: `/api/workspace/tickets/${s.reference}`, headers: { cookie: agent.cookie } })
    ).json() as {
      events: { type: string; customerVisible: boolean; data: { to: string; reason: string } }[];
    };
    const failed = detail.events.filter((e) => e.type === "email_failed");
    assert.ok(failed.some((e) => e.data.to === "gone@customer.test" && /550/.test(e.data.reason)));
    assert.ok(failed.every((e) => !e.customerVisible));
    const track = (await t.app.inject({ url: trackUrl(ws.slug, s) })).body;
    assert.ok(!track.includes("550"), "the customer's view knows nothing of it");
  });

  test("transient failures are given up after four days", async () => {
    const { ws } = await brandedTeam();
    await sink.setMode("down");
    await submitTicket(t, ws.slug, { email: "late@customer.test" });
    await deliverDueEmails(t.ctx, delivery);
    t.advance(RETRY_FOR_MS + 3600_000);
    const r = await deliverDueEmails(t.ctx, delivery);
    assert.equal(r.failed, 3);
    const rows = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["status", "last_error"])
      .where("workspace_id", "=", ws.id)
      .where("kind", "!=", "agent_invitation")
      .execute();
    assert.ok(rows.every((x) => x.status === "failed" && /gave up after 4 days/.test(x.last_error ?? "")));
  });

  test("a process that died while holding emails: they go out once its lease runs out, a minute later, once each", async () => {
    const { ws } = await brandedTeam();
    await submitTicket(t, ws.slug, { email: "crash@customer.test" });
    // As a worker leaves its claim when the process dies between claiming and sending.
    const held = new Date(t.ctx.now().getTime() + LEASE_MS).toISOString();
    await t.ctx.database.db
      .updateTable("outbox_emails")
      .set((eb) => ({ locked_until: held, attempts: eb("attempts", "+", 1) }))
      .where("workspace_id", "=", ws.id)
      .where("status", "=", "pending")
      .execute();
    assert.equal(LEASE_MS, 60_000);
    t.advance(LEASE_MS - 1000);
    assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 0, "held rows wait out the lease");
    t.advance(2000);
    assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 3);
    assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 0);
    assert.equal(sink.received.filter((m) => m.envelope.to.includes("crash@customer.test")).length, 1);
  });

  test("a live worker renews its claim between slow sends: no other worker takes its emails past the first lease", async () => {
    const { ws } = await brandedTeam();
    for (const n of [1, 2, 3]) await submitTicket(t, ws.slug, { email: `slow${n}@customer.test` });
    // A relay so slow that each send uses 40 s: the claim's first lease (60 s) is long gone by
    // the third. During each send another worker (a process of its own) looks for due emails.
    const mailer = t.ctx.mailer;
    const othersSent: number[] = [];
    t.ctx.mailer = {
      kind: mailer.kind,
      deliver: async (row) => {
        const r = await mailer.deliver(row);
        t.advance(40_000);
        t.ctx.mailer = mailer;
        try {
          othersSent.push((await deliverDueEmails(t.ctx, delivery)).sent);
        } finally {
          t.ctx.mailer = slow;
        }
        return r;
      },
      close: () => mailer.close(),
    };
    const slow = t.ctx.mailer;
    try {
      assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 9, "every email, by the first worker");
    } finally {
      t.ctx.mailer = mailer;
    }
    assert.deepEqual(othersSent, [0, 0, 0, 0, 0, 0, 0, 0, 0], "the other worker found nothing due");
    assert.equal(sink.received.length, 9, "each once");
    const rows = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["status", "attempts", "locked_until"])
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.ok(rows.every((r) => r.status === "sent" && r.attempts === 1 && r.locked_until === null));
  });

  test("a stopping worker finishes the email in flight and gives back the rest of its claim", async () => {
    const { ws } = await brandedTeam();
    for (const n of [1, 2, 3]) await submitTicket(t, ws.slug, { email: `stop${n}@customer.test` });
    const stopping = new AbortController();
    const mailer = t.ctx.mailer;
    t.ctx.mailer = {
      kind: mailer.kind,
      deliver: async (row) => {
        stopping.abort();
        return mailer.deliver(row);
      },
      close: () => mailer.close(),
    };
    try {
      assert.equal((await deliverDueEmails(t.ctx, delivery, { signal: stopping.signal })).sent, 1);
    } finally {
      t.ctx.mailer = mailer;
    }
    const pending = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["attempts", "locked_until"])
      .where("workspace_id", "=", ws.id)
      .where("status", "=", "pending")
      .execute();
    assert.equal(pending.length, 8);
    assert.ok(
      pending.every((r) => r.attempts === 0 && r.locked_until === null),
      "given back, due at once",
    );
    assert.equal((await deliverDueEmails(t.ctx, delivery)).sent, 8);
  });

  test("while requests keep coming, the worker sends a batch and steps back before the next", async () => {
    const { ws } = await brandedTeam();
    for (let i = 0; i < 30; i++) await submitTicket(t, ws.slug, { email: `burst${i}@customer.test` });
    const sentCount = () => sink.received.length;
    // A request every few milliseconds, as a busy server takes them (the first before the worker
    // starts: its first round already sees a busy server).
    t.ctx.activity.lastRequestAt = performance.now();
    const requests = setInterval(() => {
      t.ctx.activity.lastRequestAt = performance.now();
    }, 5);
    const worker = startOutboxWorker(t.ctx, systemActor("outbox delivery"), 60_000);
    try {
      while (sentCount() < 20) await new Promise((r) => setTimeout(r, 5));
      // The pause is 250 ms; unpaced, the next batch's sends would be arriving by now.
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(sentCount(), 20, "one batch, then a pause while requests keep coming");
      clearInterval(requests);
      while (sentCount() < 60) await new Promise((r) => setTimeout(r, 5));
      assert.equal(sentCount(), 60, "the rest once the requests are answered, each once");
    } finally {
      clearInterval(requests);
      await worker.stop();
    }
  });

  test("a claimed email is not sent by a second worker at the same time", async () => {
    const { ws } = await brandedTeam();
    await submitTicket(t, ws.slug, { email: "once@customer.test" });
    const [a, b] = await Promise.all([deliverDueEmails(t.ctx, delivery), deliverDueEmails(t.ctx, delivery)]);
    assert.equal((a?.sent ?? 0) + (b?.sent ?? 0), 3);
    assert.equal(sink.received.length, 3);
  });
});

test("without SMTP_URL, emails are .eml files in DATA_DIR/mail", async () => {
  const local = await testEnv({ PUBLIC_URL: "https://help.acme.test" });
  try {
    const { ws } = await makeTeam(local);
    await deliverDueEmails(local.ctx, delivery);
    const dir = path.join(local.ctx.config.dataDir, "mail");
    const invitations = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
    assert.equal(invitations.length, 2, "the two agents' invitations");
    for (const f of invitations) fs.rmSync(path.join(dir, f));
    await submitTicket(local, ws.slug, { email: "file@customer.test", subject: "Stored as a file" });
    const r = await deliverDueEmails(local.ctx, delivery);
    assert.equal(r.sent, 3, "the confirmation and each agent's");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
    assert.equal(files.length, 3);
    const all = files.map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    const confirmation = all.find((x) => /^To: Casey Customer <file@customer\.test>$/m.test(x));
    assert.ok(confirmation);
    assert.match(confirmation, /^Subject: \[TKT-\d{4}\] We received your request: Stored as a file$/m);
    assert.match(confirmation, /^Content-Type: multipart\/alternative/m);
    // Sending the same row again (a crash after writing) rewrites the file, never a second one.
    await local.ctx.database.db
      .updateTable("outbox_emails")
      .set({ status: "pending" })
      .where("kind", "!=", "agent_invitation")
      .execute();
    await deliverDueEmails(local.ctx, delivery);
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith(".eml")).length, 3);
  } finally {
    await local.close();
  }
});

describe("the Outbox page", () => {
  test("admins see every email, its HTML in a sandbox and its .eml; agents and other workspaces do not", async () => {
    const { ws, admin, agent } = await brandedTeam();
    const other = await makeTeam(t);
    await drain();
    await sink.setMode("reject");
    const s = await submitTicket(t, ws.slug, { email: "page@customer.test", subject: "Seen in the outbox" });
    await deliverDueEmails(t.ctx, delivery);
    await sink.setMode("accept");
    const list = await t.app.inject({ url: "/app/outbox", headers: { cookie: admin.cookie } });
    assert.equal(list.statusCode, 200);
    assert.ok(list.body.includes("Seen in the outbox"));
    assert.ok(list.body.includes("page@customer.test"));
    assert.ok(list.body.includes("Failed (3)"));
    const id = /href="\/app\/outbox\/([0-9a-f-]{36})"/.exec(list.body)?.[1] as string;
    assert.ok(id);

    const detail = await t.app.inject({ url: `/app/outbox/${id}`, headers: { cookie: admin.cookie } });
    assert.equal(detail.statusCode, 200);
    assert.ok(detail.body.includes("Send again"));
    const part = await t.app.inject({ url: `/app/outbox/${id}/html`, headers: { cookie: admin.cookie } });
    assert.equal(part.statusCode, 200);
    assert.match(String(part.headers["content-security-policy"]), /sandbox/);
    assert.match(String(part.headers["content-security-policy"]), /default-src 'none'/);
    const eml = await t.app.inject({ url: `/app/outbox/${id}/eml`, headers: { cookie: admin.cookie } });
    assert.equal(eml.statusCode, 200);
    assert.match(eml.body, /^Message-ID: <[0-9a-f-]{36}@help\.acme\.test>$/m);

    // Send again: it goes out now the relay accepts.
    const retry = await t.app.inject({
      method: "POST",
      url: `/app/outbox/${id}/retry`,
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(admin.csrf)}`,
    });
    assert.equal(retry.statusCode, 303);
    sink.received.length = 0;
    await deliverDueEmails(t.ctx, delivery);
    assert.equal(sink.received.length, 1);

    const api = await t.app.inject({
      url: "/api/workspace/outbox?status=sent",
      headers: { cookie: admin.cookie },
    });
    assert.equal(api.statusCode, 200);
    const body = api.json() as { items: { id: string; status: string }[]; counts: Record<string, number> };
    assert.ok(body.items.some((i) => i.id === id && i.status === "sent"));
    assert.equal(body.counts.failed, 2, "the other two stay failed");
    const bad = await t.app.inject({
      url: "/api/workspace/outbox?status=lost",
      headers: { cookie: admin.cookie },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(
      (await t.app.inject({ url: "/api/workspace/outbox", headers: { cookie: agent.cookie } })).statusCode,
      403,
    );
    const asAgent = await t.app.inject({ url: "/app/outbox", headers: { cookie: agent.cookie } });
    assert.equal(asAgent.statusCode, 403);
    const otherAdmin = await t.app.inject({
      url: `/app/outbox/${id}`,
      headers: { cookie: other.admin.cookie },
    });
    assert.equal(otherAdmin.statusCode, 404);
    const ticket = await t.app.inject({
      url: `/app/tickets/${s.reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(ticket.body, /emails were not delivered/);
  });
  test("a failed email whose content retention removed is shown, never offered or sent again", async () => {
    const { ws, admin } = await brandedTeam();
    await sink.setMode("reject");
    await submitTicket(t, ws.slug, { email: "pruned@customer.test", subject: "Pruned later" });
    await deliverDueEmails(t.ctx, delivery);
    await sink.setMode("accept");
    const failed = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .where("to_address", "=", "pruned@customer.test")
      .where("status", "=", "failed")
      .executeTakeFirstOrThrow();
    const now = t.ctx.now().toISOString();
    await t.ctx.database.db.transaction().execute((tx) =>
      pruneOutboxBefore(tx, systemActorIn("data retention", ws.id), {
        before: new Date(Date.parse(now) + 60_000).toISOString(),
        now,
        limit: 500,
      }),
    );

    const detail = await t.app.inject({ url: `/app/outbox/${failed.id}`, headers: { cookie: admin.cookie } });
    assert.equal(detail.statusCode, 200);
    assert.ok(detail.body.includes(PRUNED_TEXT.replaceAll("'", "&#39;")), detail.body);
    assert.ok(!detail.body.includes("Send again"));
    const retry = await t.app.inject({
      method: "POST",
      url: `/app/outbox/${failed.id}/retry`,
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(admin.csrf)}`,
    });
    assert.equal(retry.statusCode, 409);
    assert.match(retry.body, /email_content_removed|content was removed/);
    const row = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("status")
      .where("id", "=", failed.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "failed");
    sink.received.length = 0;
    await deliverDueEmails(t.ctx, delivery);
    assert.ok(!sink.received.some(to("pruned@customer.test")), "nothing sent to the customer");
  });
});
