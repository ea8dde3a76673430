import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { escapeHtml } from "../web/html.ts";

// A name or subject with an unclosed right-to-left override ("Support Team\u202Eevil") would
// reorder whatever follows it on the line. Wherever one is shown inside our own text it is
// isolated (<bdi>); where text cannot isolate (an email's text and subject, a page's <title>)
// the controls that open a scope are left out. What was typed is kept as typed.

const NAME = "Support Team\u202Eevil";
const SUBJECT = "Refund \u2067fdp.exe";
const SCOPED = /[\u202A-\u202E\u2066-\u2069]/;

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

/** Every scoped bidi control of the markup stands inside a <bdi>, and the names are there. */
function assertIsolated(markup: string, where: string, names = [NAME, SUBJECT]) {
  for (const name of names) {
    assert.ok(markup.includes(`<bdi>${escapeHtml(name)}</bdi>`), `${where}: ${name} isolated`);
  }
  const outside = markup.replace(/<bdi>[^<]*<\/bdi>/g, "");
  assert.doesNotMatch(outside, SCOPED, `${where}: no bidi control outside <bdi>`);
  assert.doesNotMatch(/<title>[^<]*<\/title>/.exec(markup)?.[0] ?? "", SCOPED, `${where}: <title>`);
}

test("a customer's name and subject are isolated in the app, the portal and the emails", async () => {
  const { ws, admin } = await makeTeam(t);
  const s = await submitTicket(t, ws.slug, { name: NAME, subject: SUBJECT, email: "rlo@customer.test" });
  const reply = await t.app.inject({
    method: "POST",
    url: `/api/public/portals/${ws.slug}/tickets/${s.reference}/replies?t=${encodeURIComponent(s.token)}`,
    payload: { body: "Any news?" },
  });
  assert.equal(reply.statusCode, 201, reply.body);

  const get = async (url: string, cookie = admin.cookie) => {
    const res = await t.app.inject({ url, headers: { cookie } });
    assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
    return res;
  };
  const detail = (await get(`/api/workspace/tickets/${s.reference}`)).json();
  assert.equal(detail.contact.name, NAME, "stored and answered as typed");
  assert.equal(detail.subject, SUBJECT);

  assertIsolated((await get("/app")).body, "the queue");
  assertIsolated((await get("/app?part=rows")).body, "the queue's rows");
  assertIsolated((await get(`/app/tickets/${s.reference}`)).body, "the ticket");
  assertIsolated((await get(`/app/tickets/${s.reference}?part=live`)).body, "the ticket's live part", [NAME]);
  assertIsolated((await get("/app/contacts")).body, "the contacts", [NAME]);
  assertIsolated((await get("/app/notifications")).body, "the notifications");
  assertIsolated((await get(`/app/contacts/${detail.contact.id}`)).body, "the contact");
  // The tracking page as the link leaves it: its token in the ticket's cookie.
  const tracking = `/portal/${ws.slug}/tickets/${s.reference}`;
  const holder = `portico_track=${s.token}`;
  assertIsolated((await get(tracking, holder)).body, "the tracking page");
  assertIsolated((await get(`${tracking}?part=live`, holder)).body, "the tracking page's live part", [NAME]);

  const emails = ((await get("/api/workspace/outbox")).json().items as { id: string; kind: string }[]).filter(
    (e) => e.kind !== "agent_invitation",
  );
  const kinds = emails.map((e) => e.kind).sort();
  assert.deepEqual(kinds, [
    "agent_customer_reply",
    "agent_customer_reply",
    "agent_new_ticket",
    "agent_new_ticket",
    "ticket_confirmation",
  ]);
  for (const e of emails) {
    const page = (await get(`/app/outbox/${e.id}`)).body;
    const text = /<pre class="mail-text">([^<]*)<\/pre>/.exec(page)?.[1] ?? "";
    assert.ok(text.length > 50, `${e.kind}: its text`);
    assert.doesNotMatch(text, SCOPED, `${e.kind}: no bidi control in the plain text`);
    assert.match(text, /Support Teamevil|Refund fdp\.exe/, `${e.kind}: the name or subject, without them`);
    const subject = /<h1><bdi>([^<]*)<\/bdi><\/h1>/.exec(page)?.[1] ?? "";
    assert.match(subject, /Refund fdp\.exe/, `${e.kind}: the subject header`);
    const markup = (await get(`/app/outbox/${e.id}/html`)).body;
    assert.doesNotMatch(markup, SCOPED, `${e.kind}: no bidi control in the HTML`);
    assert.match(markup, /<bdi>(Support Teamevil|Refund fdp\.exe)<\/bdi>/, `${e.kind}: isolated in the HTML`);
  }
  const agentEmail = emails.find((e) => e.kind === "agent_new_ticket") as { id: string };
  const agentHtml = (await get(`/app/outbox/${agentEmail.id}/html`)).body;
  assert.ok(
    agentHtml.includes("<bdi>Support Teamevil</bdi> &lt;rlo@customer.test&gt;"),
    "the customer isolated",
  );
  assert.ok(agentHtml.includes("“<bdi>Refund fdp.exe</bdi>”"), "the subject isolated");
});
