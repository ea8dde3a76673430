import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemActor } from "../actors.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { importsWritableBy } from "./import.access.ts";
import { sweepImports } from "./import.service.ts";

// The file's data is kept only as long as needed: a preview never imported is forgotten after a
// day, and an import a stopped process left "running" is marked failed (nothing was imported).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const API = "/api/workspace/imports";
const sweeper = systemActor("contact import sweep");

test("previews are forgotten after a day; an import cut off by a stopped process is marked failed", async () => {
  const team = await makeTeam(t);
  const upload = async () => {
    const res = await t.app.inject({
      method: "POST",
      url: API,
      headers: team.admin.headers,
      payload: { fileName: "a.csv", csv: "Email\nx@y.test\n" },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const get = (id: string) => t.app.inject({ url: `${API}/${id}`, headers: team.admin.headers });
  const old = await upload();
  const cutOff = await upload();
  // As a process that stopped mid-import leaves it: claimed, its transaction never committed.
  await importsWritableBy(t.ctx.database.db, sweeper)
    .set({ status: "running" })
    .where("id", "=", cutOff)
    .execute();

  await sweepImports(t.ctx, sweeper);
  assert.equal((await get(old)).statusCode, 200, "a fresh preview stays");
  assert.equal((await get(cutOff)).json().status, "running", "a recent import may still be running");

  t.advance(25 * 60 * 60 * 1000);
  const fresh = await upload();
  await sweepImports(t.ctx, sweeper);
  assert.equal((await get(old)).statusCode, 404);
  assert.equal((await get(fresh)).statusCode, 200);
  const failed = (await get(cutOff)).json();
  assert.equal(failed.status, "failed");
  assert.match(failed.failure, /nothing was imported/);
  assert.deepEqual(failed.preview, [], "its rows are gone");
});
