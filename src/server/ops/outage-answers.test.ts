import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// What customers and agents are answered while the database refuses writes: a 503 with a stable
// code and Retry-After (never a 500), forms kept as typed, and everything back once it takes
// writes again. The refusal is the database's own, raised by the real driver: SQLITE_READONLY
// from `pragma query_only`, or PostgreSQL's 25006 in a read-only database; the process-level drills (postgres-outage.test.ts, disk-full.test.ts) stop PostgreSQL and fill a
// disk for real.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/**
 * SQLite: `pragma query_only` on the one writer connection. PostgreSQL: the test's database made
 * read-only for new sessions, and its current ones ended (57P01), so the pool opens new ones;
 * a write then fails with 25006 (read_only_sql_transaction), as on a standby.
 */
async function refuseWrites(on: boolean) {
  if (t.ctx.database.dialect === "sqlite") {
    await sql.raw(`pragma query_only = ${on ? 1 : 0}`).execute(t.ctx.database.db);
    return;
  }
  const admin = new pg.Client({ connectionString: t.ctx.config.databaseUrl });
  await admin.connect();
  try {
    // This session itself may have been opened read-only.
    await admin.query("set default_transaction_read_only = off");
    await admin.query(
      `alter database "${new URL(t.ctx.config.databaseUrl as string).pathname.slice(1)}" set default_transaction_read_only = ${on ? "on" : "off"}`,
    );
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
  } finally {
    await admin.end();
  }
  // The pool drops the ended sessions as it notices; until then a read may meet one.
  let good = 0;
  for (let i = 0; good < 25 && i < 500; i++) {
    try {
      await t.ctx.database.ping();
      good++;
    } catch {
      good = 0;
    }
  }
}

/** The code a refused write answers: SQLite's read-only connection, or PostgreSQL's read-only session. */
const REFUSED = "storage_read_only";

describe("while the database refuses writes", () => {
  test("the API, the submit form, the tracking page and /app answer 503, keep what was typed, then recover", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const tracked = await submitTicket(t, slug);
    const trackPage = `/portal/${slug}/tickets/${tracked.reference}`;
    await refuseWrites(true);
    try {
      // The JSON API: the stable code, Retry-After, no internals.
      const api = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${slug}/tickets`,
        payload: { name: "Casey", email: "casey@customer.test", subject: "Down?" },
      });
      assert.equal(api.statusCode, 503, api.body);
      assert.equal(api.headers["retry-after"], "30");
      assert.equal(api.json().error.code, REFUSED);
      assert.doesNotMatch(api.body, /read-only transaction|readonly database|SQLITE/);

      // The customer's submit form: again, as typed, saying it was not sent.
      const page = await t.app.inject({
        method: "POST",
        url: `/portal/${slug}/submit`,
        headers: FORM,
        payload: form({
          name: "Casey Customer",
          email: "casey@customer.test",
          subject: "Invoice 4711 is wrong",
          description: "It charges us twice for March.",
          idempotency_key: "outage-form-key-1",
        }),
      });
      assert.equal(page.statusCode, 503);
      assert.equal(page.headers["retry-after"], "30");
      assert.match(page.headers["content-type"] as string, /text\/html/);
      assert.match(page.body, /Your request was not sent: what you wrote is kept below/);
      assert.match(page.body, /value="Invoice 4711 is wrong"/);
      assert.match(page.body, /It charges us twice for March\./);

      // A reply on the tracking page: the page again with the draft.
      const reply = await t.app.inject({
        method: "POST",
        url: `${trackPage}/reply`,
        headers: { ...FORM, cookie: `portico_track=${tracked.token}` },
        payload: form({ body: "Any news on this?" }),
      });
      assert.equal(reply.statusCode, 503);
      assert.match(reply.body, /was not sent/);
      assert.match(reply.body, /Any news on this\?/);

      // An agent's page: a 503 page, not "something went wrong".
      const signOut = await t.app.inject({
        method: "POST",
        url: "/app/sign-out",
        headers: { ...FORM, ...team.agent.headers },
        payload: form({ _csrf: team.agent.csrf }),
      });
      assert.equal(signOut.statusCode, 503, signOut.body);
      assert.equal(signOut.headers["retry-after"], "30");
      assert.match(signOut.body, /Temporarily unavailable/);
    } finally {
      await refuseWrites(false);
    }

    // Back by itself: the same form goes through.
    const again = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/submit`,
      headers: FORM,
      payload: form({
        name: "Casey Customer",
        email: "casey@customer.test",
        subject: "Invoice 4711 is wrong",
        idempotency_key: "outage-form-key-1",
      }),
    });
    assert.equal(again.statusCode, 200);
    assert.match(again.body, /TKT-\d+/);
  });

  test("a form whose page cannot answer for itself comes back in the outage page, passwords left out", async () => {
    const team = await makeTeam(t);
    const customer = await makeCustomer(t, team.ws.id);
    await refuseWrites(true);
    try {
      // A customer renaming themselves: nothing in that page answers an outage itself.
      const res = await t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/account/name`,
        headers: { ...FORM, cookie: customer.cookie },
        payload: form({ _csrf: customer.csrf, name: "Casey Renamed", password: "not-to-be-shown-1" }),
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers["retry-after"], "30");
      assert.match(res.body, /Temporarily unavailable/);
      assert.match(res.body, /value="Casey Renamed"/, "the name is kept");
      assert.ok(
        res.body.includes(`name="_csrf" value="${customer.csrf}"`),
        "sending again carries the form's token",
      );
      assert.ok(!res.body.includes("not-to-be-shown-1"), "a password is not written into the page");
    } finally {
      await refuseWrites(false);
    }
  });
});
