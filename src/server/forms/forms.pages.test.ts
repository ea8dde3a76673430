import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SignedInAgent } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import type { PortalCustomer } from "../test/portal-world.ts";
import { CANARY, FIELDS, formTaskWorld } from "./forms.test-support.ts";

// A task's form on the portal's pages (without JavaScript): the home lists it, "Save for later"
// keeps a draft another contact continues, errors show beside their fields, "Submit" sends and
// shows a copy; another company's task form is a 404 page. And the builder's pages for agents.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const post = (c: PortalCustomer, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams({ _csrf: c.csrf });
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return t.app.inject({
    method: "POST",
    url,
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: body.toString(),
  });
};

const agentPost = (a: SignedInAgent, url: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: a.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: a.csrf, ...fields }).toString(),
  });

const world = () => formTaskWorld(t, "Single sign-on", FIELDS);

describe("forms on the portal's pages", () => {
  test("save for later, continue on another contact's device, fix the errors, submit, see the copy", async () => {
    const w = await world();
    const home = await w.otto.get(`/portal/${w.ws.slug}/home`);
    assert.match(home.body, /Single sign-on/);
    assert.match(home.body, />Start</);
    const page = await w.otto.get(w.url);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="q_idp_url"><bdi>IdP metadata URL<\/bdi><\/label>/);
    assert.match(page.body, /name="_csrf"/);
    assert.match(page.body, /Save for later/);
    assert.equal(page.body.includes(CANARY), false);

    const saved = await post(w.otto, w.url, {
      action: "save",
      q_idp_url: "https://idp.acme.test",
      q_plan: "Pro",
    });
    assert.equal(saved.statusCode, 303);
    assert.match((await w.cleo.get(`/portal/${w.ws.slug}/home`)).body, />Continue</);
    const resumed = await w.cleo.get(w.url);
    assert.match(resumed.body, /value="https:\/\/idp.acme.test"/);
    assert.match(resumed.body, /value="Pro" checked/);

    const bad = await post(w.cleo, w.url, {
      action: "submit",
      q_idp_url: "https://idp.acme.test",
      q_billing: "nope",
      q_plan: "Pro",
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="q_billing-error"[^>]*>.*Billing contact must be an email address/);
    assert.match(bad.body, /id="q_terms-error"[^>]*>.*I accept the terms is required/);
    assert.match(bad.body, /aria-invalid="true"/);
    assert.match(bad.body, /value="nope"/, "what was typed stays");

    const sent = await post(w.cleo, w.url, {
      action: "submit",
      q_idp_url: "https://idp.acme.test",
      q_billing: "billing@acme.test",
      q_plan: "Pro",
      q_terms: "1",
    });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `${w.url}/copy`);
    const copy = await w.cleo.get(`${w.url}/copy`);
    assert.equal(copy.statusCode, 200);
    assert.match(copy.body, /billing@acme.test/);
    assert.equal(copy.body.includes(CANARY), false);
    assert.equal((await w.otto.get(w.url)).statusCode, 303, "a sent form shows its copy");
    assert.match((await w.otto.get(`/portal/${w.ws.slug}/home`)).body, /No forms to complete/);

    // The company page shows the answers as properties, with who gave them.
    const company = await t.app.inject({
      url: `/app/companies/${w.acme}`,
      headers: { cookie: w.agent.cookie },
    });
    assert.match(company.body, /id="properties"/);
    assert.match(company.body, /IdP metadata URL/);
    assert.match(company.body, /Cleo Colleague/);
  });

  test("another company's task form and copy are 404 pages", async () => {
    const w = await world();
    for (const url of [w.url, `${w.url}/copy`]) {
      const res = await w.ben.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.body.includes("Single sign-on"), false);
    }
    const res = await post(w.ben, w.url, { action: "save", q_idp_url: "x" });
    assert.equal(res.statusCode, 404);
    // Assigned to Otto: Cleo reads it but neither saves nor sends it.
    await t.ctx.database.db
      .updateTable("tasks")
      .set({ portal_assignee_contact_id: w.otto.contactId })
      .where("id", "=", w.taskId)
      .execute();
    const read = await w.cleo.get(w.url);
    assert.match(read.body, /assigned to a colleague/);
    assert.equal(read.body.includes("Save for later"), false);
    assert.equal((await post(w.cleo, w.url, { action: "save", q_idp_url: "x" })).statusCode, 403);
  });

  test("admins build a form on its page: add, move, remove fields, with a preview and the version", async () => {
    const w = await world();
    const list = await t.app.inject({ url: "/app/forms", headers: { cookie: w.agent.cookie } });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Single sign-on/);
    const blank = await agentPost(w.admin, "/app/forms", { name: " ", requestType: "" });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /id="name-error"/);
    const created = await agentPost(w.admin, "/app/forms", { name: "Billing details", requestType: "" });
    assert.equal(created.statusCode, 303, created.body);
    const formUrl = created.headers.location?.split("?")[0] as string;
    const add = (label: string, type: string, extra: Record<string, string> = {}) =>
      agentPost(w.admin, `${formUrl}/fields`, { label, type, required: "1", ...extra });
    assert.equal((await add("Billing contact", "email", { property: "billing contact" })).statusCode, 303);
    assert.equal((await add("Plan", "single_choice", { options: "Basic\nPro" })).statusCode, 303);
    const noChoices = await add("Size", "single_choice");
    assert.equal(noChoices.statusCode, 400);
    assert.match(noChoices.body, /must list at least one choice/);
    assert.match(noChoices.body, /href="#new-options"/, "the summary links to the field");
    const moved = await agentPost(w.admin, `${formUrl}/fields/1/up`, {});
    assert.equal(moved.statusCode, 303);
    const page = await t.app.inject({ url: formUrl, headers: { cookie: w.admin.cookie } });
    assert.match(page.body, /Version 4/, "created empty, two fields added, one moved");
    assert.ok(page.body.indexOf("q_plan") < page.body.indexOf("q_billing_contact"), "Plan moved up");
    assert.match(
      page.body,
      /<label for="q_billing_contact"><bdi>Billing contact<\/bdi><\/label>/,
      "the preview",
    );
    assert.equal((await agentPost(w.admin, `${formUrl}/fields/0/delete`, {})).statusCode, 303);
    const after1 = await t.app.inject({ url: formUrl, headers: { cookie: w.admin.cookie } });
    assert.equal(after1.body.includes("q_plan"), false);
    assert.match(after1.body, /Version 5/);
    assert.equal(
      (await agentPost(w.agent, `${formUrl}/fields`, { label: "X", type: "short_text" })).statusCode,
      403,
    );
  });
});
