import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// tickets.first_response_at: the team's first public reply sets it, in the reply's transaction;
// internal notes and later replies leave it as it is.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const firstResponseOf = async (reference: string) =>
  (
    await t.ctx.database.db
      .selectFrom("tickets")
      .select("first_response_at")
      .where("number", "=", Number(reference.replace(/\D/g, "")))
      .executeTakeFirstOrThrow()
  ).first_response_at;

describe("first response time", () => {
  test("a note does not count; the first public reply sets it once", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const post = (kind: "notes" | "replies", body: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/workspace/tickets/${s.reference}/${kind}`,
        headers: agent.headers,
        payload: { body },
      });
    t.advance(60_000);
    assert.equal((await post("notes", "Looking into it, internally.")).statusCode, 201);
    assert.equal(await firstResponseOf(s.reference), null);

    t.advance(60_000);
    const replyAt = t.ctx.now().getTime();
    assert.equal((await post("replies", "Hello, we are on it.")).statusCode, 201);
    const first = await firstResponseOf(s.reference);
    assert.ok(first);
    assert.ok(Math.abs(Date.parse(first) - replyAt) < 5_000);

    t.advance(3_600_000);
    assert.equal((await post("replies", "A second answer.")).statusCode, 201);
    assert.equal(await firstResponseOf(s.reference), first);
  });
});
