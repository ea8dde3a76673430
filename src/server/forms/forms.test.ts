import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type SignedInAgent } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany } from "../test/portal-world.ts";
import { CANARY, FIELDS, portalApi as portalApiOf, taskWithForm as taskOn } from "./forms.test-support.ts";

// Forms through the app: the builder and its versions, a task's form filled on the portal (the
// draft shared by the company's contacts, each field checked on the server, the task moved on,
// the answers on the company with their history), and another company's forms out of reach.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const agentApi = (a: SignedInAgent, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: method === "GET" ? { cookie: a.cookie } : a.headers,
    ...(payload ? { payload } : {}),
  });

const portalApi = (...a: Parameters<typeof portalApiOf> extends [TestEnv, ...infer R] ? R : never) =>
  portalApiOf(t, ...a);

const taskWithForm = (...a: Parameters<typeof taskOn> extends [TestEnv, ...infer R] ? R : never) =>
  taskOn(t, ...a);

async function teamTask(t0 = t.ctx.database.db, id: string) {
  return t0
    .selectFrom("tasks")
    .select(["status", "portal_status", "portal_complete", "completed_at"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

describe("forms", () => {
  test("admins build forms; changed fields make a new version and old answers keep theirs", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const byAgent = await agentApi(agent, "POST", "/forms", { name: "SSO", fields: FIELDS });
    assert.equal(byAgent.statusCode, 403);
    const bad = await agentApi(admin, "POST", "/forms", { name: "SSO", fields: [FIELDS[0], FIELDS[0]] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.fields["fields/1/key"], "is used by another field");
    const created = await agentApi(admin, "POST", "/forms", { name: "SSO", fields: FIELDS });
    assert.equal(created.statusCode, 201, created.body);
    const form = created.json();
    assert.equal(form.version, 1);

    const acme = await makeCompany(t, ws.id, "Acme");
    const mia = await customerIn(t, ws.id, acme, "company", "Mia Manager");
    const taskId = await taskWithForm(ws.id, acme, form.id);
    const sent = await portalApi(mia, ws.slug, "POST", `/tasks/${taskId}/form`, {
      answers: {
        idp_url: "https://idp.acme.test/meta",
        billing: "bills@acme.test",
        plan: "Pro",
        terms: true,
      },
    });
    assert.equal(sent.statusCode, 200, sent.body);

    const renamed = await agentApi(admin, "PATCH", `/forms/${form.id}`, { name: "Single sign-on" });
    assert.equal(renamed.json().version, 1, "a new name is not a new version");
    const changed = await agentApi(admin, "PATCH", `/forms/${form.id}`, {
      fields: [{ key: "domain", label: "Your domain", type: "short_text", required: true }],
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().version, 2);
    const versions = (await agentApi(agent, "GET", `/forms/${form.id}/versions`)).json().items;
    assert.deepEqual(
      versions.map((v: { version: number }) => v.version),
      [2, 1],
    );

    // The answer given on version 1 still reads with version 1's fields.
    const copy = (await portalApi(mia, ws.slug, "GET", `/tasks/${taskId}/form`)).json();
    assert.equal(copy.version, 1);
    assert.equal(copy.fields[0].key, "idp_url");
    assert.equal(copy.answers.idp_url, "https://idp.acme.test/meta");
    const answers = (await agentApi(agent, "GET", `/companies/${acme}/form-responses`)).json().items;
    assert.equal(answers.length, 1);
    assert.equal(answers[0].version, 1);
    assert.equal(answers[0].fields.length, FIELDS.length);
    assert.equal(answers[0].contact.name, "Mia Manager");
  });

  test("each field is checked on the server, its error keyed by the field", async () => {
    const { ws, admin } = await makeTeam(t);
    const form = (await agentApi(admin, "POST", "/forms", { name: "SSO", fields: FIELDS })).json();
    const acme = await makeCompany(t, ws.id, "Acme");
    const otto = await customerIn(t, ws.id, acme, "own", "Otto Own");
    const taskId = await taskWithForm(ws.id, acme, form.id);
    const res = await portalApi(otto, ws.slug, "POST", `/tasks/${taskId}/form`, {
      answers: {
        idp_url: "x".repeat(501),
        billing: "not-an-email",
        seats: 900,
        plan: "Gold",
        go_live: "2030-02-30",
      },
    });
    assert.equal(res.statusCode, 400);
    const err = res.json().error;
    assert.equal(err.code, "validation_failed");
    assert.deepEqual(err.fields, {
      idp_url: "must be at most 500 characters",
      billing: "must be an email address",
      seats: "must be at most 500",
      plan: "must be one of the choices",
      go_live: "must be a date (YYYY-MM-DD)",
      terms: "is required",
    });
    // Lengths count code points: 500 emoji fit.
    const emoji = await portalApi(otto, ws.slug, "POST", `/tasks/${taskId}/form`, {
      answers: { idp_url: "😀".repeat(500), billing: "a@b.test", plan: "Basic", terms: true },
    });
    assert.equal(emoji.statusCode, 200, emoji.body);
  });

  test("a draft saved by one contact is resumed by another; submitting moves the task and sets the company's properties", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const form = (await agentApi(admin, "POST", "/forms", { name: "SSO", fields: FIELDS })).json();
    const acme = await makeCompany(t, ws.id, "Acme");
    const otto = await customerIn(t, ws.id, acme, "own", "Otto Own");
    const cleo = await customerIn(t, ws.id, acme, "own", "Cleo Colleague");
    const taskId = await taskWithForm(ws.id, acme, form.id, { onFormSubmit: "review" });

    const due = (await portalApi(cleo, ws.slug, "GET", "/forms")).json().items;
    assert.deepEqual(
      due.map((d: { taskId: string; started: boolean }) => [d.taskId, d.started]),
      [[taskId, false]],
    );
    const draft = await portalApi(otto, ws.slug, "PUT", `/tasks/${taskId}/form/draft`, {
      answers: { idp_url: "https://idp.acme.test", billing: "half@" },
    });
    assert.equal(draft.statusCode, 200, draft.body);
    assert.equal(draft.json().status, "draft");
    const resumed = (await portalApi(cleo, ws.slug, "GET", `/tasks/${taskId}/form`)).json();
    assert.equal(resumed.answers.idp_url, "https://idp.acme.test");
    assert.equal(resumed.answers.billing, "half@");
    assert.equal((await portalApi(cleo, ws.slug, "GET", "/forms")).json().items[0].started, true);
    assert.equal(JSON.stringify(resumed).includes(CANARY), false);

    const sent = await portalApi(cleo, ws.slug, "POST", `/tasks/${taskId}/form`, {
      answers: { ...resumed.answers, billing: "billing@acme.test", plan: "Pro", terms: true },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.equal(sent.json().status, "submitted");
    assert.equal(JSON.stringify(sent.json()).includes(CANARY), false);
    const task = await teamTask(undefined, taskId);
    assert.equal(task.portal_status, "complete");
    assert.equal(task.status, "review");
    assert.equal(task.completed_at, null);
    assert.ok(task.portal_complete);
    assert.equal((await portalApi(cleo, ws.slug, "GET", "/forms")).json().items.length, 0);
    const teamView = await agentApi(agent, "GET", `/tasks/${taskId}/form`);
    assert.equal(teamView.statusCode, 200, teamView.body);
    assert.equal(teamView.json().answers.billing, "billing@acme.test");
    const again = await portalApi(otto, ws.slug, "POST", `/tasks/${taskId}/form`, { answers: {} });
    assert.equal(again.statusCode, 409);

    const company = (await agentApi(agent, "GET", `/companies/${acme}`)).json();
    assert.deepEqual(company.properties, {
      "IdP metadata URL": "https://idp.acme.test",
      "billing contact": "billing@acme.test",
    });
    const events = await t.ctx.database.db
      .selectFrom("company_events")
      .select(["type", "data", "customer_visible"])
      .where("company_id", "=", acme)
      .execute();
    const submitted = events.find((e) => e.type === "form_submitted");
    assert.ok(submitted && Boolean(submitted.customer_visible));
    assert.deepEqual(JSON.parse(submitted.data), { form: "SSO", task: "Set up single sign-on", taskId });
    assert.equal(submitted.data.includes(CANARY), false);
    const changed = events.filter((e) => e.type === "property_changed");
    assert.equal(changed.length, 2);
    assert.ok(changed.every((e) => !e.customer_visible));
    // A later form updates a property, keeping its history.
    const form2 = (await agentApi(admin, "POST", "/forms", { name: "Billing", fields: [FIELDS[1]] })).json();
    const task2 = await taskWithForm(ws.id, acme, form2.id);
    await portalApi(otto, ws.slug, "POST", `/tasks/${task2}/form`, { answers: { billing: "new@acme.test" } });
    assert.equal((await teamTask(undefined, task2)).status, "done");
    const history = (await agentApi(agent, "GET", `/companies/${acme}/property-history`)).json().items;
    const billing = history.filter((h: { name: string }) => h.name === "billing contact");
    assert.deepEqual(
      billing.map((h: { value: string; by: { name: string } }) => [h.value, h.by.name]),
      [
        ["new@acme.test", "Otto Own"],
        ["billing@acme.test", "Cleo Colleague"],
      ],
    );
  });

  test("only the task's assignee or a manager submits; another company's task form is a 404", async () => {
    const { ws, admin } = await makeTeam(t);
    const form = (await agentApi(admin, "POST", "/forms", { name: "SSO", fields: FIELDS })).json();
    const acme = await makeCompany(t, ws.id, "Acme");
    const beta = await makeCompany(t, ws.id, "Beta");
    const otto = await customerIn(t, ws.id, acme, "own", "Otto Own");
    const cleo = await customerIn(t, ws.id, acme, "own", "Cleo Colleague");
    const mia = await customerIn(t, ws.id, acme, "company", "Mia Manager");
    const ben = await customerIn(t, ws.id, beta, "company", "Ben Beta");
    const taskId = await taskWithForm(ws.id, acme, form.id, { assignee: otto.contactId });
    const ok = { answers: { idp_url: "u", billing: "a@b.test", plan: "Pro", terms: true } };
    assert.equal((await portalApi(cleo, ws.slug, "PUT", `/tasks/${taskId}/form/draft`, ok)).statusCode, 403);
    for (const [method, url] of [
      ["GET", `/tasks/${taskId}/form`],
      ["PUT", `/tasks/${taskId}/form/draft`],
      ["POST", `/tasks/${taskId}/form`],
    ] as const) {
      const res = await portalApi(ben, ws.slug, method, url, method === "GET" ? undefined : ok);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.json().error.code, "not_found");
    }
    assert.equal((await portalApi(mia, ws.slug, "POST", `/tasks/${taskId}/form`, ok)).statusCode, 200);
    // Another workspace's agent reaches neither the form nor the answers.
    const other = await makeTeam(t);
    assert.equal((await agentApi(other.agent, "GET", `/forms/${form.id}`)).statusCode, 404);
    assert.equal((await agentApi(other.agent, "GET", `/tasks/${taskId}/form`)).statusCode, 404);
    const theirs = (await agentApi(other.agent, "GET", `/companies/${acme}/form-responses`)).json().items;
    assert.equal(theirs.length, 0);
    const mine = (await agentApi(admin, "GET", `/companies/${acme}/form-responses`)).json().items;
    assert.equal((await agentApi(other.agent, "GET", `/form-responses/${mine[0].id}`)).statusCode, 404);
  });
});
