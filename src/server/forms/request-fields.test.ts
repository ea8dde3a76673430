import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type SignedInAgent } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// A request type's form on the public submit form: its fields shown, checked on the server (the
// error beside its field), kept on the ticket, shown to agents and filtered on in the queue; one
// live form per type; another workspace's agents never filter into these tickets.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FIELDS = [
  { key: "plan", label: "Your plan", type: "single_choice", required: true, options: ["Basic", "Pro"] },
  { key: "version", label: "App version", type: "short_text", required: false, maxLength: 20 },
];

async function bugForm(admin: SignedInAgent) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/workspace/forms",
    headers: admin.headers,
    payload: { name: "Bug details", requestType: "Bug Report", fields: FIELDS },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string };
}

const submit = (slug: string, payload: object) =>
  t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/tickets`,
    payload: { name: "Casey", email: "casey@customer.test", subject: "It crashes", ...payload },
  });

const postPage = (slug: string, fields: Record<string, string>) =>
  t.app.inject({
    method: "POST",
    url: `/portal/${slug}/submit`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      name: "Casey",
      email: "casey@customer.test",
      subject: "It crashes",
      ...fields,
    }).toString(),
  });

describe("a request type's extra fields", () => {
  test("on the API: checked per field, kept on the ticket, filterable in the queue", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    await bugForm(admin);
    const taken = await t.app.inject({
      method: "POST",
      url: "/api/workspace/forms",
      headers: admin.headers,
      payload: { name: "Another", requestType: "Bug Report" },
    });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, "request_type_taken");

    const bad = await submit(ws.slug, { type: "Bug Report", fields: { plan: "Gold" } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().error.fields, { "fields.plan": "must be one of the choices" });
    // Another type has no extra fields: nothing asked.
    assert.equal((await submit(ws.slug, { type: "General Inquiry" })).statusCode, 201);

    const pro = await submit(ws.slug, { type: "Bug Report", fields: { plan: "Pro", version: "2.1" } });
    assert.equal(pro.statusCode, 201, pro.body);
    const basic = await submit(ws.slug, { type: "Bug Report", fields: { plan: "Basic" } });
    assert.equal(basic.statusCode, 201);

    const queue = await t.app.inject({
      url: "/api/workspace/tickets?status=open&field=plan:Pro",
      headers: { cookie: agent.cookie },
    });
    assert.equal(queue.statusCode, 200, queue.body);
    assert.deepEqual(
      queue.json().items.map((i: { reference: string }) => i.reference),
      [pro.json().reference],
    );
    const page = await t.app.inject({
      url: `/app/tickets/${pro.json().reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(page.body, /Request details/);
    assert.match(page.body, /Your plan/);
    assert.match(page.body, /2\.1/);
    const queuePage = await t.app.inject({
      url: "/app?field=plan%3ABasic&status=any",
      headers: { cookie: agent.cookie },
    });
    assert.match(queuePage.body, new RegExp(basic.json().reference));
    assert.equal(queuePage.body.includes(pro.json().reference), false);

    // Another workspace's agent filters into nothing of this one.
    const other = await makeTeam(t);
    const theirs = await t.app.inject({
      url: "/api/workspace/tickets?field=plan:Pro",
      headers: { cookie: other.agent.cookie },
    });
    assert.equal(theirs.statusCode, 200, theirs.body);
    assert.deepEqual(theirs.json().items, []);
  });

  test("a file field takes an upload key, attached to the request like any file", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/forms",
      headers: admin.headers,
      payload: {
        name: "Logs",
        requestType: "Support Request",
        fields: [{ key: "log", label: "Log file", type: "file", required: true }],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const missing = await submit(ws.slug, { type: "Support Request" });
    assert.deepEqual(missing.json().error.fields, { "fields.log": "is required" });
    const unknown = await submit(ws.slug, {
      type: "Support Request",
      fields: { log: "not-a-real-upload-key-123" },
    });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.fields["fields.log"], /not found/);
    const up = await t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${ws.slug}&name=app.log`,
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("line one\nline two\n"),
    });
    assert.equal(up.statusCode, 201, up.body);
    const ok = await submit(ws.slug, { type: "Support Request", fields: { log: up.json().key } });
    assert.equal(ok.statusCode, 201, ok.body);
    const ticket = await t.app.inject({
      url: `/api/workspace/tickets/${ok.json().reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(ticket.body, /app\.log/);
  });

  test("on the submit page: the type's fields shown, the error beside its field, the answer kept", async () => {
    const { ws, admin } = await makeTeam(t);
    await bugForm(admin);
    const form = await t.app.inject({ url: `/portal/${ws.slug}/submit` });
    assert.match(form.body, /data-request-type="Bug Report"/);
    assert.match(form.body, /Your plan/);
    const bad = await postPage(ws.slug, { type: "Bug Report", q_t2__version: "1.0" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="q_t2__plan-error"[^>]*>.*Your plan is required/);
    assert.match(bad.body, /value="1.0"/);
    assert.match(bad.body, /Some answers below need attention/);
    assert.equal(bad.body.includes("fields.plan"), false);
    const ok = await postPage(ws.slug, { type: "Bug Report", q_t2__plan: "Pro" });
    assert.equal(ok.statusCode, 200, ok.body.slice(0, 500));
  });
});
