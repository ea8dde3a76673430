import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import { Jimp } from "jimp";
import { imageDimensions, THUMBNAIL_MAX_PX } from "../files/thumbnail.ts";
import { makeCustomer, makeTeam, type SignedInAgent, type SignedInCustomer } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { makeCompany } from "../test/portal-world.ts";

// Documents' thumbnails and type badges: an image version gets a thumbnail made on the server at
// upload, served only through the download's own access check (never a draft to a customer,
// never another company's or workspace's), never the original bytes; other files show a badge
// naming their real type.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const CSV = Buffer.from("name,amount\nAcme,12\nGlobex,30\n");

let t: TestEnv;
let photo: Buffer;
before(async () => {
  t = await testEnv();
  const png = new Jimp({ width: 640, height: 480, color: 0x3366ccff });
  png.scan(0, 0, 320, 480, (_x, _y, idx) => {
    png.bitmap.data[idx] = 0xee;
  });
  photo = await png.getBuffer("image/png");
});
after(() => t.close());

/** A valid PNG whose header claims a size far past the decoding budget: it gets no thumbnail. */
function hugePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50_000, 0);
  ihdr.writeUInt32BE(50_000, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from("89504e470d0a1a0a", "hex"),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(4096))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const agentUpload = (a: SignedInAgent, companyId: string, name: string, body: Buffer, query = "") =>
  t.app.inject({
    method: "POST",
    url: `/api/workspace/companies/${companyId}/documents?name=${encodeURIComponent(name)}${query}`,
    headers: { ...a.headers, "content-type": "application/octet-stream" },
    payload: body,
  });
const customerUpload = (c: SignedInCustomer, slug: string, name: string, body: Buffer) =>
  t.app.inject({
    method: "POST",
    url: `/api/portal/${slug}/documents?name=${encodeURIComponent(name)}`,
    headers: { ...c.headers, "content-type": "application/octet-stream" },
    payload: body,
  });
const get = (url: string, cookie: string) => t.app.inject({ url, headers: { cookie } });

async function world() {
  const team = await makeTeam(t);
  const companyId = await makeCompany(t, team.ws.id, "Acme");
  const otherId = await makeCompany(t, team.ws.id, "Globex");
  const customer = await makeCustomer(t, team.ws.id, { companyId, access: "own", name: "Cleo Customer" });
  const outsider = await makeCustomer(t, team.ws.id, { companyId: otherId, access: "company" });
  const elsewhere = await makeTeam(t);
  return { ...team, companyId, otherId, customer, outsider, elsewhere };
}

function assertThumbnail(res: Awaited<ReturnType<typeof get>>) {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["content-type"], "image/png");
  assert.equal(res.headers["x-content-type-options"], "nosniff");
  assert.match(String(res.headers["content-security-policy"]), /sandbox/);
  assert.ok(res.rawPayload.length < photo.length, "smaller than the original");
  assert.notDeepEqual(res.rawPayload, photo);
  const size = imageDimensions(res.rawPayload, "image/png");
  assert.ok(size && Math.max(size.width, size.height) <= THUMBNAIL_MAX_PX, JSON.stringify(size));
}

describe("document thumbnails", () => {
  test("a customer's image gets a thumbnail, for the customer and the agents, and no one else", async () => {
    const w = await world();
    const up = await customerUpload(w.customer, w.ws.slug, "site photo.png", photo);
    assert.equal(up.statusCode, 201, up.body);
    const doc = up.json();
    assert.equal(doc.thumbnail, true);
    assert.equal(doc.badge, "PNG");
    assert.equal(doc.versions[0].thumbnail, true);
    assert.equal(JSON.stringify(doc).includes("thumb_key"), false);

    const portalApi = `/api/portal/${w.ws.slug}/documents/${doc.id}/thumbnail`;
    const portalPage = `/portal/${w.ws.slug}/documents/${doc.id}/thumbnail?version=1`;
    const agentApi = `/api/workspace/companies/${w.companyId}/documents/${doc.id}/thumbnail`;
    const agentPage = `/app/companies/${w.companyId}/documents/${doc.id}/thumbnail?version=1`;
    assertThumbnail(await get(portalApi, w.customer.cookie));
    assertThumbnail(await get(portalPage, w.customer.cookie));
    assertThumbnail(await get(agentApi, w.agent.cookie));
    assertThumbnail(await get(agentPage, w.agent.cookie));

    // Another company's customer, another workspace's agent, a version that does not exist.
    assert.equal((await get(portalApi, w.outsider.cookie)).statusCode, 404);
    assert.equal((await get(portalPage, w.outsider.cookie)).statusCode, 404);
    assert.equal((await get(agentApi, w.elsewhere.agent.cookie)).statusCode, 404);
    assert.equal((await get(agentPage, w.elsewhere.agent.cookie)).statusCode, 404);
    const otherCompany = `/api/workspace/companies/${w.otherId}/documents/${doc.id}/thumbnail`;
    assert.equal((await get(otherCompany, w.agent.cookie)).statusCode, 404);
    assert.equal((await get(`${portalApi}?version=2`, w.customer.cookie)).statusCode, 404);
    assert.equal((await get(`${portalApi}?version=x`, w.customer.cookie)).statusCode, 400);
    assert.equal((await get(portalPage.replace("=1", "=x"), w.customer.cookie)).statusCode, 404);

    // The lists show the thumbnail, never the original, inline.
    const page = await get(`/portal/${w.ws.slug}/documents`, w.customer.cookie);
    assert.match(
      page.body,
      new RegExp(
        `<img class="chip-thumb" src="/portal/${w.ws.slug}/documents/${doc.id}/thumbnail\\?version=1" alt="" width="48" height="48" loading="lazy"`,
      ),
    );
    assert.doesNotMatch(page.body, /<img[^>]+\/download/);
    const home = await get(`/portal/${w.ws.slug}/home`, w.customer.cookie);
    assert.match(home.body, new RegExp(`<img class="chip-thumb" src="[^"]*/documents/${doc.id}/thumbnail`));
    const agentList = await get(`/app/companies/${w.companyId}/documents`, w.agent.cookie);
    assert.match(
      agentList.body,
      new RegExp(
        `<img class="chip-thumb" src="/app/companies/${w.companyId}/documents/${doc.id}/thumbnail\\?version=1"`,
      ),
    );
  });

  test("a draft deliverable's thumbnail is the agents' only, until it is published", async () => {
    const w = await world();
    const up = await agentUpload(w.agent, w.companyId, "floor plan.png", photo);
    assert.equal(up.statusCode, 201, up.body);
    const doc = up.json();
    assert.equal(doc.status, "draft");
    assert.equal(doc.thumbnail, true);
    const portalApi = `/api/portal/${w.ws.slug}/documents/${doc.id}/thumbnail`;
    const portalPage = `/portal/${w.ws.slug}/documents/${doc.id}/thumbnail`;
    assertThumbnail(
      await get(`/api/workspace/companies/${w.companyId}/documents/${doc.id}/thumbnail`, w.agent.cookie),
    );
    const hidden = await get(portalApi, w.customer.cookie);
    assert.equal(hidden.statusCode, 404);
    assert.equal(hidden.json().error.code, "not_found");
    assert.equal((await get(portalPage, w.customer.cookie)).statusCode, 404);

    const pub = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/publish`,
      headers: w.agent.headers,
    });
    assert.equal(pub.statusCode, 200, pub.body);
    assertThumbnail(await get(portalApi, w.customer.cookie));
    assertThumbnail(await get(portalPage, w.customer.cookie));
  });

  test("a new version has its own thumbnail; a PDF after an image shows its badge", async () => {
    const w = await world();
    const doc = (await agentUpload(w.agent, w.companyId, "logo.png", photo, "&publish=true")).json();
    const v2 = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${w.companyId}/documents/${doc.id}/versions?name=logo.pdf`,
      headers: { ...w.agent.headers, "content-type": "application/octet-stream" },
      payload: PDF,
    });
    assert.equal(v2.statusCode, 201, v2.body);
    const now = v2.json();
    assert.equal(now.thumbnail, false);
    assert.equal(now.badge, "PDF");
    assert.deepEqual(
      now.versions.map((v: { thumbnail: boolean; badge: string }) => [v.thumbnail, v.badge]),
      [
        [false, "PDF"],
        [true, "PNG"],
      ],
    );
    const url = `/api/portal/${w.ws.slug}/documents/${doc.id}/thumbnail`;
    assert.equal((await get(url, w.customer.cookie)).statusCode, 404);
    assertThumbnail(await get(`${url}?version=1`, w.customer.cookie));
    const page = await get(`/portal/${w.ws.slug}/documents`, w.customer.cookie);
    assert.match(page.body, /<span class="file-icon icon-pdf" aria-hidden="true">PDF<\/span>/);
  });

  test("an image too large to decode is still uploaded, with its badge instead", async () => {
    const w = await world();
    const up = await customerUpload(w.customer, w.ws.slug, "huge.png", hugePng());
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().thumbnail, false);
    assert.equal(up.json().badge, "PNG");
    const url = `/api/portal/${w.ws.slug}/documents/${up.json().id}/thumbnail`;
    assert.equal((await get(url, w.customer.cookie)).statusCode, 404);
  });
});

describe("document type badges", () => {
  test("a CSV reads CSV on the portal page, the home and in the answers, never Excel", async () => {
    const w = await world();
    const up = await customerUpload(w.customer, w.ws.slug, "figures.csv", CSV);
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().badge, "CSV");
    assert.equal(up.json().contentType, "text/csv");
    assert.equal(up.json().thumbnail, false);
    const badge = /<span class="file-icon icon-sheet" aria-hidden="true">CSV<\/span>/;
    const page = await get(`/portal/${w.ws.slug}/documents`, w.customer.cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, badge);
    assert.doesNotMatch(page.body, />(XLS|Excel)<\/span>/);
    assert.doesNotMatch(page.body, /<img class="chip-thumb"/);
    assert.match((await get(`/portal/${w.ws.slug}/home`, w.customer.cookie)).body, badge);
    assert.match((await get(`/app/companies/${w.companyId}/documents`, w.agent.cookie)).body, badge);

    const list = (await get(`/api/workspace/companies/${w.companyId}/documents`, w.agent.cookie)).json();
    assert.equal(list.documents[0].badge, "CSV");
    assert.equal(list.documents[0].versions[0].badge, "CSV");
    const thumb = `/api/portal/${w.ws.slug}/documents/${up.json().id}/thumbnail`;
    assert.equal((await get(thumb, w.customer.cookie)).statusCode, 404);
  });
});
