import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";
import { FIELDS, taskWithForm } from "./forms.test-support.ts";

// What a customer may not do with a task's form: answer the team's own task, learn which company
// property an answer sets, or leave two answers for one task by sending twice at once.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const ANSWERS = {
  idp_url: "https://idp.acme.test/meta",
  billing: "billing@acme.test",
  plan: "Pro",
  terms: true,
};

async function world() {
  const team = await makeTeam(t);
  const acme = await makeCompany(t, team.ws.id, "Acme");
  const mia = await customerIn(t, team.ws.id, acme, "company", "Mia Manager");
  const form = await t.app.inject({
    method: "POST",
    url: "/api/workspace/forms",
    headers: team.admin.headers,
    payload: { name: "Single sign-on", fields: FIELDS },
  });
  assert.equal(form.statusCode, 201, form.body);
  const taskId = await taskWithForm(t, team.ws.id, acme, form.json().id);
  const api = (method: "GET" | "PUT" | "POST", path: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/portal/${team.ws.slug}/tasks/${taskId}/form${path}`,
      headers: method === "GET" ? { cookie: mia.cookie } : mia.headers,
      ...(payload ? { payload } : {}),
    });
  return { team, acme, mia, taskId, api };
}

describe("a task's form, guarded", () => {
  test("the team's own task: readable, never answered by a customer, and it does not move", async () => {
    const w = await world();
    await t.ctx.database.db
      .updateTable("tasks")
      .set({ actor: "team", status: "blocked" })
      .where("id", "=", w.taskId)
      .execute();
    const view = await w.api("GET", "");
    assert.equal(view.statusCode, 200);
    assert.equal(view.json().mayAnswer, false);
    assert.equal((await w.api("POST", "", { answers: ANSWERS })).statusCode, 403);
    assert.equal((await w.api("PUT", "/draft", { answers: ANSWERS })).statusCode, 403);
    const task = await t.ctx.database.db
      .selectFrom("tasks")
      .select(["status", "portal_status"])
      .where("id", "=", w.taskId)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...task }, { status: "blocked", portal_status: "not_started" });
    const company = await t.ctx.database.db
      .selectFrom("companies")
      .select("properties")
      .where("id", "=", w.acme)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(company.properties), {});
  });

  test("a customer reads the fields without the company properties they set; the team reads them", async () => {
    const w = await world();
    const view = await w.api("GET", "");
    assert.equal(view.statusCode, 200);
    assert.doesNotMatch(view.body, /"property"/);
    assert.doesNotMatch(view.body, /billing contact/);
    const team = await t.app.inject({
      method: "GET",
      url: `/api/workspace/tasks/${w.taskId}/form`,
      headers: { cookie: w.team.agent.cookie },
    });
    assert.equal(team.statusCode, 200);
    assert.match(team.body, /"property":"billing contact"/);
  });

  test("two sends at once: one answer for the task, sent once", async () => {
    const w = await world();
    const [a, b] = await Promise.all([
      w.api("POST", "", { answers: ANSWERS }),
      w.api("POST", "", { answers: ANSWERS }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
    const rows = await t.ctx.database.db
      .selectFrom("form_responses")
      .select(["status"])
      .where("task_id", "=", w.taskId)
      .execute();
    assert.deepEqual(
      rows.map((r) => r.status),
      ["submitted"],
    );
    const changes = await t.ctx.database.db
      .selectFrom("company_property_changes")
      .select("name")
      .where("company_id", "=", w.acme)
      .execute();
    assert.equal(changes.length, 2, "each property set once");
  });
});
