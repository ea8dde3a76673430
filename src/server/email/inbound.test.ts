import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import nodemailer from "nodemailer";
import type { SMTPServer } from "smtp-server";
import { systemActor } from "../actors.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliverDueEmails } from "./delivery.ts";
import { DnsZone } from "./dns-zone.test-support.ts";
import { hasDovecot, NO_DOVECOT, startDovecot } from "./dovecot.test-support.ts";
import { pollImapOnce } from "./imap.poller.ts";
import { readRaw, storeInbound } from "./inbound.store.ts";
import { processInbound, processPendingInbound, receiveInboundEmail } from "./inbound.ts";
import { closeListener, createSmtpListener, listen } from "./smtp.listener.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.test-support.ts";

// Longer than 400 lines: one case per rule of incoming mail (threading, filters, files, limits),
// each standing alone on the same listener and sink.

// Incoming mail through our SMTP listener, fed by a real SMTP client (nodemailer); replies go
// out through the outbox to a sink, and come back in as a customer's mail client would send them.

const delivery = systemActor("outbox delivery");
const incoming = systemActor("incoming email");
let t: TestEnv;
let listener: SMTPServer;
let port = 0;
let sink: SmtpSink;
// The customers' domain lets this machine send its mail (SPF), so their messages are verified;
// evil.test publishes nothing. Sender checks have their own tests (sender-auth.test.ts).
const zone = new DnsZone().txt("customer.test", "v=spf1 ip4:127.0.0.1 ip6:::1 -all");
before(async () => {
  sink = await startSmtpSink();
  t = await testEnv(
    {
      SMTP_URL: sink.url,
      PUBLIC_URL: "https://help.acme.test",
      MAIL_FROM: "mail@help.acme.test",
      INBOUND_EMAIL_DOMAIN: "in.portico.test",
      INBOUND_PER_SENDER_PER_HOUR: "8",
    },
    { dns: zone.resolve },
  );
  listener = createSmtpListener(t.ctx, systemActor("incoming email"));
  port = await listen(listener, 0, "127.0.0.1");
});
after(async () => {
  await closeListener(listener);
  await t.close();
  await sink.stop();
});

let seq = 0;
// Mixed case, as Gmail's and Outlook's are: ids are compared and answered exactly.
const mid = () => `<CAM${++seq}.X${Date.now()}Yz@Mail.Customer.test>`;

function mail(p: {
  from?: string;
  to: string;
  subject?: string;
  body?: string;
  messageId?: string;
  headers?: string[];
}): string {
  return [
    ...(p.from === "" ? [] : [`From: ${p.from ?? "Casey Customer <casey@customer.test>"}`]),
    `To: ${p.to}`,
    `Subject: ${p.subject ?? "Help with my order"}`,
    `Message-ID: ${p.messageId ?? mid()}`,
    "Date: Tue, 01 Dec 2026 10:00:00 +0000",
    ...(p.headers ?? []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    p.body ?? "My order #123 has not arrived.",
    "",
  ].join("\r\n");
}

async function send(raw: string | Buffer, envelope: { from: string; to: string[] }) {
  const client = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
  try {
    return await client.sendMail({ envelope, raw });
  } finally {
    client.close();
  }
}

async function drain() {
  for (let i = 0; i < 50; i++) {
    const r = await deliverDueEmails(t.ctx, delivery);
    if (r.sent + r.retrying + r.failed === 0) return;
  }
}

const tickets = (workspaceId: string) =>
  t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("number")
    .execute();
const comments = (ticketId: string) =>
  t.ctx.database.db
    .selectFrom("comments")
    .selectAll()
    .where("ticket_id", "=", ticketId)
    .orderBy("created_at")
    .execute();

async function supportTeam() {
  const team = await makeTeam(t);
  const res = await t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/branding",
    headers: team.admin.headers,
    payload: { supportEmail: `help@${team.ws.slug}.test` },
  });
  assert.equal(res.statusCode, 200);
  return { ...team, address: `help@${team.ws.slug}.test` };
}

describe("mail in", () => {
  test("a new email is a ticket (channel Email) from a new contact, confirmed by email", async () => {
    const { ws, address } = await supportTeam();
    await send(mail({ to: address, body: "Hello,\n\nMy order #123 has not arrived.\n\nCasey" }), {
      from: "casey@customer.test",
      to: [address],
    });
    const [ticket] = await tickets(ws.id);
    assert.ok(ticket);
    assert.equal(ticket.channel, "email");
    assert.equal(ticket.subject, "Help with my order");
    assert.match(ticket.description, /My order #123 has not arrived/);
    const contact = await t.ctx.database.db
      .selectFrom("contacts")
      .selectAll()
      .where("id", "=", ticket.contact_id)
      .executeTakeFirstOrThrow();
    assert.equal(contact.email_normalized, "casey@customer.test");
    assert.equal(contact.name, "Casey Customer");
    sink.received.length = 0;
    await drain();
    const confirmation = sink.received.find((m) => m.envelope.to.includes("casey@customer.test"));
    assert.ok(confirmation, "the customer gets a confirmation");
    assert.ok(
      String(confirmation.mail.references).includes(ticket.email_thread_id?.replace(/[<>]/g, "") ?? "x"),
    );
  });

  test("replies thread by reply token, by In-Reply-To, and by [TKT-…] from the contact; quotes are trimmed", async () => {
    const { ws, address, agent } = await supportTeam();
    const s = await submitTicket(t, ws.slug, { email: "dana@customer.test", subject: "Invoice wrong" });
    sink.received.length = 0;
    await drain();
    const confirmation = sink.received.find((m) => m.envelope.to.includes("dana@customer.test"));
    assert.ok(confirmation);
    const replyTo = confirmation.mail.replyTo?.value[0]?.address as string;

    // 1. To the plus address, no threading headers at all.
    await send(
      mail({
        from: "Dana <dana@customer.test>",
        to: replyTo,
        subject: "whatever",
        body: "Thanks, here is more.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Acme <help@x.test> wrote:\n> We received your request\n> old text",
      }),
      { from: "dana@customer.test", to: [replyTo] },
    );
    const [ticket] = (await tickets(ws.id)).filter(
      (x) => `TKT-${String(x.number).padStart(4, "0")}` === s.reference,
    );
    assert.ok(ticket);
    let list = await comments(ticket.id);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.author_type, "contact");
    assert.equal(list[0]?.channel, "email");
    assert.equal(list[0]?.body, "Thanks, here is more.", "the quoted history is trimmed from the shown text");

    // 2. In-Reply-To our confirmation only, to the plain support address.
    await send(
      mail({
        from: "dana@customer.test",
        to: address,
        subject: "Re: something",
        body: "Second reply",
        headers: [`In-Reply-To: ${confirmation.mail.messageId}`],
      }),
      { from: "dana@customer.test", to: [address] },
    );
    // 3. Only the reference in the subject, from the ticket's contact.
    const third = mid();
    await send(
      mail({
        from: "dana@customer.test",
        to: address,
        subject: `Re: [${s.reference}] Invoice`,
        body: "Third",
        messageId: third,
      }),
      {
        from: "dana@customer.test",
        to: [address],
      },
    );
    list = await comments(ticket.id);
    assert.deepEqual(
      list.map((c) => c.body),
      ["Thanks, here is more.", "Second reply", "Third"],
    );
    // The agent's reply by email threads on the customer's last message.
    sink.received.length = 0;
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "On it." },
    });
    await drain();
    const answer = sink.received.find((m) => m.envelope.to.includes("dana@customer.test"));
    assert.equal(answer?.mail.inReplyTo, third, "answers the customer's last email, its id exactly as sent");
    assert.equal(list[2]?.email_message_id, third);
  });

  test("the [TKT-…] of someone else's ticket starts a new ticket; a stranger's In-Reply-To is an internal note", async () => {
    const { ws, address } = await supportTeam();
    const s = await submitTicket(t, ws.slug, { email: "owner@customer.test", subject: "Mine" });
    await drain();
    const confirmation = sink.received.find((m) => m.envelope.to.includes("owner@customer.test"));
    await send(
      mail({
        from: "intruder@evil.test",
        to: address,
        subject: `Re: [${s.reference}] Mine`,
        body: "I am the owner",
      }),
      {
        from: "intruder@evil.test",
        to: [address],
      },
    );
    await send(
      mail({
        from: "intruder@evil.test",
        to: address,
        subject: "Re: Mine",
        body: "Let me in",
        headers: [`In-Reply-To: ${confirmation?.mail.messageId}`],
      }),
      { from: "intruder@evil.test", to: [address] },
    );
    const all = await tickets(ws.id);
    const original = all.find((x) => x.subject === "Mine" && x.channel === "portal");
    assert.ok(original);
    const list = await comments(original.id);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.internal ? 1 : 0, 1, "kept for agents as an internal note");
    assert.notEqual(list[0]?.author_type, "contact");
    assert.match(list[0]?.body ?? "", /intruder@evil\.test>, who is not this ticket's contact/);
    assert.ok(all.some((x) => x.channel === "email" && x.description.includes("I am the owner")));
    // Nothing of it on the customer's page.
    const track = await t.app.inject({
      url: `/api/public/portals/${ws.slug}/tickets/${s.reference}?t=${s.token}`,
    });
    assert.ok(!track.body.includes("Let me in"));
  });

  test("a reply reopens a resolved ticket; a reply to a closed one starts a follow-up", async () => {
    const { ws, address, agent } = await supportTeam();
    const s = await submitTicket(t, ws.slug, { email: "fran@customer.test", subject: "Reopen me" });
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/resolve`,
      headers: agent.headers,
      payload: { resolution: "Done" },
    });
    await send(
      mail({ from: "fran@customer.test", to: address, subject: `[${s.reference}]`, body: "Not done" }),
      {
        from: "fran@customer.test",
        to: [address],
      },
    );
    let [ticket] = (await tickets(ws.id)).filter((x) => x.subject === "Reopen me");
    assert.equal(ticket?.status, "open");
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { status: "closed" },
    });
    await send(
      mail({ from: "fran@customer.test", to: address, subject: `[${s.reference}]`, body: "Again" }),
      {
        from: "fran@customer.test",
        to: [address],
      },
    );
    const all = await tickets(ws.id);
    [ticket] = all.filter((x) => x.subject === "Reopen me" && x.follow_up_of_id === null);
    assert.equal(ticket?.status, "closed");
    const followUp = all.find((x) => x.follow_up_of_id === ticket?.id);
    assert.ok(followUp, "a follow-up ticket");
    assert.equal(followUp.description, "Again");
  });

  test("auto-replies, bulk mail, bounces and our own mail make no ticket; each Message-ID is processed once", async () => {
    const { ws, address } = await supportTeam();
    const env = { from: "bot@customer.test", to: [address] };
    await send(
      mail({ to: address, from: "bot@customer.test", headers: ["Auto-Submitted: auto-replied"] }),
      env,
    );
    await send(mail({ to: address, from: "bot@customer.test", headers: ["Precedence: bulk"] }), env);
    await send(
      mail({ to: address, from: "news@customer.test", headers: ["List-Id: <news.customer.test>"] }),
      env,
    );
    await send(mail({ to: address, from: "mailer-daemon@customer.test" }), { from: "", to: [address] });
    await send(mail({ to: address, from: "Acme <mail@help.acme.test>" }), env);
    const outcomes = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select(["status", "outcome"])
      .where("workspace_id", "=", ws.id)
      .orderBy("received_at")
      .execute();
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      ["auto_reply", "bulk", "bulk", "bounce", "own_mail"],
    );
    assert.equal((await tickets(ws.id)).length, 0);
    assert.ok(
      outcomes.every((o) => o.status === "ignored"),
      "kept, not acted on",
    );

    const once = mail({ to: address, from: "twice@customer.test" });
    await send(once, { from: "twice@customer.test", to: [address] });
    await send(once, { from: "twice@customer.test", to: [address] });
    assert.equal((await tickets(ws.id)).length, 1);
  });

  test("one sender's flood is stopped by the per-sender limit", async () => {
    const { ws, address } = await supportTeam();
    for (let i = 0; i < 10; i++) {
      await send(mail({ to: address, from: "loop@customer.test", subject: `Loop ${i}` }), {
        from: "loop@customer.test",
        to: [address],
      });
    }
    assert.equal((await tickets(ws.id)).length, 8);
    const limited = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .where("outcome", "=", "sender_rate_limited")
      .execute();
    assert.equal(limited.length, 2);
  });

  test("mail for unknown addresses is refused at RCPT; {slug}@INBOUND_EMAIL_DOMAIN reaches the workspace", async () => {
    const { ws } = await supportTeam();
    await assert.rejects(
      send(mail({ to: "nobody@nowhere.test" }), { from: "casey@customer.test", to: ["nobody@nowhere.test"] }),
      (err: { responseCode?: number }) => err.responseCode === 550,
    );
    await send(mail({ to: `${ws.slug}@in.portico.test` }), {
      from: "casey@customer.test",
      to: [`${ws.slug}@in.portico.test`],
    });
    assert.equal((await tickets(ws.id)).length, 1);
  });

  test("files in mail pass the upload rules; refused ones are named for the agents", async () => {
    const { ws, address } = await supportTeam();
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    const client = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
    await client.sendMail({
      from: "Gil <gil@customer.test>",
      to: address,
      subject: "Screenshot",
      text: "See attached",
      attachments: [
        { filename: "screen.png", content: png },
        { filename: "invoice.png", content: Buffer.from("<html><script>alert(1)</script></html>") },
        { filename: "run.exe", content: Buffer.from("MZ\x90\x00binary") },
      ],
    });
    client.close();
    const [ticket] = await tickets(ws.id);
    assert.ok(ticket);
    const files = await t.ctx.database.db
      .selectFrom("attachments")
      .selectAll()
      .where("ticket_id", "=", ticket.id)
      .execute();
    assert.deepEqual(
      files.map((f) => f.file_name),
      ["screen.png"],
    );
    const [note] = await comments(ticket.id);
    assert.ok(note?.internal);
    assert.match(note?.body ?? "", /invoice\.png/);
    assert.match(note?.body ?? "", /run\.exe/);
  });
});

test("a message stored by a process that stopped before processing it is processed later, once", async () => {
  const { ws, address } = await supportTeam();
  const raw = Buffer.from(
    mail({ to: address, from: "later@customer.test", subject: "Stored, not processed" }),
  );
  const stored = await storeInbound(t.ctx, ws, raw, {
    via: "smtp",
    envelopeFrom: "later@customer.test",
    recipients: [address],
  });
  assert.equal(stored.duplicate, false);
  assert.equal((await tickets(ws.id)).length, 0);
  t.advance(2 * 60_000);
  await processPendingInbound(t.ctx, incoming);
  await processPendingInbound(t.ctx, incoming);
  const made = await tickets(ws.id);
  assert.deepEqual(
    made.map((x) => x.subject),
    ["Stored, not processed"],
  );
  // The raw message was read back from the encrypted store, byte for byte.
  const row = await t.ctx.database.db
    .selectFrom("inbound_emails")
    .selectAll()
    .where("id", "=", stored.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "processed");
  assert.ok((await readRaw(t.ctx, row.storage_key)).equals(raw));
});

test("a folded Message-ID still dedupes; NUL and 8-bit bytes in ids are no ids", async () => {
  const { ws, address } = await supportTeam();
  const stamp = Date.now();
  const folded = (received: string) =>
    [
      `Received: from ${received}`,
      "From: fold@customer.test",
      `To: ${address}`,
      "Subject: Folded id",
      "Message-ID:",
      ` <${"a".repeat(60)}.folded.${stamp}@mail.customer.test>`,
      "",
      "Hello",
      "",
    ].join("\r\n");
  await send(folded("relay-one.test"), { from: "fold@customer.test", to: [address] });
  await send(folded("relay-two.test"), { from: "fold@customer.test", to: [address] });
  assert.equal((await tickets(ws.id)).filter((x) => x.subject === "Folded id").length, 1);

  const hostile = Buffer.concat([
    Buffer.from(`From: nul@customer.test\r\nTo: ${address}\r\nSubject: NUL id\r\nMessage-ID: <a`, "latin1"),
    Buffer.from([0x00, 0xff]),
    Buffer.from(
      `b@x.test>\r\nIn-Reply-To: <c\u0000d@x.test>\r\nReferences: <e\u00ffe@x.test>\r\n\r\nbody\r\n`,
      "latin1",
    ),
  ]);
  await send(hostile, { from: "nul@customer.test", to: [address] });
  const made = (await tickets(ws.id)).filter((x) => x.subject === "NUL id");
  assert.equal(made.length, 1, "stored and made a ticket, no 451, no failure");
  assert.ok(!made[0]?.email_thread_id?.includes("\u0000"));
});

test("processing that fails for a reason not the mail's is tried again, five times at most", async () => {
  const { ws, address } = await supportTeam();
  const meta = { via: "smtp" as const, envelopeFrom: "retry@customer.test", recipients: [address] };
  const raw = Buffer.from(mail({ to: address, from: "retry@customer.test", subject: "Try again" }));
  const stored = await storeInbound(t.ctx, ws, raw, meta);
  const rowOf = (id: string) =>
    t.ctx.database.db.selectFrom("inbound_emails").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const row = await rowOf(stored.id);
  // The sealed copy is unreadable for a while (a store outage).
  const sealed = await t.ctx.files.store.get(row.storage_key);
  assert.ok(sealed);
  const chunks: Buffer[] = [];
  for await (const c of sealed) chunks.push(c as Buffer);
  await t.ctx.files.store.delete(row.storage_key);
  assert.equal(await processInbound(t.ctx, incoming, stored.id), "retrying");
  let now = await rowOf(stored.id);
  assert.equal(now.status, "received");
  assert.equal(now.attempts, 1);
  // The store is back: the next sweep processes it.
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "portico-restore-")), "sealed");
  fs.writeFileSync(tmp, Buffer.concat(chunks));
  await t.ctx.files.store.putFile(row.storage_key, tmp, Buffer.concat(chunks).length);
  t.advance(2 * 60_000);
  await processPendingInbound(t.ctx, incoming);
  now = await rowOf(stored.id);
  assert.equal(now.status, "processed");
  assert.equal((await tickets(ws.id)).filter((x) => x.subject === "Try again").length, 1);

  // Gone for good: after five tries it is marked failed, and kept.
  const lost = Buffer.from(mail({ to: address, from: "retry@customer.test", subject: "Never" }));
  const again = await storeInbound(t.ctx, ws, lost, meta);
  await t.ctx.files.store.delete((await rowOf(again.id)).storage_key);
  const outcomes = [];
  for (let i = 0; i < 5; i++) outcomes.push(await processInbound(t.ctx, incoming, again.id));
  assert.deepEqual(outcomes, ["retrying", "retrying", "retrying", "retrying", "failed"]);
});

describe("hostile mail", () => {
  test("malformed MIME, huge headers, 8-bit garbage and a missing From: no crash, nothing wrong written", async () => {
    const { ws, address } = await supportTeam();
    const env = { from: "x@customer.test", to: [address] };
    await send(
      `From: x@customer.test\r\nTo: ${address}\r\nSubject: broken\r\nMessage-ID: ${mid()}\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--b`,
      env,
    );
    await send(
      mail({ to: address, from: "y@customer.test", headers: [`X-Huge: ${"a".repeat(200_000)}`] }),
      env,
    );
    const garbage = Buffer.concat([
      Buffer.from(
        `From: z@customer.test\r\nTo: ${address}\r\nSubject: \xff\xfe\r\nMessage-ID: ${mid()}\r\n\r\n`,
        "latin1",
      ),
      Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x00, 0x01, 0x1b, 0x0a]),
    ]);
    await send(garbage, env);
    await send(mail({ to: address, from: "" }), env);
    const rows = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select(["outcome", "status"])
      .where("workspace_id", "=", ws.id)
      .orderBy("received_at")
      .execute();
    assert.equal(rows.length, 4, "every message is stored");
    assert.equal(rows[3]?.outcome, "no_sender");
    const made = await tickets(ws.id);
    for (const tk of made)
      assert.ok(![...tk.description].some((c) => c < " " && c !== "\n"), "no control bytes in shown text");
    // The server still answers.
    assert.equal((await t.app.inject({ url: "/readyz" })).statusCode, 200);
  });

  test("a forged In-Reply-To pointing at another workspace's ticket never appends there", async () => {
    const a = await supportTeam();
    const b = await supportTeam();
    const s = await submitTicket(t, a.ws.slug, { email: "victim@customer.test", subject: "A's ticket" });
    await drain();
    const confirmation = sink.received.find((m) => m.envelope.to.includes("victim@customer.test"));
    assert.ok(confirmation);
    await send(
      mail({
        from: "victim@customer.test",
        to: b.address,
        subject: `Re: [${s.reference}] A's ticket`,
        body: "forged",
        headers: [
          `In-Reply-To: ${confirmation.mail.messageId}`,
          `References: ${confirmation.mail.messageId}`,
        ],
      }),
      { from: "victim@customer.test", to: [b.address] },
    );
    const [aTicket] = await tickets(a.ws.id);
    assert.ok(aTicket);
    assert.equal((await comments(aTicket.id)).length, 0, "workspace A's ticket is untouched");
    const bTickets = await tickets(b.ws.id);
    assert.equal(bTickets.length, 1, "it is a new ticket in workspace B");
    assert.equal(bTickets[0]?.description, "forged");
  });
});

test("IMAP: mail polled from a real mailbox becomes tickets, once", {
  skip: hasDovecot ? false : NO_DOVECOT,
}, async () => {
  const dovecot = await startDovecot();
  assert.ok(dovecot);
  try {
    const { ws, address } = await supportTeam();
    await dovecot.appendRaw(
      Buffer.from(mail({ to: address, from: "imap@customer.test", subject: "From the mailbox" })),
    );
    const ingest = async (raw: Buffer) => {
      await receiveInboundEmail(
        t.ctx,
        incoming,
        raw,
        { via: "imap", envelopeFrom: null, recipients: [] },
        { workspace: ws },
      );
    };
    const first = await pollImapOnce({ url: dovecot.url, intervalSeconds: 60 }, ingest, t.ctx.log);
    assert.equal(first.ingested, 1);
    const second = await pollImapOnce({ url: dovecot.url, intervalSeconds: 60 }, ingest, t.ctx.log);
    assert.equal(second.fetched, 0);
    const made = await tickets(ws.id);
    assert.deepEqual(
      made.map((x) => [x.subject, x.channel]),
      [["From the mailbox", "email"]],
    );
  } finally {
    await dovecot.stop();
  }
});
