import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openPreSessionForm } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// First run's refused form: every problem at once, in the order of the fields, each linked to
// its field (the browser test, e2e/polish.test.ts, checks the focus).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FIELDS = ["name", "slug", "admin.name", "admin.email", "admin.password"] as const;

const post = async (values: Partial<Record<(typeof FIELDS)[number], string>>) => {
  const setup = await openPreSessionForm(t, "/setup");
  return t.app.inject({
    method: "POST",
    url: "/setup",
    headers: setup.headers,
    payload: new URLSearchParams({ _csrf: setup.csrf, ...values }).toString(),
  });
};
const summaryLinks = (body: string) => {
  const summary = body.match(/<div class="error-summary"[\s\S]*?<\/div>/)?.[0] ?? "";
  return [...summary.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
};

describe("the first-run form refused", () => {
  test("an empty form lists all five problems, top to bottom, each linked to its field", async () => {
    const res = await post({});
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<div class="error-summary" role="alert" tabindex="-1"/);
    assert.match(res.body, /There are 5 problems/);
    assert.deepEqual(summaryLinks(res.body), [
      ["name", "Company or team name is required"],
      ["slug", "Portal address is required"],
      ["admin-name", "Your name is required"],
      ["admin-email", "Your email must be a valid email address"],
      ["admin-password", "Password is required"],
    ]);
    for (const id of ["name", "slug", "admin-name", "admin-email", "admin-password"]) {
      assert.match(res.body, new RegExp(`<input id="${id}"[^>]*aria-invalid="true"`), id);
    }
    assert.equal((await t.ctx.database.db.selectFrom("workspaces").select("id").execute()).length, 0);
  });

  test("a bad slug and a short password are reported together, in field order", async () => {
    const res = await post({
      name: "Acme",
      slug: "Not A Slug!",
      "admin.name": "Ada",
      "admin.email": "ada@acme.test",
      "admin.password": "short",
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      summaryLinks(res.body).map(([id]) => id),
      ["slug", "admin-password"],
    );
    assert.match(res.body, /<input id="name"[^>]*value="Acme"/, "nothing typed is lost");
  });
});
