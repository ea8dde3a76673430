import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import nodemailer from "nodemailer";
import type { SMTPServer } from "smtp-server";
import { systemActor } from "../actors.ts";
import { makeTeam, type Submitted, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliverDueEmails } from "./delivery.ts";
import { DnsZone, dkimSigner } from "./dns-zone.test-support.ts";
import { closeListener, createSmtpListener, listen } from "./smtp.listener.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.test-support.ts";

// Longer than 400 lines: one case per rule of the sender check (both ways of checking), each
// standing alone on the same listeners, DNS zone and sink.

// Whose mail is the customer's: real SMTP into our listener (nodemailer as the sending server),
// with the senders' DNS (SPF, DKIM keys, DMARC policies) answered by the test's own zone.

const zone = new DnsZone()
  // A bank that publishes a strict policy; this machine is not among its senders.
  .txt("bank.test", "v=spf1 ip4:192.0.2.1 -all")
  .txt("_dmarc.bank.test", "v=DMARC1; p=reject")
  // A customer whose mail this machine may send (SPF) and who publishes no DMARC policy.
  .txt("customer.test", "v=spf1 ip4:127.0.0.1 ip6:::1 -all")
  // A domain whose DNS never answers.
  .silent("slow.test");
// A customer who signs with DKIM, and publishes a policy; its SPF says nothing.
zone.txt("_dmarc.signed.test", "v=DMARC1; p=quarantine");
const sign = dkimSigner(zone, "signed.test", "s2026");

const delivery = systemActor("outbox delivery");
let sink: SmtpSink;
let t: TestEnv;
let trusting: TestEnv;
const listeners: SMTPServer[] = [];
let port = 0;
let trustingPort = 0;

before(async () => {
  sink = await startSmtpSink();
  const env = {
    SMTP_URL: sink.url,
    PUBLIC_URL: "https://help.acme.test",
    MAIL_FROM: "mail@help.acme.test",
    INBOUND_AUTH_TIMEOUT_MS: "300",
  };
  t = await testEnv(env, { dns: zone.resolve });
  // The operator's mail server checks senders, and Portico believes only its header.
  trusting = await testEnv({ ...env, INBOUND_TRUSTED_AUTHSERV_ID: "mx.acme.test" }, { dns: zone.resolve });
  for (const e of [t, trusting]) listeners.push(createSmtpListener(e.ctx, systemActor("incoming email")));
  port = await listen(listeners[0] as SMTPServer, 0, "127.0.0.1");
  trustingPort = await listen(listeners[1] as SMTPServer, 0, "127.0.0.1");
});
after(async () => {
  for (const l of listeners) await closeListener(l);
  await t.close();
  await trusting.close();
  await sink.stop();
});

let seq = 0;
function mail(p: { from: string; to: string; subject: string; body: string; headers?: string[] }): string {
  return [
    ...(p.headers ?? []),
    `From: ${p.from}`,
    `To: ${p.to}`,
    `Subject: ${p.subject}`,
    `Message-ID: <m${++seq}.${Date.now()}@sender.test>`,
    "Date: Fri, 04 Dec 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    p.body,
    "",
  ].join("\r\n");
}

async function send(raw: string, envelope: { from: string; to: string[] }, toPort = port) {
  const client = nodemailer.createTransport({
    host: "127.0.0.1",
    port: toPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    return await client.sendMail({ envelope, raw });
  } finally {
    client.close();
  }
}

async function drain(e: TestEnv) {
  for (let i = 0; i < 50; i++) {
    const r = await deliverDueEmails(e.ctx, delivery);
    if (r.sent + r.retrying + r.failed + r.suppressed === 0) return;
  }
}

/** A workspace with a support address, and a ticket of `email`'s from the portal, confirmed. */
async function ticketOf(e: TestEnv, email: string) {
  const team = await makeTeam(e);
  const address = `help@${team.ws.slug}.test`;
  const res = await e.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/branding",
    headers: team.admin.headers,
    payload: { supportEmail: address },
  });
  assert.equal(res.statusCode, 200);
  const s = await submitTicket(e, team.ws.slug, { email, subject: "Wire transfer" });
  sink.received.length = 0;
  await drain(e);
  const confirmation = sink.received.find((m) => m.envelope.to.includes(email));
  assert.ok(confirmation, "the customer was confirmed");
  return { ...team, address, s, confirmation };
}

const ticketRow = (e: TestEnv, workspaceId: string, reference: string) =>
  e.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", Number(reference.slice(4)))
    .executeTakeFirstOrThrow();
const commentsOf = (e: TestEnv, ticketId: string) =>
  e.ctx.database.db
    .selectFrom("comments")
    .selectAll()
    .where("ticket_id", "=", ticketId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
const outboxOf = (e: TestEnv, ticketId: string) =>
  e.ctx.database.db
    .selectFrom("outbox_emails")
    .selectAll()
    .where("ticket_id", "=", ticketId)
    .orderBy("id")
    .execute();
const tracking = async (e: TestEnv, slug: string, s: Submitted) =>
  (await e.app.inject({ url: trackUrl(slug, s) })).body;

/** Resolves the ticket, so that a customer's reply would reopen it. */
async function resolve(e: TestEnv, headers: Record<string, string>, reference: string) {
  const res = await e.app.inject({
    method: "POST",
    url: `/api/workspace/tickets/${reference}/resolve`,
    headers,
    payload: { resolution: "Done" },
  });
  assert.equal(res.statusCode, 200);
}

/** What a forged or unverified message must never do: speak as the customer, reopen, email. */
async function assertOnlyANote(e: TestEnv, p: Awaited<ReturnType<typeof ticketOf>>, text: string) {
  const ticket = await ticketRow(e, p.ws.id, p.s.reference);
  const list = await commentsOf(e, ticket.id);
  const note = list.find((c) => c.body.includes(text));
  assert.ok(note, "kept for the agents");
  assert.equal(Boolean(note.internal), true, "an internal note");
  assert.notEqual(note.author_type, "contact", "never the customer's message");
  assert.match(note.body, /^Unverified sender: /);
  assert.equal(ticket.status, "resolved", "nothing reopened");
  assert.ok(!(await tracking(e, p.ws.slug, p.s)).includes(text), "not on the tracking page");
  const before = (await outboxOf(e, ticket.id)).length;
  await drain(e);
  assert.equal((await outboxOf(e, ticket.id)).length, before, "nobody emailed on its account");
  assert.ok(!sink.received.some((m) => m.raw.toString().includes(text)));
}

describe("checked here, over DNS", () => {
  test("a forged reply (dmarc=fail) by subject or threading headers is an unverified internal note", async () => {
    const p = await ticketOf(t, "ceo@bank.test");
    await resolve(t, p.agent.headers, p.s.reference);
    // As in the attack: the From line is the customer's, its own Authentication-Results says
    // dmarc=fail, and a second one falsely claims a pass in our server's name.
    await send(
      mail({
        from: "CEO <ceo@bank.test>",
        to: p.address,
        subject: `Re: [${p.s.reference}] Wire transfer`,
        body: "Please send the money to account 666.",
        headers: [
          "Authentication-Results: help.acme.test; dmarc=pass header.from=bank.test",
          "Authentication-Results: mx.bank.test; dmarc=fail (p=reject) header.from=bank.test",
        ],
      }),
      { from: "ceo@bank.test", to: [p.address] },
    );
    await assertOnlyANote(t, p, "account 666");
    await send(
      mail({
        from: "ceo@bank.test",
        to: p.address,
        subject: "Re: Wire transfer",
        body: "Use account 777 instead.",
        headers: [`In-Reply-To: ${p.confirmation.mail.messageId}`],
      }),
      { from: "ceo@bank.test", to: [p.address] },
    );
    await assertOnlyANote(t, p, "account 777");
    const ticket = await ticketRow(t, p.ws.id, p.s.reference);
    const [note] = (await commentsOf(t, ticket.id)).filter((c) => c.body.includes("account 666"));
    assert.match(note?.body ?? "", /dmarc=fail/, "the agents see why");
    const row = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select(["sender_check", "outcome"])
      .where("ticket_id", "=", ticket.id)
      .orderBy("received_at")
      .executeTakeFirstOrThrow();
    assert.equal(row.outcome, "note_appended");
    assert.match(row.sender_check ?? "", /^not verified: dmarc=fail spf=fail/);
  });

  test("a DKIM-signed reply that passes DMARC is the customer's message, and reopens", async () => {
    const p = await ticketOf(t, "dana@signed.test");
    await resolve(t, p.agent.headers, p.s.reference);
    // Sent through another server (its envelope sender is not signed.test): DKIM carries it.
    const raw = await sign(
      mail({
        from: "Dana <dana@signed.test>",
        to: p.address,
        subject: `Re: [${p.s.reference}] Wire transfer`,
        body: "It arrived, thank you.",
      }),
    );
    await send(raw, { from: "bounces@relay.test", to: [p.address] });
    const ticket = await ticketRow(t, p.ws.id, p.s.reference);
    const [reply] = await commentsOf(t, ticket.id);
    assert.equal(reply?.author_type, "contact");
    assert.equal(Boolean(reply?.internal), false);
    assert.equal(reply?.body, "It arrived, thank you.");
    assert.equal(ticket.status, "open", "reopened like a portal reply");
    assert.ok((await tracking(t, p.ws.slug, p.s)).includes("It arrived, thank you."));
    // The same message altered on the way (a new Message-ID, so it is not a repeat) fails.
    const altered = raw
      .replace("It arrived, thank you.", "Send it again to 666.")
      .replace(/^Message-ID: <m/m, "Message-ID: <altered.m");
    await send(altered, {
      from: "bounces@relay.test",
      to: [p.address],
    });
    const list = await commentsOf(t, ticket.id);
    assert.equal(list.length, 2);
    assert.equal(Boolean(list[1]?.internal), true);
    assert.match(list[1]?.body ?? "", /^Unverified sender: .*dkim=(fail|neutral)/);
  });

  test("the reply address's token is proof enough: the customer's reply whatever the sender's domain says", async () => {
    const p = await ticketOf(t, "ceo@bank.test");
    const replyTo = p.confirmation.mail.replyTo?.value[0]?.address as string;
    assert.match(replyTo, /^help\+[0-9a-f]{32}@/);
    await send(mail({ from: "ceo@bank.test", to: replyTo, subject: "Re: yours", body: "By the token." }), {
      from: "ceo@bank.test",
      to: [replyTo],
    });
    const ticket = await ticketRow(t, p.ws.id, p.s.reference);
    const [reply] = await commentsOf(t, ticket.id);
    assert.equal(reply?.author_type, "contact");
    assert.equal(Boolean(reply?.internal), false);
    assert.ok((await tracking(t, p.ws.slug, p.s)).includes("By the token."));
    const row = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select("sender_check")
      .where("comment_id", "=", reply?.id ?? "")
      .executeTakeFirstOrThrow();
    assert.equal(row.sender_check, null, "no DNS asked: the token decides");
  });

  test("a DNS that never answers: processing ends within its bound, and the sender is not verified", async () => {
    const p = await ticketOf(t, "pat@slow.test");
    await resolve(t, p.agent.headers, p.s.reference);
    const started = performance.now();
    await send(
      mail({ from: "pat@slow.test", to: p.address, subject: `[${p.s.reference}]`, body: "Slow DNS here." }),
      { from: "pat@slow.test", to: [p.address] },
    );
    // Unbounded, the SMTP answer would wait forever; bounded at 300 ms it comes at once (with
    // room for a busy machine).
    assert.ok(performance.now() - started < 8000, "answered without waiting on DNS");
    assert.ok(
      zone.asked.some((q) => q.endsWith("slow.test TXT")),
      "DNS was asked",
    );
    await assertOnlyANote(t, p, "Slow DNS here.");
    const ticket = await ticketRow(t, p.ws.id, p.s.reference);
    const row = await t.ctx.database.db
      .selectFrom("inbound_emails")
      .select("sender_check")
      .where("ticket_id", "=", ticket.id)
      .executeTakeFirstOrThrow();
    assert.match(row.sender_check ?? "", /^not verified: .*temperror/);
  });

  test("a new ticket from an unverified sender is flagged for agents; one failing DMARC gets no confirmation", async () => {
    const team = await ticketOf(t, "someone@customer.test");
    sink.received.length = 0;
    await send(
      mail({
        from: "ceo@bank.test",
        to: team.address,
        subject: "Urgent payment",
        body: "Pay invoice 42 today.",
      }),
      { from: "ceo@bank.test", to: [team.address] },
    );
    await send(mail({ from: "kim@customer.test", to: team.address, subject: "Printer", body: "It jams." }), {
      from: "kim@customer.test",
      to: [team.address],
    });
    const made = await t.ctx.database.db
      .selectFrom("tickets")
      .selectAll()
      .where("workspace_id", "=", team.ws.id)
      .where("channel", "=", "email")
      .orderBy("number")
      .execute();
    assert.deepEqual(
      made.map((x) => x.subject),
      ["Urgent payment", "Printer"],
      "both are tickets",
    );
    const [forged, fine] = made;
    assert.ok(forged && fine);
    const [flag] = await commentsOf(t, forged.id);
    assert.equal(Boolean(flag?.internal), true);
    assert.match(flag?.body ?? "", /^Unverified sender: .*ceo@bank\.test.*dmarc=fail/);
    assert.equal((await commentsOf(t, fine.id)).length, 0, "a verified sender's ticket carries no flag");
    const confirmation = (await outboxOf(t, forged.id)).find((r) => r.kind === "ticket_confirmation");
    assert.equal(confirmation?.status, "suppressed");
    assert.match(confirmation?.last_error ?? "", /failed DMARC/);
    await drain(t);
    assert.ok(!sink.received.some((m) => m.envelope.to.includes("ceo@bank.test")), "the bank is not mailed");
    assert.ok(sink.received.some((m) => m.envelope.to.includes("kim@customer.test")));
    // The admins' Outbox shows it, with the reason.
    const listed = await t.app.inject({
      url: "/api/workspace/outbox?status=suppressed",
      headers: team.admin.headers,
    });
    assert.equal(listed.statusCode, 200);
    const items = listed.json().items as { to: string; status: string; lastError: string }[];
    assert.deepEqual(
      items.map((i) => [i.to, i.status]),
      [["ceo@bank.test", "suppressed"]],
    );
    const page = await t.app.inject({ url: "/app/outbox?status=suppressed", headers: team.admin.headers });
    assert.match(page.body, /Not sent/);
    assert.match(page.body, /failed DMARC/);
  });
});

describe("believing the operator's mail server (INBOUND_TRUSTED_AUTHSERV_ID)", () => {
  const ar = (value: string) => `Authentication-Results: ${value}`;

  test("its dmarc=fail makes a note, its pass the customer's reply; headers in anyone else's name count for nothing", async () => {
    const p = await ticketOf(trusting, "lee@customer.test");
    await resolve(trusting, p.agent.headers, p.s.reference);
    const reply = (body: string, headers: string[]) =>
      send(
        mail({ from: "lee@customer.test", to: p.address, subject: `Re: [${p.s.reference}]`, body, headers }),
        { from: "lee@customer.test", to: [p.address] },
        trustingPort,
      );
    // Its own header (topmost) says fail; a forged pass below it, and one by another server.
    await reply("Forged through the server.", [
      ar("mx.acme.test; spf=fail smtp.mailfrom=lee@customer.test; dmarc=fail header.from=customer.test"),
      ar("mx.acme.test; dmarc=pass header.from=customer.test"),
      ar("mx.evil.test; dmarc=pass header.from=customer.test"),
    ]);
    await assertOnlyANote(trusting, p, "Forged through the server.");
    // Only another server's pass, none of its own: not verified (SPF here would pass, but the
    // operator's server is the one that saw the sender).
    await reply("No verdict of its own.", [ar("mx.evil.test; dmarc=pass header.from=customer.test")]);
    await assertOnlyANote(trusting, p, "No verdict of its own.");
    // A pass for another domain than the From line's is not this sender's.
    await reply("Someone else's pass.", [ar("mx.acme.test; dmarc=pass header.from=evil.test")]);
    await assertOnlyANote(trusting, p, "Someone else's pass.");
    await reply("Really me.", [
      ar(
        "mx.acme.test;\r\n dkim=pass (2048-bit key) header.d=customer.test header.s=s1;\r\n spf=pass smtp.mailfrom=lee@customer.test;\r\n dmarc=pass (p=NONE) header.from=customer.test",
      ),
    ]);
    const ticket = await ticketRow(trusting, p.ws.id, p.s.reference);
    const mine = (await commentsOf(trusting, ticket.id)).find((c) => c.body === "Really me.");
    assert.equal(mine?.author_type, "contact");
    assert.equal(ticket.status, "open");
  });

  test("without a DMARC policy, SPF or DKIM aligned with the From domain verifies", async () => {
    const p = await ticketOf(trusting, "max@customer.test");
    const reply = (body: string, header: string) =>
      send(
        mail({
          from: "max@customer.test",
          to: p.address,
          subject: `Re: [${p.s.reference}]`,
          body,
          headers: [ar(header)],
        }),
        { from: "max@customer.test", to: [p.address] },
        trustingPort,
      );
    await reply(
      "Aligned SPF.",
      "mx.acme.test; spf=pass smtp.mailfrom=bounce@mail.customer.test; dmarc=none header.from=customer.test",
    );
    await reply("Aligned DKIM.", "mx.acme.test; dkim=pass header.d=customer.test; spf=none");
    await reply(
      "Unaligned SPF.",
      "mx.acme.test; spf=pass smtp.mailfrom=max@bulk-mailer.test; dmarc=none header.from=customer.test",
    );
    const ticket = await ticketRow(trusting, p.ws.id, p.s.reference);
    const list = await commentsOf(trusting, ticket.id);
    assert.deepEqual(
      list.map((c) => [c.author_type, Boolean(c.internal)]),
      [
        ["contact", false],
        ["contact", false],
        ["system", true],
      ],
    );
  });
});
