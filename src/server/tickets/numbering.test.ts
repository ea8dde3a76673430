import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeWorkspace } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

test("200 parallel submissions get 200 distinct, consecutive numbers", async () => {
  const ws = await makeWorkspace(t);
  const other = await makeWorkspace(t);
  const submit = (slug: string, i: number) =>
    t.app.inject({
      method: "POST",
      url: `/api/public/portals/${slug}/tickets`,
      // Several customers at once, some new and some returning, in two workspaces.
      payload: { name: `Customer ${i % 17}`, email: `c${i % 17}@example.test`, subject: `Parallel ${i}` },
    });
  const results = await Promise.all([
    ...Array.from({ length: 200 }, (_, i) => submit(ws.slug, i)),
    ...Array.from({ length: 50 }, (_, i) => submit(other.slug, i)),
  ]);
  for (const r of results) assert.equal(r.statusCode, 201, r.body);
  const refs = results.slice(0, 200).map((r) => r.json().reference as string);
  const numbers = refs.map((r) => Number(r.slice(4))).sort((a, b) => a - b);
  assert.deepEqual(
    numbers,
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  const stored = await t.ctx.database.db
    .selectFrom("tickets")
    .select("number")
    .where("workspace_id", "=", ws.id)
    .execute();
  assert.equal(stored.length, 200);
  const seq = await t.ctx.database.db
    .selectFrom("ticket_sequences")
    .select("last_number")
    .where("workspace_id", "=", ws.id)
    .executeTakeFirstOrThrow();
  assert.equal(seq.last_number, 200);
  const otherNumbers = results.slice(200).map((r) => Number(r.json().reference.slice(4)));
  assert.deepEqual(
    otherNumbers.sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  const contacts = await t.ctx.database.db
    .selectFrom("contacts")
    .select("id")
    .where("workspace_id", "=", ws.id)
    .execute();
  assert.equal(contacts.length, 17, "returning customers were matched, even when racing");
});

test("a submission that fails leaves no gap", async () => {
  const ws = await makeWorkspace(t);
  const ok = (subject: string) =>
    t.app.inject({
      method: "POST",
      url: `/api/public/portals/${ws.slug}/tickets`,
      payload: { name: "A", email: "a@example.test", subject },
    });
  assert.equal((await ok("one")).json().reference, "TKT-0001");
  // Rejected inside the transaction: an Idempotency-Key reused for another body.
  await t.app.inject({
    method: "POST",
    url: `/api/public/portals/${ws.slug}/tickets`,
    headers: { "idempotency-key": "k1" },
    payload: { name: "A", email: "a@example.test", subject: "two" },
  });
  const reused = await t.app.inject({
    method: "POST",
    url: `/api/public/portals/${ws.slug}/tickets`,
    headers: { "idempotency-key": "k1" },
    payload: { name: "A", email: "a@example.test", subject: "different" },
  });
  assert.equal(reused.statusCode, 422);
  assert.equal((await ok("three")).json().reference, "TKT-0003");
});
