import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { OutboxEmailTable } from "../db/schema.ts";
import { runningThreads } from "../metrics/threads.ts";
import { until } from "../test/portico-process.ts";
import { ThreadMailer } from "./mailer.ts";

// The mail thread starts on the first email and ends after a while without one, giving its
// memory back; the next email starts a new thread and is delivered as before.

function row(id: string): OutboxEmailTable {
  return {
    id,
    workspace_id: "ws",
    ticket_id: null,
    kind: "test",
    audience: "customer",
    to_address: "casey@customer.test",
    to_name: "Casey",
    message_id: `<${id}@portico.test>`,
    subject: `Email ${id}`,
    body_text: "Hello",
    body_html: "<p>Hello</p>",
    template_data: null,
    headers: JSON.stringify({ from: { name: "Acme", address: "help@acme.test" } }),
    status: "pending",
    attempts: 0,
    next_attempt_at: new Date().toISOString(),
    locked_until: null,
    last_error: null,
    sent_at: null,
    content_pruned_at: null,
    created_at: new Date().toISOString(),
  };
}

test("the mail thread ends when idle and starts again for the next email", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-mailer-"));
  const mailer = new ThreadMailer({ smtpUrl: undefined, mailDir: dir }, { idleMs: 50 });
  try {
    assert.equal(mailer.threadRunning, false, "not started before the first email");
    assert.deepEqual(await mailer.deliver(row("first")), { rejected: [] });
    assert.ok(fs.existsSync(path.join(dir, "first.eml")));
    await until("the idle thread has ended", 10_000, () => !mailer.threadRunning, { everyMs: 20 });
    // An ended thread is no longer listed for /metrics (its exit reached the thread list).
    await until("the ended thread leaves the thread list", 10_000, () => !runningThreads().includes("mail"), {
      everyMs: 20,
    });
    assert.deepEqual(await mailer.deliver(row("second")), { rejected: [] });
    assert.ok(fs.existsSync(path.join(dir, "second.eml")));
    assert.equal(mailer.threadRunning, true);
  } finally {
    await mailer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
