import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formTaskWorld, portalApi } from "../forms/forms.test-support.ts";
import { surveyWorld } from "../surveys/surveys.test-support.ts";
import { makeTeam, type SignedInAgent, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { webhookWorld } from "./webhook.test-support.ts";

// Settings → Webhooks without JavaScript (forms, errors beside their fields, the secret on the
// page answering the POST), and the events a ticket, a survey and a form queue for the endpoints
// listening, each through the real app.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const { api, add, rowsOf } = webhookWorld(() => t);

describe("the settings pages, without JavaScript", () => {
  const post = (who: SignedInAgent, url: string, fields: [string, string][]) =>
    t.app.inject({
      method: "POST",
      url,
      headers: { cookie: who.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams([["_csrf", who.csrf], ...fields]).toString(),
    });

  it("adds an endpoint (errors beside their fields), shows its secret once, tests, pauses and deletes it", async () => {
    const { admin } = await makeTeam(t);
    const refused = await post(admin, "/app/settings/webhooks", [
      ["name", "Internal"],
      ["url", "http://127.0.0.1:9000/hook"],
      ["format", "json"],
      ["events", "ticket.created"],
    ]);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="url-error"/);
    assert.match(refused.body, /must be a public address/);
    assert.match(refused.body, /value="http:\/\/127\.0\.0\.1:9000\/hook"/);
    const noEvents = await post(admin, "/app/settings/webhooks", [
      ["name", "None"],
      ["url", "https://hooks.example.com/a"],
    ]);
    assert.equal(noEvents.statusCode, 400);
    assert.match(noEvents.body, /id="events-error"/);

    const made = await post(admin, "/app/settings/webhooks", [
      ["name", "Ops"],
      ["url", "https://hooks.example.com/ops"],
      ["format", "json"],
      ["events", "ticket.created"],
      ["events", "ticket.resolved"],
    ]);
    assert.equal(made.statusCode, 201, made.body.slice(0, 500));
    const secret = /id="webhook-secret"[^>]*value="(whsec_[^"]+)"/.exec(made.body)?.[1];
    assert.match(String(made.headers["cache-control"]), /no-store/);
    assert.ok(secret, "the secret is on the page answering the POST");
    const list = (await api(admin, "GET", "/webhooks")).json().items as { id: string; events: string[] }[];
    const id = list[0]?.id as string;
    assert.deepEqual(list[0]?.events, ["ticket.created", "ticket.resolved"]);
    const again = await t.app.inject({
      url: `/app/settings/webhooks/${id}`,
      headers: { cookie: admin.cookie },
    });
    assert.ok(!again.body.includes(secret));

    const tested = await post(admin, `/app/settings/webhooks/${id}/test`, []);
    assert.equal(tested.statusCode, 303);
    const log = await t.app.inject({
      url: tested.headers.location as string,
      headers: { cookie: admin.cookie },
    });
    assert.match(log.body, /Test event queued/);
    assert.match(log.body, /webhook\.ping/);

    const paused = await post(admin, `/app/settings/webhooks/${id}/state`, [["state", "paused"]]);
    assert.equal(paused.statusCode, 303);
    assert.equal((await api(admin, "GET", `/webhooks/${id}`)).json().state, "paused");
    const deleted = await post(admin, `/app/settings/webhooks/${id}/delete`, []);
    assert.equal(deleted.statusCode, 303);
    assert.equal((await api(admin, "GET", `/webhooks/${id}`)).statusCode, 404);
    assert.deepEqual(await rowsOf(id), [], "its log goes with it");
  });

  it("links the page from the settings for admins only", async () => {
    const { admin, agent } = await makeTeam(t);
    const link = /href="\/app\/settings\/webhooks"/;
    const forAdmin = await t.app.inject({ url: "/app/settings", headers: { cookie: admin.cookie } });
    assert.match(forAdmin.body, link);
    const forAgent = await t.app.inject({ url: "/app/settings", headers: { cookie: agent.cookie } });
    assert.equal(forAgent.statusCode, 200);
    assert.doesNotMatch(forAgent.body, link);
  });

  it("turning a disabled endpoint on again clears its reason and failing streak", async () => {
    const { admin } = await makeTeam(t);
    const made = await add(admin);
    await t.ctx.database.db
      .updateTable("webhook_endpoints")
      .set({
        state: "disabled",
        disabled_reason: "Failing for 3 days",
        failing_since: t.ctx.now().toISOString(),
      })
      .where("id", "=", made.webhook.id)
      .execute();
    const page = await t.app.inject({ url: "/app/settings/webhooks", headers: { cookie: admin.cookie } });
    assert.match(page.body, /Disabled/);
    assert.match(page.body, /Failing for 3 days/);
    const on = await post(admin, `/app/settings/webhooks/${made.webhook.id}/state`, [["state", "active"]]);
    assert.equal(on.statusCode, 303);
    const w = (await api(admin, "GET", `/webhooks/${made.webhook.id}`)).json();
    assert.deepEqual([w.state, w.disabledReason, w.failingSince], ["active", null, null]);
  });
});

describe("events queued for the endpoints listening", () => {
  it("a request opened, replied to by both sides and resolved, through the API", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const all = await add(admin, {
      events: [
        "ticket.created",
        "ticket.customer_replied",
        "ticket.agent_replied",
        "ticket.resolved",
        "ticket.status_changed",
      ],
    });
    const createdOnly = await add(admin, { name: "New ones", events: ["ticket.created"] });
    const paused = await add(admin, { name: "Paused", events: ["ticket.created"] });
    await api(admin, "PATCH", `/webhooks/${paused.webhook.id}`, { state: "paused" });

    const s = await submitTicket(t, ws.slug, { subject: "Webhook me" });
    const reply = await api(agent, "POST", `/tickets/${s.reference}/replies`, { body: "On it." });
    assert.equal(reply.statusCode, 201, reply.body);
    const back = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "Thanks!" },
    });
    assert.ok(back.statusCode < 300, back.body);
    const resolved = await api(agent, "POST", `/tickets/${s.reference}/resolve`, { resolution: "Done." });
    assert.equal(resolved.statusCode, 200, resolved.body);

    const events = (await rowsOf(all.webhook.id)).map((r) => r.event);
    for (const e of [
      "ticket.created",
      "ticket.agent_replied",
      "ticket.customer_replied",
      "ticket.resolved",
    ]) {
      assert.ok(events.includes(e), `${e} in ${events.join(", ")}`);
    }
    assert.deepEqual(
      (await rowsOf(createdOnly.webhook.id)).map((r) => r.event),
      ["ticket.created"],
    );
    assert.deepEqual(await rowsOf(paused.webhook.id), []);
  });

  it("a survey answered: its kind, score, comment, contact and ticket", async () => {
    const { resolvedWithLink } = surveyWorld(() => t);
    const local = await makeTeam(t);
    const hook = await add(local.admin, { events: ["survey.answered"] });
    const { link, s } = await resolvedWithLink(local);
    const res = await t.app.inject({
      method: "POST",
      url: link,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ score: "2", comment: "Slow answer" }).toString(),
    });
    assert.ok(res.statusCode < 400, res.body);
    const rows = await rowsOf(hook.webhook.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.event, "survey.answered");
    assert.ok(rows[0]?.ticket_id);
    const data = JSON.parse(rows[0]?.data ?? "{}");
    assert.equal(data.survey.kind, "csat");
    assert.equal(data.survey.score, 2);
    assert.equal(data.survey.comment, "Slow answer");
    assert.equal(data.ticketReference, s.reference);
    assert.match(data.contact.email, /@customer\.test$/);
  });

  it("a task's form and a request form submitted: the form, the response and who, no answers", async () => {
    const world = await formTaskWorld(t, "Security review", [
      { key: "note", label: "Note", type: "short_text", required: false, maxLength: 100 },
    ]);
    const hook = await add(world.admin, { events: ["form.submitted"] });
    const sent = await portalApi(t, world.otto, world.ws.slug, "POST", `/tasks/${world.taskId}/form`, {
      answers: { note: "ANSWER-CANARY-31" },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    let rows = await rowsOf(hook.webhook.id);
    assert.equal(rows.length, 1);
    const data = JSON.parse(rows[0]?.data ?? "{}");
    assert.equal(data.form.id, world.form.id);
    assert.equal(data.form.name, "Security review");
    assert.ok(data.response.id);
    assert.equal(data.contact.name, "Otto Own");
    assert.equal(data.company.name, "Acme");
    assert.ok(!rows[0]?.data.includes("ANSWER-CANARY-31"));

    const bug = await api(world.admin, "POST", "/forms", {
      name: "Bug details",
      requestType: "Bug Report",
      fields: [{ key: "version", label: "Version", type: "short_text", required: false, maxLength: 20 }],
    });
    assert.equal(bug.statusCode, 201, bug.body);
    const s = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${world.ws.slug}/tickets`,
      payload: {
        name: "Casey",
        email: "casey@customer.test",
        subject: "Crash",
        type: "Bug Report",
        fields: { version: "2.1" },
      },
    });
    assert.equal(s.statusCode, 201, s.body);
    rows = await rowsOf(hook.webhook.id);
    assert.equal(rows.length, 2);
    const request = rows.find((r) => r.ticket_id !== null);
    const reqData = JSON.parse(request?.data ?? "{}");
    assert.equal(reqData.form.name, "Bug details");
    assert.equal(reqData.ticketReference, s.json().reference);
    assert.equal(reqData.contact.email, "casey@customer.test");
  });
});
