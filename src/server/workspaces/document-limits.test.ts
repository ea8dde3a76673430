import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCustomer, makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { DOCUMENT_FILE_MB_MAX, DOCUMENT_QUOTA_MB_MAX } from "./document-limits.ts";

// Settings → Documents: admins set the largest document file and one company's total; the next
// upload is held to them, with the error naming the file.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("document limits", () => {
  test("admins change them by the API and the settings page; the next upload is held to them", async () => {
    const team = await makeTeam(t);
    const api = (who: { headers: Record<string, string> }, method: "GET" | "PATCH", payload?: object) =>
      t.app.inject({
        method,
        url: "/api/workspace/settings/documents",
        headers: who.headers,
        ...(payload ? { payload } : {}),
      });

    assert.deepEqual((await api(team.agent, "GET")).json(), { maxFileMb: 50, companyQuotaMb: 1024 });
    assert.equal((await api(team.agent, "PATCH", { maxFileMb: 5 })).statusCode, 403);

    const bad = await api(team.admin, "PATCH", { maxFileMb: 0, companyQuotaMb: 99999 });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, "validation_failed");
    assert.deepEqual(Object.keys(bad.json().error.fields).sort(), ["companyQuotaMb", "maxFileMb"]);

    const bigger = await api(team.admin, "PATCH", { maxFileMb: 20, companyQuotaMb: 10 });
    assert.equal(bigger.statusCode, 400);
    assert.match(bigger.json().error.fields.maxFileMb, /company's total/);

    // The largest allowed: a document's summed size stays within a 32-bit integer column.
    for (const [field, value] of [
      ["maxFileMb", DOCUMENT_FILE_MB_MAX + 1],
      ["companyQuotaMb", DOCUMENT_QUOTA_MB_MAX + 1],
    ] as const) {
      const over = await api(team.admin, "PATCH", { [field]: value });
      assert.equal(over.statusCode, 400, `${field} ${value}`);
      assert.ok(over.json().error.fields[field]);
    }
    assert.ok(DOCUMENT_QUOTA_MB_MAX * 1024 * 1024 < 2 ** 31);
    const most = { maxFileMb: 1000, companyQuotaMb: 1024 };
    assert.deepEqual((await api(team.admin, "PATCH", most)).json(), most);

    const ok = await api(team.admin, "PATCH", { maxFileMb: 1, companyQuotaMb: 3 });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { maxFileMb: 1, companyQuotaMb: 3 });

    // A 2 MB file is now too large, and the refusal names it.
    const customer = await makeCustomer(t, team.ws.id, { company: "Umbrella" });
    const big = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    const up = await t.app.inject({
      method: "POST",
      url: `/api/workspace/companies/${customer.companyId}/documents?name=huge.pdf&title=Huge`,
      headers: { ...team.admin.headers, "content-type": "application/octet-stream" },
      payload: big,
    });
    assert.equal(up.statusCode, 413);
    assert.equal(up.json().error.code, "document_too_large");
    assert.match(up.json().error.message, /huge\.pdf/);

    // The settings page: a bad value comes back beside its field, a good one is saved.
    const page = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: "/app/settings/documents",
        headers: { cookie: team.admin.cookie, ...FORM },
        payload: new URLSearchParams({ _csrf: team.admin.csrf, ...fields }).toString(),
      });
    const wrong = await page({ maxFileMb: "lots", companyQuotaMb: "100" });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="maxFileMb-error"/);
    assert.match(wrong.body, /value="lots"/);
    const saved = await page({ maxFileMb: "25", companyQuotaMb: "500" });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, "/app/settings?saved=documents#documents");
    assert.deepEqual((await api(team.agent, "GET")).json(), { maxFileMb: 25, companyQuotaMb: 500 });
    const shown = await t.app.inject({
      method: "GET",
      url: "/app/settings",
      headers: { cookie: team.agent.cookie },
    });
    assert.match(shown.body, /id="maxFileMb"[^>]*value="25"[^>]*disabled/);
  });
});
