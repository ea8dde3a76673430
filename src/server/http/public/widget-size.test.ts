import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The floating widget's size budgets, on the bytes the app serves (sizes, not timings: the same
// every run; bench/widget-size.ts reports them): the loader every page of a customer's site loads
// under 5 KB gzip, the panel's first load (its HTML, script and stylesheet) under 40 KB gzip.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

test("the loader is under 5 KB gzip and the panel's first load under 40 KB gzip", async () => {
  const team = await makeTeam(t);
  const get = async (url: string) => {
    const res = await t.app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    return res.rawPayload;
  };
  const gz = (b: Buffer) => gzipSync(b).length;
  const loader = await get(`/portal/${team.ws.slug}/widget.js`);
  assert.ok(gz(loader) < 5 * 1024, `loader ${gz(loader)} B gzip`);
  const panel = await get(`/portal/${team.ws.slug}/widget`);
  const assets = [...panel.toString("utf8").matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    assets.map((a) => a?.split("?")[0]),
    ["/assets/widget.css", "/assets/widget.js"],
    "the panel loads its own two files and nothing else",
  );
  let total = gz(panel);
  for (const a of assets) total += gz(await get(a as string));
  assert.ok(total < 40 * 1024, `panel's first load ${total} B gzip`);
});
