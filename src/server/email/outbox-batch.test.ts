import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { systemActor } from "../actors.ts";
import type { OutboxEmailTable } from "../db/schema.ts";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { deliverDueEmails, LEASE_MS } from "./delivery.ts";
import { claimDueEmails, markEmailsSent } from "./outbox.access.ts";

// Delivery to .eml files (no SMTP_URL): a claim of many rows handed to the mail thread at once
// and marked sent in one statement, with the same holds as one row at a time.

const delivery = systemActor("outbox delivery");
let t: TestEnv;
let mailDir: string;
before(async () => {
  // The default cap: 3 confirmations per unverified address per hour.
  t = await testEnv({
    PUBLIC_URL: "https://help.acme.test",
    MAIL_FROM: "mail@help.acme.test",
    UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "",
  });
  mailDir = path.join(t.ctx.config.dataDir, "mail");
});
after(async () => {
  await t.close();
});

async function drain() {
  for (let i = 0; i < 20; i++) {
    const r = await deliverDueEmails(t.ctx, delivery, { limit: 1000 });
    if (r.sent + r.retrying + r.failed === 0) return;
  }
}

/** The ids of every row the mail thread is handed, in every batch, from now on. */
function recordHandOvers(): { ids: string[]; batches: number; restore(): void } {
  const mailer = t.ctx.mailer;
  const deliverMany = mailer.deliverMany?.bind(mailer);
  assert.ok(deliverMany, "the file mailer takes batches");
  const seen = {
    ids: [] as string[],
    batches: 0,
    restore: () => {
      t.ctx.mailer = mailer;
    },
  };
  t.ctx.mailer = {
    kind: mailer.kind,
    deliver: (row) => mailer.deliver(row),
    deliverMany: async (rows: OutboxEmailTable[]) => {
      seen.batches++;
      seen.ids.push(...rows.map((r) => r.id));
      return deliverMany(rows);
    },
    close: () => mailer.close(),
  };
  return seen;
}

const pendingOf = (workspaceId: string) =>
  t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["id", "status", "attempts", "locked_until", "template_data"])
    .where("workspace_id", "=", workspaceId)
    .execute();

describe("emails to .eml files in batches", () => {
  test("two workers at once: every email is written and marked sent once, a batch at a time", async () => {
    const { ws } = await makeTeam(t);
    await drain();
    for (let i = 0; i < 12; i++) await submitTicket(t, ws.slug, { email: `pair${i}@customer.test` });
    const seen = recordHandOvers();
    try {
      const [a, b] = await Promise.all([
        deliverDueEmails(t.ctx, delivery, { limit: 1000 }),
        deliverDueEmails(t.ctx, delivery, { limit: 1000 }),
      ]);
      assert.equal((a?.sent ?? 0) + (b?.sent ?? 0), 36, "the confirmation and two agents' notices of each");
    } finally {
      seen.restore();
    }
    assert.equal(seen.ids.length, 36);
    assert.equal(new Set(seen.ids).size, 36, "no email handed over twice");
    assert.ok(seen.batches <= 2, `one batch per worker, not one per email (${seen.batches})`);
    const rows = await pendingOf(ws.id);
    assert.ok(rows.every((r) => r.status === "sent" && r.attempts === 1 && r.locked_until === null));
    for (const id of seen.ids) assert.ok(fs.existsSync(path.join(mailDir, `${id}.eml`)));
    // The stored copies lost their tracking links' tokens, as when sent one at a time.
    for (const r of rows) assert.ok(!/[?&]t=[A-Za-z0-9_-]{20,}/.test(r.template_data ?? ""));
  });

  test("a process that died between its claim and its mark: the batch is written again after the lease, once", async () => {
    const { ws } = await makeTeam(t);
    await drain();
    for (let i = 0; i < 3; i++) await submitTicket(t, ws.slug, { email: `crash${i}@customer.test` });
    // The dead process's claim: attempts counted, held for LEASE_MS, never marked.
    const now = t.ctx.now();
    const claimed = await claimDueEmails(t.ctx.database.db, delivery, {
      now: now.toISOString(),
      until: new Date(now.getTime() + LEASE_MS).toISOString(),
      limit: 1000,
    });
    assert.equal(claimed.length, 9);
    const seen = recordHandOvers();
    try {
      t.advance(LEASE_MS - 1000);
      assert.equal(
        (await deliverDueEmails(t.ctx, delivery, { limit: 1000 })).sent,
        0,
        "held while the lease runs",
      );
      t.advance(2000);
      assert.equal((await deliverDueEmails(t.ctx, delivery, { limit: 1000 })).sent, 9);
      assert.equal((await deliverDueEmails(t.ctx, delivery, { limit: 1000 })).sent, 0);
    } finally {
      seen.restore();
    }
    assert.deepEqual([...seen.ids].sort(), claimed.map((r) => r.id).sort(), "each once, by the live worker");
    // The dead process's mark, had it come late, changes nothing: the rows are not its claim's.
    await markEmailsSent(
      t.ctx.database.db,
      delivery,
      claimed.map((row) => ({ row, lastError: "stale", templateData: "{}" })),
      t.ctx.now().toISOString(),
    );
    const ids = new Set(claimed.map((r) => r.id));
    const rows = (await pendingOf(ws.id)).filter((r) => ids.has(r.id));
    assert.equal(rows.length, 9);
    assert.ok(rows.every((r) => r.status === "sent" && r.attempts === 2 && r.template_data !== "{}"));
  });

  test("the recipient cap within a batch: three confirmations written, the rest suppressed and never written", async () => {
    const { ws } = await makeTeam(t);
    await drain();
    for (let i = 0; i < 5; i++) await submitTicket(t, ws.slug, { email: "capped@customer.test" });
    const seen = recordHandOvers();
    let outcome: Awaited<ReturnType<typeof deliverDueEmails>>;
    try {
      outcome = await deliverDueEmails(t.ctx, delivery, { limit: 1000 });
    } finally {
      seen.restore();
    }
    assert.equal(outcome.sent, 13, "three confirmations and ten notices");
    assert.equal(outcome.suppressed, 2);
    const rows = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["id", "status", "last_error"])
      .where("workspace_id", "=", ws.id)
      .where("kind", "=", "ticket_confirmation")
      .orderBy("id")
      .execute();
    assert.deepEqual(
      rows.map((r) => r.status),
      ["sent", "sent", "sent", "suppressed", "suppressed"],
    );
    for (const r of rows) {
      assert.equal(seen.ids.includes(r.id), r.status === "sent", "only a sent one is handed over");
      assert.equal(fs.existsSync(path.join(mailDir, `${r.id}.eml`)), r.status === "sent");
    }
  });

  test("a batch's mark changes only the rows its claim still holds", async () => {
    const { ws } = await makeTeam(t);
    await drain();
    await submitTicket(t, ws.slug, { email: "held@customer.test" });
    const now = t.ctx.now();
    const first = await claimDueEmails(t.ctx.database.db, delivery, {
      now: now.toISOString(),
      until: new Date(now.getTime() + LEASE_MS).toISOString(),
      limit: 1000,
    });
    assert.equal(first.length, 3);
    t.advance(LEASE_MS + 1000);
    // Another process takes over the first two rows once the lease ran out.
    const later = t.ctx.now();
    const taken = await t.ctx.database.db
      .updateTable("outbox_emails")
      .set({ locked_until: new Date(later.getTime() + LEASE_MS).toISOString() })
      .where(
        "id",
        "in",
        first.slice(0, 2).map((r) => r.id),
      )
      .execute();
    assert.equal(Number(taken[0]?.numUpdatedRows), 2);
    await markEmailsSent(
      t.ctx.database.db,
      delivery,
      first.map((row) => ({ row, lastError: null, templateData: row.template_data ?? "{}" })),
      later.toISOString(),
    );
    const rows = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select(["id", "status"])
      .where(
        "id",
        "in",
        first.map((r) => r.id),
      )
      .execute();
    const status = new Map(rows.map((r) => [r.id, r.status]));
    assert.equal(status.get(first[0]?.id ?? ""), "pending");
    assert.equal(status.get(first[1]?.id ?? ""), "pending");
    assert.equal(status.get(first[2]?.id ?? ""), "sent", "the row still ours is marked");
  });
});
