import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { systemActorIn } from "../actors.ts";
import { companyEventsVisibleTo } from "../companies/company.access.ts";
import { isPostgres } from "../db/dialect.ts";
import { makeCustomer, makeTeam, type SignedInAgent, type SignedInCustomer } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { makeCompany } from "../test/portal-world.ts";
import { documentsWritableBy } from "./document.access.ts";

// The documents' limits where they are easiest to get wrong: two uploads at once against one
// quota, a version number past the database's integer range, a document's summed size near the
// column's limit, and the timeline kept small however often a file is downloaded.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const agentUpload = (a: SignedInAgent, companyId: string, name: string, body: Buffer) =>
  t.app.inject({
    method: "POST",
    url: `/api/workspace/companies/${companyId}/documents?name=${encodeURIComponent(name)}`,
    headers: { ...a.headers, "content-type": "application/octet-stream" },
    payload: body,
  });

const customerGet = (c: SignedInCustomer, url: string) =>
  t.app.inject({ url: `/api/portal${url}`, headers: { cookie: c.cookie } });

async function world() {
  const team = await makeTeam(t);
  const companyId = await makeCompany(t, team.ws.id, "Acme");
  const customer = await makeCustomer(t, team.ws.id, { companyId, access: "own", name: "Cleo Customer" });
  return { ...team, companyId, customer };
}

const setLimits = (workspaceId: string, maxBytes: number, quotaBytes: number) =>
  t.ctx.database.db
    .updateTable("workspaces")
    .set({ document_max_bytes: maxBytes, document_quota_bytes: quotaBytes })
    .where("id", "=", workspaceId)
    .execute();

describe("document limits under pressure", () => {
  test("two uploads at once that together pass the quota: exactly one is stored", async () => {
    const w = await world();
    await setLimits(w.ws.id, 1024 * 1024, Math.floor(PDF.length * 1.5));
    const db = t.ctx.database.db;
    // On PostgreSQL both uploads are held just before their transactions would commit (the
    // timeline's table is locked), so they surely overlap: without the company's row lock both
    // would have counted only their own file and both would be stored.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let lockTaken = () => {};
    const taken = new Promise<void>((r) => {
      lockTaken = r;
    });
    const holder = isPostgres(db)
      ? db.transaction().execute(async (tx) => {
          await sql`lock table company_events in exclusive mode`.execute(tx);
          lockTaken();
          await held;
        })
      : Promise.resolve();
    if (!isPostgres(db)) lockTaken();
    await taken;
    const uploads = Promise.all([
      agentUpload(w.agent, w.companyId, "first.pdf", PDF),
      agentUpload(w.admin, w.companyId, "second.pdf", PDF),
    ]);
    if (isPostgres(db)) {
      for (let i = 0; i < 400; i++) {
        const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
        if ((r.rows[0]?.n ?? 0) >= 2) break;
        await sleep(25);
      }
    }
    release();
    await holder;
    const answers = await uploads;
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 413], answers.map((a) => a.body).join());
    const refused = answers.find((a) => a.statusCode === 413);
    assert.equal(refused?.json().error.code, "company_quota_exceeded");
    const list = await t.app.inject({
      url: `/api/workspace/companies/${w.companyId}/documents`,
      headers: { cookie: w.agent.cookie },
    });
    assert.equal(list.json().documents.length, 1);
    assert.equal(list.json().usedBytes, PDF.length);
  });

  test("a version number past any real history is a 400 naming the field, not a database error", async () => {
    const w = await world();
    const doc = (await agentUpload(w.agent, w.companyId, "guide.pdf", PDF)).json();
    for (const url of [
      `/api/workspace/companies/${w.companyId}/documents/${doc.id}/download?version=99999999999`,
      `/api/workspace/companies/${w.companyId}/documents/${doc.id}/thumbnail?version=99999999999`,
    ]) {
      const res = await t.app.inject({ url, headers: { cookie: w.agent.cookie } });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, "validation_failed");
      assert.ok(res.json().error.fields.version);
    }
    const portal = await customerGet(
      w.customer,
      `/${w.ws.slug}/documents/${doc.id}/download?version=99999999999`,
    );
    assert.equal(portal.statusCode, 400, portal.body);
    const missing = await t.app.inject({
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/download?version=100000`,
      headers: { cookie: w.agent.cookie },
    });
    assert.equal(missing.statusCode, 404, "the largest accepted version is simply not found");
  });

  test("a new version that would take a document past the quota is refused before its size is added", async () => {
    const w = await world();
    await setLimits(w.ws.id, 1024 * 1024, 1024 * 1024 * 1024);
    const doc = (await agentUpload(w.agent, w.companyId, "archive.pdf", PDF)).json();
    // A document stored under an older, larger quota, a few bytes short of a 32-bit integer.
    await documentsWritableBy(t.ctx.database.db, systemActorIn("test", w.ws.id))
      .set({ size_bytes: 2 ** 31 - 10 })
      .where("documents.id", "=", doc.id)
      .execute();
    const res = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/versions?name=archive%20v2.pdf`,
      headers: { ...w.agent.headers, "content-type": "application/octet-stream" },
      // Streamed without a length, so only the check inside the transaction can catch it.
      payload: Readable.from([PDF]),
    });
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().error.code, "company_quota_exceeded");
    assert.match(res.json().error.message, /archive v2\.pdf/);
    assert.ok(res.json().error.fields.file);
  });

  test("downloading a version again the same day adds nothing to the timeline", async () => {
    const w = await world();
    const doc = (await agentUpload(w.agent, w.companyId, "W-9.pdf", PDF)).json();
    await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/publish`,
      headers: w.agent.headers,
    });
    const downloads = async () =>
      (
        await companyEventsVisibleTo(t.ctx.database.db, systemActorIn("test", w.ws.id))
          .select(["company_events.actor_type", "company_events.data"])
          .where("company_events.company_id", "=", w.companyId)
          .where("company_events.type", "=", "document_downloaded")
          .execute()
      ).map((e) => e.actor_type);
    for (let i = 0; i < 3; i++) {
      const res = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download`);
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.deepEqual(await downloads(), ["contact"], "three downloads, one event");
    // Another reader's download is their own event; the next day's is a new one.
    await t.app.inject({
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/download`,
      headers: { cookie: w.agent.cookie },
    });
    assert.deepEqual((await downloads()).sort(), ["agent", "contact"]);
    t.advance(24 * 60 * 60 * 1000);
    await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download`);
    assert.deepEqual((await downloads()).sort(), ["agent", "contact", "contact"]);
  });
});
