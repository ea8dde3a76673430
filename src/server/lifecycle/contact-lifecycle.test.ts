import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { systemActor } from "../actors.ts";
import { accountMailSettled } from "../auth/customer-accounts.ts";
import { storeInbound } from "../email/inbound.store.ts";
import { storedFilesDeleteJob } from "../files/stored-files.ts";
import { runDueJobs } from "../jobs/job-runner.ts";
import { makeCustomer, makeTeam, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { ERASED_NAME, ERASED_TEXT, erasedEmail } from "./contact-erase.ts";

// A data subject's requests: the export holds what is about the contact and nothing of another
// contact or of the team's internal notes; erasure anonymises the contact, keeps every request
// and message in place with what the contact wrote and uploaded removed, signs them out and
// revokes their tracking links, once and for good.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function world() {
  const team = await makeTeam(t);
  const alice = await makeCustomer(t, team.ws.id, {
    company: "Acme",
    email: "alice@customer.test",
    name: "Alice Example",
  });
  const bob = await makeCustomer(t, team.ws.id, {
    companyId: alice.companyId as string,
    email: "bob@customer.test",
    name: "Bob Other",
  });
  const up = await t.app.inject({
    method: "POST",
    url: `/api/public/upload?portal=${team.ws.slug}&name=alice-invoice.txt`,
    headers: { "content-type": "application/octet-stream" },
    payload: Buffer.from("ALICE-FILE-BYTES\n"),
  });
  assert.equal(up.statusCode, 201, up.body);
  const ticket = await submitTicket(t, team.ws.slug, {
    email: alice.email,
    name: alice.name,
    subject: "ALICE-SUBJECT printer",
    description: "ALICE-DESCRIPTION my address is 1 Main St",
    attachments: [up.json().key],
  } as never);
  const bobTicket = await submitTicket(t, team.ws.slug, {
    email: bob.email,
    name: bob.name,
    subject: "BOB-SECRET subject",
  });
  const ws = (path: string, payload?: object, headers = team.admin.headers) =>
    t.app.inject({
      method: payload ? "POST" : "GET",
      url: `/api/workspace${path}`,
      headers,
      ...(payload ? { payload } : {}),
    });
  const reply = await t.app.inject({
    method: "POST",
    url: `/api/portal/${team.ws.slug}/tickets/${ticket.reference}/replies`,
    headers: alice.headers,
    payload: { body: "ALICE-REPLY call me on 555-0100" },
  });
  assert.equal(reply.statusCode < 300, true, reply.body);
  assert.equal(
    (await ws(`/tickets/${ticket.reference}/replies`, { body: "AGENT-PUBLIC answer" })).statusCode,
    201,
  );
  assert.equal(
    (await ws(`/tickets/${ticket.reference}/notes`, { body: "AGENT-INTERNAL note" })).statusCode,
    201,
  );
  return { team, alice, bob, ticket, bobTicket, ws };
}

describe("a contact's data", () => {
  test("the export holds the contact's own data, none of another contact's, no internal notes", async () => {
    const { team, alice, ws } = await world();
    const other = await makeTeam(t);
    const agentTry = await ws(`/contacts/${alice.contactId}/export`, undefined, team.agent.headers);
    assert.equal(agentTry.statusCode, 403);
    const elsewhere = await ws(`/contacts/${alice.contactId}/export`, undefined, other.admin.headers);
    assert.equal(elsewhere.statusCode, 404);

    const res = await ws(`/contacts/${alice.contactId}/export`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["content-disposition"]), /^attachment; filename="contact-.+\.json"$/);
    const text = res.body;
    const data = res.json();
    assert.equal(data.format, "portico.contact-export.v1");
    assert.equal(data.contact.email, alice.email);
    assert.equal(data.contact.company.name, "Acme");
    for (const mine of [
      "ALICE-SUBJECT",
      "ALICE-DESCRIPTION",
      "ALICE-REPLY",
      "AGENT-PUBLIC",
      "alice-invoice.txt",
    ]) {
      assert.ok(text.includes(mine), `the export has ${mine}`);
    }
    for (const notMine of ["BOB-SECRET", "bob@customer.test", "Bob Other", "AGENT-INTERNAL"]) {
      assert.ok(!text.includes(notMine), `the export leaves out ${notMine}`);
    }
    assert.equal(data.tickets.length, 1);
    assert.ok(data.tickets[0].files[0].download.startsWith("/api/workspace/attachments/"));
    assert.ok(data.sessions.length >= 1, "their portal sessions");
    const audit = await ws("/audit?action=contact.exported");
    assert.equal(audit.json().items.length, 1);
    assert.equal(audit.json().items[0].targetId, alice.contactId);
  });

  test("erasure anonymises the contact and keeps the requests' shape, once", async () => {
    const { team, alice, bob, ticket, bobTicket, ws } = await world();
    const before = (await ws(`/tickets/${ticket.reference}`)).json();
    const beforeBob = (await ws(`/tickets/${bobTicket.reference}`)).json();
    const erase = (confirmEmail: string, headers = team.admin.headers) =>
      ws(`/contacts/${alice.contactId}/erase`, { confirmEmail }, headers);
    assert.equal((await erase(alice.email, team.agent.headers)).statusCode, 403);
    const wrong = await erase("someone@else.test");
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().error.fields.confirmEmail);

    const keys = await t.ctx.database.db
      .selectFrom("attachments")
      .select("storage_key")
      .where("file_name", "=", "alice-invoice.txt")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.equal(keys.length, 1);
    // An email to them written with other capitals is theirs too.
    const mixedCase = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("id")
      .where("workspace_id", "=", team.ws.id)
      .where("to_address", "=", alice.email)
      .executeTakeFirstOrThrow();
    await t.ctx.database.db
      .updateTable("outbox_emails")
      .set({ to_address: "Alice@CUSTOMER.test" })
      .where("id", "=", mixedCase.id)
      .execute();
    const res = await erase(" ALICE@customer.test ");
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().tickets, 1);
    assert.equal(res.json().messages, 1);
    assert.equal(res.json().files, 1);
    assert.equal(
      (await erase(alice.email)).statusCode,
      409,
      "erased once: the address no longer matches anyway",
    );

    const contact = (await ws(`/contacts/${alice.contactId}`)).json();
    assert.equal(contact.name, ERASED_NAME);
    assert.equal(contact.email, erasedEmail(alice.contactId));
    assert.ok(contact.erasedAt);
    assert.equal(contact.tickets.length, 1, "the request is still theirs, by number");

    const after = (await ws(`/tickets/${ticket.reference}`)).json();
    assert.equal(after.reference, before.reference);
    assert.equal(after.status, before.status);
    assert.equal(after.conversation.length, before.conversation.length, "every message stays in place");
    const bodies = after.conversation.map((e: { body?: string }) => e.body ?? "");
    const joined = JSON.stringify(after);
    for (const gone of [
      "ALICE-SUBJECT",
      "ALICE-DESCRIPTION",
      "ALICE-REPLY",
      "555-0100",
      "Alice Example",
      "alice-invoice.txt",
    ]) {
      assert.ok(!joined.includes(gone), `${gone} is gone from the request`);
    }
    assert.ok(bodies.includes(ERASED_TEXT));
    assert.ok(
      joined.includes("AGENT-PUBLIC") && joined.includes("AGENT-INTERNAL"),
      "the team's messages stay",
    );
    assert.deepEqual(
      (await ws(`/tickets/${bobTicket.reference}`)).json(),
      beforeBob,
      "another contact's request is untouched",
    );

    // Their words left the search index; another's are still found.
    const search = (q: string) => ws(`/tickets?q=${q}`).then((r) => r.json().items.length);
    assert.equal(await search("ALICE"), 0);
    assert.equal(await search("BOB"), 1);

    // No sign-in, no session, no tracking link.
    const me = await t.app.inject({
      url: `/api/portal/${team.ws.slug}/me`,
      headers: { cookie: alice.cookie },
    });
    assert.equal(me.statusCode, 401);
    const track = await t.app.inject({ url: trackUrl(team.ws.slug, ticket) });
    assert.equal(track.statusCode, 404, "the tracking link is revoked");
    const signIn = await t.app.inject({
      method: "POST",
      url: `/api/portal/${team.ws.slug}/magic-link`,
      payload: { email: alice.email },
    });
    assert.equal(signIn.statusCode, 202);
    await accountMailSettled();
    const reinvite = await ws(`/contacts/${alice.contactId}/portal-invitation`, {});
    assert.equal(reinvite.statusCode, 409, "an erased contact cannot be invited again");
    const stillBob = await t.app.inject({
      url: `/api/portal/${team.ws.slug}/me`,
      headers: { cookie: bob.cookie },
    });
    assert.equal(stillBob.statusCode, 200, "a colleague is not signed out");

    // Their uploaded file is deleted, row and bytes.
    const files = await t.ctx.database.db
      .selectFrom("attachments")
      .select("id")
      .where("file_name", "=", "alice-invoice.txt")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.deepEqual(files, []);
    const bytes = await t.ctx.files.store.get(keys[0]?.storage_key as string);
    bytes?.destroy();
    assert.equal(bytes, null, "the file's bytes are deleted");
    // Emails to them carry the placeholder and no content.
    const mail = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["to_address", "template_data"])
      .where("workspace_id", "=", team.ws.id)
      .where((eb) =>
        eb.or([eb("to_address", "=", alice.email), eb("to_address", "=", erasedEmail(alice.contactId))]),
      )
      .execute();
    assert.ok(mail.length > 0);
    // (a magic link asked for with their old address after the erasure is sent to nobody)
    for (const m of mail) {
      assert.equal(m.to_address, erasedEmail(alice.contactId));
      assert.equal(m.template_data, null);
    }
    const leftToThem = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["id", "to_address"])
      .where("workspace_id", "=", team.ws.id)
      .where(sql<string>`lower(to_address)`, "=", alice.email)
      .execute();
    assert.deepEqual(leftToThem, [], "no email keeps their address, in any case");
    const mixed = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["to_address", "content_pruned_at"])
      .where("id", "=", mixedCase.id)
      .executeTakeFirstOrThrow();
    assert.equal(mixed.to_address, erasedEmail(alice.contactId));
    assert.ok(mixed.content_pruned_at);

    const audit = (await ws("/audit?action=contact.erased")).json().items;
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes("alice"), "the audit log names the contact by id only");
  });

  test("erasure is whole when the file store fails: incoming mail is forgotten, the files left to a retried job", async () => {
    const { team, alice, ws } = await world();
    const stored = await storeInbound(t.ctx, team.ws as never, Buffer.from("From: x\r\n\r\nALICE-RAW\r\n"), {
      via: "smtp",
      envelopeFrom: "Alice@Customer.TEST",
      recipients: ["help@acme.test"],
      clientIp: "192.0.2.7",
      clientHelo: "mail.customer.test",
    });
    await t.ctx.database.db
      .updateTable("inbound_emails")
      .set({ from_address: "Alice@Customer.TEST", subject: "ALICE-INBOUND subject", status: "processed" })
      .where("id", "=", stored.id)
      .execute();
    const inboundRow = () =>
      t.ctx.database.db
        .selectFrom("inbound_emails")
        .selectAll()
        .where("id", "=", stored.id)
        .executeTakeFirstOrThrow();
    const rawKey = (await inboundRow()).storage_key;
    const [file] = await t.ctx.database.db
      .selectFrom("attachments")
      .select("storage_key")
      .where("file_name", "=", "alice-invoice.txt")
      .where("workspace_id", "=", team.ws.id)
      .execute();
    assert.ok(file);
    const exists = async (key: string) => {
      const s = await t.ctx.files.store.get(key);
      s?.destroy();
      return s !== null;
    };
    assert.ok(await exists(rawKey));

    const store = t.ctx.files.store;
    const realDelete = store.delete;
    store.delete = async () => {
      throw new Error("the store is down");
    };
    let res: Awaited<ReturnType<typeof ws>>;
    try {
      res = await ws(`/contacts/${alice.contactId}/erase`, { confirmEmail: alice.email });
    } finally {
      store.delete = realDelete;
    }
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().inboundEmails, 1);
    const row = await inboundRow();
    assert.equal(row.from_address, null);
    assert.equal(row.subject, null);
    assert.equal(row.envelope_from, null);
    assert.equal(row.client_ip, null);
    assert.equal(row.client_helo, null);
    assert.ok(row.raw_deleted_at, "the raw message is marked deleted");
    assert.ok(await exists(rawKey), "the store refused: the raw message is still there, for the job");

    const run = await runDueJobs(t.ctx, systemActor("scheduler"), {
      handlers: { stored_files_delete: storedFilesDeleteJob },
    });
    assert.ok(run.done >= 1, JSON.stringify(run));
    assert.equal(await exists(rawKey), false, "the job deleted the raw message");
    assert.equal(await exists(file.storage_key), false, "and the contact's file");
  });

  test("two erasures of one contact at once: one erases and is audited, the other answers 409", async () => {
    const { alice, ws } = await world();
    const both = await Promise.all([
      ws(`/contacts/${alice.contactId}/erase`, { confirmEmail: alice.email }),
      ws(`/contacts/${alice.contactId}/erase`, { confirmEmail: alice.email }),
    ]);
    assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 409], both.map((r) => r.body).join("\n"));
    const refused = both.find((r) => r.statusCode === 409);
    assert.equal(refused?.json().error.code, "already_erased", refused?.body);
    const audit = (await ws("/audit?action=contact.erased")).json().items as { targetId: string }[];
    assert.equal(audit.filter((a) => a.targetId === alice.contactId).length, 1);
  });
});
