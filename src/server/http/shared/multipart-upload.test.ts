import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { customerCsrfTokenFor } from "../../auth/customer-session.service.ts";
import { makeCustomer, makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// A page's multipart upload when things go wrong: a body cut off, a file refused before it is
// read, a client that goes away mid-file. The server answers or closes, never crashes, and
// leaves no file behind.

const BOUNDARY = "----portico-broken-boundary-x81";
const PDF_HEAD = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n";

let t: TestEnv;
let port: number;
before(async () => {
  t = await testEnv();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as net.AddressInfo).port;
});
after(() => t.close());

function head(fields: Record<string, string>, fileName: string) {
  let s = "";
  for (const [k, v] of Object.entries(fields)) {
    s += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  }
  return `${s}--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/pdf\r\n\r\n${PDF_HEAD}`;
}

async function customer() {
  const team = await makeTeam(t);
  const c = await makeCustomer(t, team.ws.id, { company: "Acme" });
  return { url: `/portal/${team.ws.slug}/documents`, cookie: c.cookie, csrf: customerCsrfTokenFor(c.token) };
}

const incoming = () => fs.readdirSync(path.join(t.ctx.config.dataDir, "files-incoming"));
const alive = async () => (await t.app.inject({ method: "GET", url: "/healthz" })).statusCode;

describe("multipart uploads that go wrong", () => {
  test("a body cut off before its end: 400 upload_incomplete, nothing stored", async () => {
    const c = await customer();
    const res = await t.app.inject({
      method: "POST",
      url: c.url,
      headers: { cookie: c.cookie, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      payload: head({ _csrf: c.csrf, title: "Cut" }, "cut.pdf"),
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /interrupted/);
    assert.deepEqual(incoming(), []);
    assert.equal(await alive(), 200);
  });

  test("a file refused before it is read (its name, a failed CSRF check), the body cut off: an answer, no crash", async () => {
    const c = await customer();
    for (const fields of [{ _csrf: c.csrf }, { _csrf: "not-the-token" }]) {
      const res = await t.app.inject({
        method: "POST",
        url: c.url,
        headers: { cookie: c.cookie, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
        payload: head(fields, "a.exe"),
      });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `a 4xx, got ${res.statusCode}`);
    }
    assert.equal(await alive(), 200);
  });

  test("a client gone mid-file: the upload ends, its temporary file is removed", async () => {
    const c = await customer();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      `POST ${c.url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${c.cookie}\r\nSec-Fetch-Site: same-origin\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 10000000\r\n\r\n`,
    );
    socket.write(head({ _csrf: c.csrf, title: "Gone" }, "gone.pdf"));
    socket.write(Buffer.alloc(256 * 1024, 0x20));
    // The server has started sealing the file; then the client disappears.
    for (let i = 0; i < 50 && incoming().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(incoming().length, 1, "the upload was being received");
    socket.destroy();
    for (let i = 0; i < 100 && incoming().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(incoming(), [], "no temporary file is left behind");
    assert.equal(await alive(), 200);
  });
});
