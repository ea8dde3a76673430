import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import { makeCustomer, makeTeam, type SignedInAgent } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { makeCompany } from "../../test/portal-world.ts";

// The document pages without JavaScript: the portal's and the agents' multipart upload forms
// (read as a stream), versions, publishing, the errors beside the field, downloads as
// attachments, and another company's or workspace's ids answered 404.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const BOUNDARY = "----portico-test-boundary-7MA4YWxkTrZu0gW";

function multipart(fields: Record<string, string>, file?: { name: string; body: Buffer }) {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      file.body,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const post = (url: string, cookie: string, body: Buffer) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    payload: body,
  });

const agentForm = (a: SignedInAgent, url: string, fields: Record<string, string> = {}) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: a.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: a.csrf, ...fields }).toString(),
  });

async function world() {
  const team = await makeTeam(t);
  const companyId = await makeCompany(t, team.ws.id, "Acme");
  const otherId = await makeCompany(t, team.ws.id, "Globex");
  const customer = await makeCustomer(t, team.ws.id, { companyId, name: "Cleo Customer" });
  const outsider = await makeCustomer(t, team.ws.id, { companyId: otherId });
  return { ...team, companyId, customer, outsider };
}

describe("document pages", () => {
  test("a customer uploads with the plain form, adds a version, and downloads as an attachment", async () => {
    const w = await world();
    const csrf = customerCsrfTokenFor(w.customer.token);
    const base = `/portal/${w.ws.slug}/documents`;
    const up = await post(
      base,
      w.customer.cookie,
      multipart({ _csrf: csrf, title: "Tax form 2026", folder: "Tax" }, { name: "w9.pdf", body: PDF }),
    );
    assert.equal(up.statusCode, 303, up.body);
    assert.equal(up.headers.location, `${base}?done=uploaded`);
    const page = await t.app.inject({ url: `${base}?done=uploaded`, headers: { cookie: w.customer.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your document was uploaded/);
    assert.match(page.body, /Tax form 2026/);
    assert.match(page.body, /<h2 id="folder-0"><bdi>Tax<\/bdi><\/h2>/);
    const id = /\/documents\/([^/]+)\/download/.exec(page.body)?.[1] ?? "";
    assert.ok(id);

    const v2 = await post(
      `${base}/${id}/versions`,
      w.customer.cookie,
      multipart({ _csrf: csrf }, { name: "w9-signed.pdf", body: Buffer.concat([PDF, Buffer.from("%v2\n")]) }),
    );
    assert.equal(v2.statusCode, 303, v2.body);
    const dl = await t.app.inject({
      url: `${base}/${id}/download?version=1`,
      headers: { cookie: w.customer.cookie },
    });
    assert.equal(dl.statusCode, 200);
    assert.deepEqual(dl.rawPayload, PDF);
    assert.match(String(dl.headers["content-disposition"]), /^attachment; filename="w9\.pdf"/);
    assert.equal(dl.headers["x-content-type-options"], "nosniff");

    // Without the form's token nothing is stored.
    const noCsrf = await post(base, w.customer.cookie, multipart({}, { name: "x.pdf", body: PDF }));
    assert.equal(noCsrf.statusCode, 403);
    // Another company's contact: 404 on the download page.
    const other = await t.app.inject({
      url: `${base}/${id}/download`,
      headers: { cookie: w.outsider.cookie },
    });
    assert.equal(other.statusCode, 404);
  });

  test("a large file in small, uneven chunks arrives intact, even with boundary-like bytes inside", async () => {
    const w = await world();
    const csrf = customerCsrfTokenFor(w.customer.token);
    const filler = Buffer.from(`0123456789 \r\n--${BOUNDARY.slice(0, 12)} \r\n-\n`);
    const content = Buffer.concat([PDF, ...Array.from({ length: 6000 }, () => filler)]);
    const body = multipart({ _csrf: csrf, folder: "Big" }, { name: "large.pdf", body: content });
    let at = 0;
    let n = 0;
    const stream = new Readable({
      read() {
        if (at >= body.length) return this.push(null);
        const size = 1 + ((n++ * 7919) % 3000);
        this.push(body.subarray(at, at + size));
        at += size;
      },
    });
    const up = await t.app.inject({
      method: "POST",
      url: `/portal/${w.ws.slug}/documents`,
      headers: { cookie: w.customer.cookie, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      payload: stream,
    });
    assert.equal(up.statusCode, 303, up.body);
    const list = await t.app.inject({
      url: `/api/portal/${w.ws.slug}/documents`,
      headers: { cookie: w.customer.cookie },
    });
    const doc = list.json().documents[0];
    assert.equal(doc.folder, "Big");
    assert.equal(doc.size, content.length);
    const dl = await t.app.inject({
      url: `/portal/${w.ws.slug}/documents/${doc.id}/download`,
      headers: { cookie: w.customer.cookie },
    });
    assert.ok(dl.rawPayload.equals(content), "the same bytes come back");
  });

  test("a refused file re-renders the page with the error naming the file; no file is a clear error", async () => {
    const w = await world();
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ document_max_bytes: 100 })
      .where("id", "=", w.ws.id)
      .execute();
    const csrf = customerCsrfTokenFor(w.customer.token);
    const base = `/portal/${w.ws.slug}/documents`;
    const big = await post(
      base,
      w.customer.cookie,
      multipart(
        { _csrf: csrf },
        { name: "big scan.pdf", body: Buffer.concat([PDF, Buffer.alloc(200, 0x20)]) },
      ),
    );
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /big scan\.pdf/);
    assert.match(big.body, /aria-invalid="true"/);
    const exe = await post(
      base,
      w.customer.cookie,
      multipart({ _csrf: csrf }, { name: "invoice.pdf", body: Buffer.from("MZ\x90\x00\x03\x00\x00\x00") }),
    );
    assert.equal(exe.statusCode, 415);
    const none = await post(
      base,
      w.customer.cookie,
      multipart({ _csrf: csrf }, { name: "", body: Buffer.alloc(0) }),
    );
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Choose a file/);
  });

  test("agents upload a draft from the company page, publish it, and another workspace gets 404", async () => {
    const w = await world();
    const base = `/app/companies/${w.companyId}/documents`;
    const up = await post(
      base,
      w.agent.cookie,
      multipart(
        { _csrf: w.agent.csrf, title: "Brand kit", folder: "Brand", tags: "logo, colours" },
        { name: "kit.pdf", body: PDF },
      ),
    );
    assert.equal(up.statusCode, 303, up.body);
    const page = await t.app.inject({ url: base, headers: { cookie: w.agent.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Brand kit/);
    assert.match(page.body, /Draft/);
    const id = /documents\/([^/"]+)\/download/.exec(page.body)?.[1] ?? "";
    const customerBase = `/portal/${w.ws.slug}/documents`;
    const hidden = await t.app.inject({
      url: `${customerBase}/${id}/download`,
      headers: { cookie: w.customer.cookie },
    });
    assert.equal(hidden.statusCode, 404, "a draft is a 404 to the customer");
    const list = await t.app.inject({ url: customerBase, headers: { cookie: w.customer.cookie } });
    assert.doesNotMatch(list.body, /Brand kit/);

    const pub = await agentForm(w.agent, `${base}/${id}/publish`);
    assert.equal(pub.statusCode, 303);
    const visible = await t.app.inject({ url: customerBase, headers: { cookie: w.customer.cookie } });
    assert.match(visible.body, /Brand kit/);
    assert.match(visible.body, /badge-new/);

    const byTag = await t.app.inject({ url: `${base}?tag=logo`, headers: { cookie: w.agent.cookie } });
    assert.match(byTag.body, /Brand kit/);
    const edit = await agentForm(w.agent, `${base}/${id}/edit`, { title: "", folder: "", tags: "" });
    assert.equal(edit.statusCode, 400);

    const stranger = await makeTeam(t);
    for (const url of [base, `${base}/${id}/download`]) {
      const res = await t.app.inject({ url, headers: { cookie: stranger.agent.cookie } });
      assert.equal(res.statusCode, 404, url);
    }
    const del = await agentForm(stranger.agent, `${base}/${id}/delete`);
    assert.equal(del.statusCode, 404);
    const mine = await agentForm(w.agent, `${base}/${id}/delete`);
    assert.equal(mine.statusCode, 303);
  });
});
