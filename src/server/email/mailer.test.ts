import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import type { OutboxEmailTable } from "../db/schema.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { SendFailedError } from "./email.transport.ts";
import { createMailer } from "./mailer.ts";

// A relay that takes the connection and never says a word: the send is given up at its deadline
// (here half a second; 30 s in production), the mail thread and its connection with it, so the
// outbox's lease on the row is never outlasted.

let t: TestEnv;
let relay: net.Server;
const connections: net.Socket[] = [];
before(async () => {
  relay = net.createServer((s) => {
    connections.push(s);
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const { port } = relay.address() as net.AddressInfo;
  t = await testEnv({ SMTP_URL: `smtp://127.0.0.1:${port}` });
});
after(async () => {
  for (const s of connections) s.destroy();
  relay.close();
  await t.close();
});

test("a send with no answer is given up at the deadline, its connection closed; the next gets a new thread", async () => {
  await makeTeam(t);
  const row = (await t.ctx.database.db
    .selectFrom("outbox_emails")
    .selectAll()
    .where("kind", "=", "agent_invitation")
    .executeTakeFirstOrThrow()) as OutboxEmailTable;
  const mailer = createMailer(t.ctx.config, { sendDeadlineMs: 500 });
  try {
    const givenUp = (e: unknown) =>
      e instanceof SendFailedError && !e.failure.permanent && /no answer within 0\.5 s/.test(e.message);
    await assert.rejects(mailer.deliver(row), givenUp);
    const first = connections[0];
    assert.ok(first, "the relay was reached");
    if (!first.closed) await new Promise((resolve) => first.once("close", resolve));
    await assert.rejects(mailer.deliver(row), givenUp, "a new thread, bounded the same way");
    assert.equal(connections.length, 2);
  } finally {
    await mailer.close();
  }
});
