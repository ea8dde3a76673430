import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../../actors.ts";
import { makeCustomer, makeTeam, type SignedInAgent } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { ticketsVisibleTo } from "../../tickets/ticket.access.ts";

// The public pages with a customer signed in: submitting as their contact and company, and the
// help articles for signed-in customers.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function ticketOf(workspaceId: string, reference: string) {
  return ticketsVisibleTo(t.ctx.database.db, systemActorIn("test", workspaceId))
    .select(["tickets.contact_id", "tickets.company_id", "tickets.subject"])
    .where("tickets.number", "=", Number(reference.replace(/\D/g, "")))
    .executeTakeFirstOrThrow();
}

describe("submitting signed in", () => {
  test("the API needs no name or email: the ticket carries the contact and their company", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id, { company: "Acme" });
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets`,
      headers: c.headers,
      payload: { subject: "Badge reader broken", name: "Someone Else", email: "else@elsewhere.test" },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { reference: string; trackingUrl: string };
    assert.match(body.trackingUrl, new RegExp(`/portal/${team.ws.slug}/requests/${body.reference}$`));
    const ticket = await ticketOf(team.ws.id, body.reference);
    assert.equal(ticket.contact_id, c.contactId, "the signed-in contact, whatever the body said");
    assert.equal(ticket.company_id, c.companyId);
    const confirmation = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("to_address")
      .where("kind", "=", "ticket_confirmation")
      .where("workspace_id", "=", team.ws.id)
      .executeTakeFirstOrThrow();
    assert.equal(confirmation.to_address, c.email);
  });

  test("a signed-in customer's write needs the session's CSRF token; a visitor needs name and email", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets`,
      headers: { cookie: c.cookie },
      payload: { subject: "Hello" },
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().error.code, "csrf_failed");
    const visitor = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets`,
      payload: { subject: "Hello" },
    });
    assert.equal(visitor.statusCode, 400);
    assert.deepEqual(Object.keys(visitor.json().error.fields).sort(), ["email", "name"]);
  });

  test("the page shows who submits, asks no name or email, and leads to the request's page", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id, { company: "Globex", name: "Dana Scully" });
    const form = await t.app.inject({ url: `/portal/${team.ws.slug}/submit`, headers: { cookie: c.cookie } });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Submitting as <bdi>Dana Scully<\/bdi>/);
    assert.ok(!form.body.includes('name="email"'), "no email field");
    assert.ok(!form.body.includes('id="name"'), "no name field");
    assert.match(form.body, /data-similar="\/api\/portal\//);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] as string;
    const post = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/submit`,
        headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ subject: "Coffee machine leaks", ...fields }).toString(),
      });
    const refused = await post({});
    assert.equal(refused.statusCode, 403, "without the form's CSRF token nothing is created");
    const sent = await post({ _csrf: csrf });
    assert.equal(sent.statusCode, 303);
    const reference = /\/requests\/(TKT-\d+)$/.exec(sent.headers.location as string)?.[1] as string;
    assert.ok(reference, String(sent.headers.location));
    const ticket = await ticketOf(team.ws.id, reference);
    assert.equal(ticket.contact_id, c.contactId);
    assert.equal(ticket.company_id, c.companyId);

    // A visitor's page keeps its name and email, and the way to lost links.
    const visitor = await t.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.match(visitor.body, /id="email"/);
    assert.match(visitor.body, /Lost your link\?/);
  });
});

describe("articles for signed-in customers", () => {
  async function article(agent: SignedInAgent, title: string, visibility: string) {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/kb/articles",
      headers: agent.headers,
      payload: { title, body: "Reset the widget by holding its button.", visibility, status: "published" },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { slug: string };
  }

  test("are hidden from visitors and shown to signed-in customers, on the pages and the API", async () => {
    const team = await makeTeam(t);
    const c = await makeCustomer(t, team.ws.id);
    const secret = await article(team.agent, "Widget reset for customers", "workspace");
    await article(team.agent, "Widget basics", "public");
    const slug = team.ws.slug;
    const as = { cookie: c.cookie };

    const visitorPage = await t.app.inject({ url: `/portal/${slug}/kb/articles/${secret.slug}` });
    assert.equal(visitorPage.statusCode, 404);
    const customerPage = await t.app.inject({
      url: `/portal/${slug}/kb/articles/${secret.slug}`,
      headers: as,
    });
    assert.equal(customerPage.statusCode, 200);
    assert.match(customerPage.body, /Widget reset for customers/);

    const home = (headers = {}) => t.app.inject({ url: `/api/public/portals/${slug}/kb`, headers });
    assert.ok(!(await home()).body.includes("Widget reset for customers"));
    assert.ok((await home(as)).body.includes("Widget reset for customers"));
    const search = (headers = {}) =>
      t.app.inject({ url: `/api/public/portals/${slug}/kb/search?q=widget`, headers });
    const titles = async (headers = {}) =>
      ((await search(headers)).json().items as { title: string }[]).map((i) => i.title).sort();
    assert.deepEqual(await titles(), ["Widget basics"]);
    assert.deepEqual(await titles(as), ["Widget basics", "Widget reset for customers"]);
    const api = await t.app.inject({ url: `/api/public/portals/${slug}/kb/articles/${secret.slug}` });
    assert.equal(api.statusCode, 404);

    // The editor names the choice for customers' words.
    const editor = await t.app.inject({ url: "/app/kb/new", headers: { cookie: team.agent.cookie } });
    assert.match(editor.body, /Signed-in customers/);
  });
});
