import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { companyEventsVisibleTo } from "../companies/company.access.ts";
import { makeCustomer, makeTeam, type SignedInAgent, type SignedInCustomer } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { makeCompany } from "../test/portal-world.ts";

// A company's documents through both APIs: the customer's uploads reach the agents, a draft
// deliverable stays hidden from the customer until published, versions, the workspace's limits,
// the download headers, the company timeline, and every id outside the caller's scope a 404.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const PDF2 = Buffer.from(
  "%PDF-1.4\n1 0 obj << /Type /Catalog /V 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
);
const DRAFT_MARKER = "DRAFT-DELIVERABLE-MARKER-73";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const agentUpload = (a: SignedInAgent, companyId: string, name: string, body: Buffer, query = "") =>
  t.app.inject({
    method: "POST",
    url: `/api/workspace/companies/${companyId}/documents?name=${encodeURIComponent(name)}${query}`,
    headers: { ...a.headers, "content-type": "application/octet-stream" },
    payload: body,
  });

const agentGet = (a: SignedInAgent, url: string) =>
  t.app.inject({ url: `/api/workspace${url}`, headers: { cookie: a.cookie } });

const customerUpload = (c: SignedInCustomer, slug: string, name: string, body: Buffer, query = "") =>
  t.app.inject({
    method: "POST",
    url: `/api/portal/${slug}/documents?name=${encodeURIComponent(name)}${query}`,
    headers: { ...c.headers, "content-type": "application/octet-stream" },
    payload: body,
  });

const customerGet = (c: SignedInCustomer, url: string) =>
  t.app.inject({ url: `/api/portal${url}`, headers: { cookie: c.cookie } });

async function events(workspaceId: string, companyId: string) {
  return companyEventsVisibleTo(t.ctx.database.db, systemActorIn("test", workspaceId))
    .select(["company_events.type", "company_events.customer_visible", "company_events.actor_type"])
    .where("company_events.company_id", "=", companyId)
    .orderBy("company_events.created_at")
    .execute();
}

async function world() {
  const team = await makeTeam(t);
  const companyId = await makeCompany(t, team.ws.id, "Acme");
  const otherId = await makeCompany(t, team.ws.id, "Globex");
  const customer = await makeCustomer(t, team.ws.id, { companyId, access: "own", name: "Cleo Customer" });
  const colleague = await makeCustomer(t, team.ws.id, { companyId, access: "own", name: "Cal Colleague" });
  const outsider = await makeCustomer(t, team.ws.id, { companyId: otherId, access: "company" });
  return { ...team, companyId, otherId, customer, colleague, outsider };
}

describe("documents", () => {
  test("a customer's upload reaches the agents, with who and when, and the timeline records it", async () => {
    const w = await world();
    const up = await customerUpload(
      w.customer,
      w.ws.slug,
      "W-9 tax form.pdf",
      PDF,
      "&folder=Tax&tags=2026,irs",
    );
    assert.equal(up.statusCode, 201, up.body);
    const doc = up.json();
    assert.equal(doc.source, "customer");
    assert.equal(doc.status, "published");
    assert.equal(doc.folder, "Tax");
    assert.deepEqual(doc.tags, ["2026", "irs"]);
    assert.equal(doc.versions[0].uploadedBy, "You");

    const list = (await agentGet(w.agent, `/companies/${w.companyId}/documents`)).json();
    assert.equal(list.documents.length, 1);
    assert.equal(list.documents[0].versions[0].uploadedBy, "Cleo Customer");
    assert.deepEqual(list.folders, ["Tax"]);
    assert.deepEqual(list.tags, ["2026", "irs"]);
    assert.equal(list.usedBytes, PDF.length);
    const byTag = (await agentGet(w.agent, `/companies/${w.companyId}/documents?tag=nope`)).json();
    assert.equal(byTag.documents.length, 0);

    const dl = await agentGet(w.agent, `/companies/${w.companyId}/documents/${doc.id}/download`);
    assert.equal(dl.statusCode, 200);
    assert.deepEqual(dl.rawPayload, PDF);
    assert.match(String(dl.headers["content-disposition"]), /^attachment;/);
    assert.equal(dl.headers["x-content-type-options"], "nosniff");
    assert.match(String(dl.headers["content-security-policy"]), /sandbox/);

    const cdl = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download`);
    assert.equal(cdl.statusCode, 200);
    assert.match(String(cdl.headers["content-disposition"]), /^attachment;/);
    assert.deepEqual(
      (await events(w.ws.id, w.companyId)).map((e) => [e.type, e.actor_type]),
      [
        ["document_uploaded", "contact"],
        ["document_downloaded", "agent"],
        ["document_downloaded", "contact"],
      ],
    );
  });

  test("a draft deliverable is a 404 to the customer until published; then it is new since their last visit", async () => {
    const w = await world();
    const up = await agentUpload(
      w.agent,
      w.companyId,
      "Brand guide.pdf",
      PDF,
      `&title=${DRAFT_MARKER}&folder=Brand`,
    );
    assert.equal(up.statusCode, 201, up.body);
    const draft = up.json();
    assert.equal(draft.status, "draft");
    assert.equal(draft.source, "team");

    for (const url of [
      `/${w.ws.slug}/documents/${draft.id}`,
      `/${w.ws.slug}/documents/${draft.id}/download`,
    ]) {
      const res = await customerGet(w.customer, url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, "not_found");
    }
    const list = await customerGet(w.customer, `/${w.ws.slug}/documents`);
    assert.ok(!list.body.includes(DRAFT_MARKER), "a draft never reaches the customer");
    const home = await t.app.inject({
      url: `/portal/${w.ws.slug}/home`,
      headers: { cookie: w.customer.cookie },
    });
    assert.ok(!home.body.includes(DRAFT_MARKER));
    const version = await t.app.inject({
      method: "POST",
      url: `/api/portal/${w.ws.slug}/documents/${draft.id}/versions?name=x.pdf`,
      headers: { ...w.customer.headers, "content-type": "application/octet-stream" },
      payload: PDF,
    });
    assert.equal(version.statusCode, 404);
    assert.ok(
      (await events(w.ws.id, w.companyId)).every((e) => !e.customer_visible),
      "a draft's events are not on the customer's timeline",
    );

    // Opening the documents page marks everything seen.
    const page = await t.app.inject({
      url: `/portal/${w.ws.slug}/documents`,
      headers: { cookie: w.customer.cookie },
    });
    assert.equal(page.statusCode, 200);
    t.advance(1000);

    const pub = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${draft.id}/publish`,
      headers: w.agent.headers,
    });
    assert.equal(pub.statusCode, 200, pub.body);
    assert.equal(pub.json().status, "published");
    const seen = await customerGet(w.customer, `/${w.ws.slug}/documents/${draft.id}`);
    assert.equal(seen.statusCode, 200);
    const home2 = await t.app.inject({
      url: `/portal/${w.ws.slug}/home`,
      headers: { cookie: w.customer.cookie },
    });
    assert.ok(home2.body.includes(DRAFT_MARKER), "the published deliverable is on the home");
    assert.match(home2.body, /1 new since your last visit/);
    const again = await t.app.inject({
      url: `/portal/${w.ws.slug}/documents`,
      headers: { cookie: w.customer.cookie },
    });
    assert.ok(again.body.includes(DRAFT_MARKER));
    const home3 = await t.app.inject({
      url: `/portal/${w.ws.slug}/home`,
      headers: { cookie: w.customer.cookie },
    });
    assert.doesNotMatch(home3.body, /new since your last visit/);
    const types = (await events(w.ws.id, w.companyId)).map((e) => [e.type, Boolean(e.customer_visible)]);
    assert.deepEqual(types.at(-1), ["document_published", true]);
  });

  test("versions: a new one becomes current, each stays downloadable with who uploaded it", async () => {
    const w = await world();
    const doc = (await customerUpload(w.customer, w.ws.slug, "contract.pdf", PDF)).json();
    const v2 = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/versions?name=contract-signed.pdf`,
      headers: { ...w.agent.headers, "content-type": "application/octet-stream" },
      payload: PDF2,
    });
    assert.equal(v2.statusCode, 201, v2.body);
    const view = v2.json();
    assert.equal(view.version, 2);
    assert.equal(view.fileName, "contract-signed.pdf");
    assert.deepEqual(
      view.versions.map((v: { version: number; uploadedBy: string }) => [v.version, v.uploadedBy]),
      [
        [2, "Sam Agent"],
        [1, "Cleo Customer"],
      ],
    );
    // The customer sees the team, never an agent's name, and nothing of the storage.
    const seen = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}`);
    assert.equal(seen.json().versions[0].uploadedBy, "The team");
    for (const secret of ["Sam Agent", "storage", "sha256", "scan"]) {
      assert.ok(!seen.body.includes(secret), `no ${secret} in a customer's answer`);
    }
    const current = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download`);
    assert.deepEqual(current.rawPayload, PDF2);
    const first = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download?version=1`);
    assert.deepEqual(first.rawPayload, PDF);
    const none = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download?version=9`);
    assert.equal(none.statusCode, 404);
    const bad = await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}/download?version=x`);
    assert.equal(bad.statusCode, 400);

    const patched = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}`,
      headers: w.agent.headers,
      payload: { title: "Master contract", folder: "Legal", tags: ["signed"] },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().folder, "Legal");
    const blank = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}`,
      headers: w.agent.headers,
      payload: { title: "   " },
    });
    assert.equal(blank.statusCode, 400);
    assert.ok(blank.json().error.fields.title);

    const del = await t.app.inject({
      method: "DELETE",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}`,
      headers: w.agent.headers,
    });
    assert.equal(del.statusCode, 204);
    assert.equal((await customerGet(w.customer, `/${w.ws.slug}/documents/${doc.id}`)).statusCode, 404);
    assert.equal((await agentGet(w.agent, `/companies/${w.companyId}/documents/${doc.id}`)).statusCode, 404);
    assert.equal((await events(w.ws.id, w.companyId)).at(-1)?.type, "document_deleted");
  });

  test("limits: a file too large and a company over its quota are refused with codes naming the file", async () => {
    const w = await world();
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ document_max_bytes: 200, document_quota_bytes: PDF.length * 2 + 10 })
      .where("id", "=", w.ws.id)
      .execute();
    const big = await customerUpload(
      w.customer,
      w.ws.slug,
      "huge scan.pdf",
      Buffer.concat([PDF, Buffer.alloc(300, 0x20)]),
    );
    assert.equal(big.statusCode, 413, big.body);
    assert.equal(big.json().error.code, "document_too_large");
    assert.match(big.json().error.message, /huge scan\.pdf/);
    assert.ok(big.json().error.fields.file);

    assert.equal((await customerUpload(w.customer, w.ws.slug, "one.pdf", PDF)).statusCode, 201);
    assert.equal((await agentUpload(w.agent, w.companyId, "two.pdf", PDF)).statusCode, 201);
    const over = await customerUpload(w.customer, w.ws.slug, "three.pdf", PDF);
    assert.equal(over.statusCode, 413, over.body);
    assert.equal(over.json().error.code, "company_quota_exceeded");
    assert.match(over.json().error.message, /three\.pdf/);
    // Another company of the workspace has its own quota.
    assert.equal((await agentUpload(w.agent, w.otherId, "three.pdf", PDF)).statusCode, 201);
    const list = (await agentGet(w.agent, `/companies/${w.companyId}/documents`)).json();
    assert.equal(list.documents.length, 2, "nothing recorded for the refused files");
  });

  test("sniffing refuses an .exe renamed .pdf; a customer without a company has no documents", async () => {
    const w = await world();
    const onboarding = await customerUpload(w.customer, w.ws.slug, "id.pdf", PDF, "&task=01234567");
    assert.equal(onboarding.json().folder, "Onboarding", "an upload for a task is filed under Onboarding");
    const exe = await customerUpload(
      w.customer,
      w.ws.slug,
      "invoice.pdf",
      Buffer.from("MZ\x90\x00\x03\x00\x00\x00rest"),
    );
    assert.equal(exe.statusCode, 415, exe.body);
    assert.match(exe.json().error.code, /^file_type/);
    const loner = await makeCustomer(t, w.ws.id, {});
    assert.equal((await customerGet(loner, `/${w.ws.slug}/documents`)).statusCode, 404);
    assert.equal((await customerUpload(loner, w.ws.slug, "a.pdf", PDF)).statusCode, 404);
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/api/portal/${w.ws.slug}/documents?name=a.pdf`,
      headers: { cookie: w.customer.cookie, "content-type": "application/octet-stream" },
      payload: PDF,
    });
    assert.equal(noCsrf.statusCode, 403);
  });

  test("scoping: another company's or workspace's document is a 404 by any id", async () => {
    const w = await world();
    const mine = (await customerUpload(w.customer, w.ws.slug, "mine.pdf", PDF)).json();
    const theirs = (await customerUpload(w.outsider, w.ws.slug, "theirs.pdf", PDF)).json();
    const other = await world();

    // The outsider (another company, even as its manager) reaches none of Acme's.
    for (const url of [`/${w.ws.slug}/documents/${mine.id}`, `/${w.ws.slug}/documents/${mine.id}/download`]) {
      assert.equal((await customerGet(w.outsider, url)).statusCode, 404, url);
    }
    const outsiderList = (await customerGet(w.outsider, `/${w.ws.slug}/documents`)).json();
    assert.deepEqual(
      outsiderList.documents.map((d: { id: string }) => d.id),
      [theirs.id],
    );
    // A colleague of the same company sees it.
    assert.equal((await customerGet(w.colleague, `/${w.ws.slug}/documents/${mine.id}`)).statusCode, 200);
    // Pages too.
    const page = await t.app.inject({
      url: `/portal/${w.ws.slug}/documents/${mine.id}/download`,
      headers: { cookie: w.outsider.cookie },
    });
    assert.equal(page.statusCode, 404);

    // An agent of another workspace: 404 by company or document id, and the company in the address must match.
    for (const url of [
      `/companies/${w.companyId}/documents`,
      `/companies/${w.companyId}/documents/${mine.id}`,
      `/companies/${w.companyId}/documents/${mine.id}/download`,
      `/companies/${other.companyId}/documents/${mine.id}`,
    ]) {
      const res = await agentGet(other.agent, url);
      assert.equal(res.statusCode, 404, url);
    }
    assert.equal((await agentGet(w.agent, `/companies/${w.otherId}/documents/${mine.id}`)).statusCode, 404);
    assert.equal((await agentUpload(other.agent, w.companyId, "x.pdf", PDF)).statusCode, 404);
    const publish = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${mine.id}/publish`,
      headers: other.agent.headers,
    });
    assert.equal(publish.statusCode, 404);
  });
});
