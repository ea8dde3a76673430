import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { makeCustomer, makeTeam, type SignedInAgent, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { joinCompanyByDomain } from "./company.access.ts";

// Companies through the agents' API: what they hold, who may change what, the domains that join
// contacts, and another workspace's agents (the pages and the queue: companies.pages.test.ts).

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const api = (
  a: SignedInAgent,
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  url: string,
  payload?: object,
) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: method === "GET" ? { cookie: a.cookie } : a.headers,
    ...(payload ? { payload } : {}),
  });

async function newCompany(a: SignedInAgent, name: string, notes?: string) {
  const res = await api(a, "POST", "/companies", { name, ...(notes ? { notes } : {}) });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; name: string };
}

async function contactOf(a: SignedInAgent, reference: string): Promise<string> {
  return (await api(a, "GET", `/tickets/${reference}`)).json().contact.id;
}

describe("companies", () => {
  test("agents add, read, change and search companies; admins delete them, contacts and tickets stay", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const acme = await newCompany(agent, "Acme Rockets", "Pays late.");
    await newCompany(agent, "Globex");
    const got = (await api(agent, "GET", `/companies/${acme.id}`)).json();
    assert.equal(got.name, "Acme Rockets");
    assert.equal(got.notes, "Pays late.");
    assert.deepEqual(got.properties, {});

    const patched = await api(agent, "PATCH", `/companies/${acme.id}`, {
      name: "Acme Rockets Ltd",
      notes: "Pays on time now.",
      properties: { Plan: "Gold", "Account no": "42" },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().name, "Acme Rockets Ltd");
    assert.deepEqual(patched.json().properties, { Plan: "Gold", "Account no": "42" });
    const badProps = await api(agent, "PATCH", `/companies/${acme.id}`, { properties: { plan: 5 } });
    assert.equal(badProps.statusCode, 400);
    const blank = await api(agent, "POST", "/companies", { name: "  " });
    assert.equal(blank.statusCode, 400);
    assert.ok(blank.json().error.fields.name);

    await api(admin, "POST", `/companies/${acme.id}/domains`, { domain: "acme.test" });
    const byName = (await api(agent, "GET", "/companies?q=rocket")).json();
    assert.deepEqual(
      byName.items.map((c: { name: string }) => c.name),
      ["Acme Rockets Ltd"],
    );
    const byDomain = (await api(agent, "GET", "/companies?q=acme.te")).json();
    assert.deepEqual(
      byDomain.items.map((c: { name: string }) => c.name),
      ["Acme Rockets Ltd"],
    );
    const all = (await api(agent, "GET", "/companies?limit=1")).json();
    assert.equal(all.items.length, 1);
    const second = (await api(agent, "GET", `/companies?limit=1&cursor=${all.nextCursor}`)).json();
    assert.deepEqual(
      [...all.items, ...second.items].map((c: { name: string }) => c.name),
      ["Acme Rockets Ltd", "Globex"],
    );
    assert.equal(second.nextCursor, null);

    // A contact of the company and their ticket: counted, then kept when the company goes.
    const s = await submitTicket(t, ws.slug, { email: "wile@acme.test" });
    const contactId = await contactOf(agent, s.reference);
    assert.equal(
      (await api(agent, "PUT", `/contacts/${contactId}/company`, { companyId: acme.id })).statusCode,
      200,
    );
    const s2 = await submitTicket(t, ws.slug, { email: "wile@acme.test", subject: "Second" });
    const listed = (await api(agent, "GET", "/companies?q=acme")).json().items[0];
    assert.equal(listed.contactCount, 1);
    assert.equal(listed.openTicketCount, 1, "the ticket opened after joining");

    assert.equal((await api(agent, "DELETE", `/companies/${acme.id}`)).statusCode, 403);
    assert.equal((await api(admin, "DELETE", `/companies/${acme.id}`)).statusCode, 204);
    assert.equal((await api(agent, "GET", `/companies/${acme.id}`)).statusCode, 404);
    const contact = (await api(agent, "GET", `/contacts/${contactId}`)).json();
    assert.equal(contact.company, null);
    const ticket = (await api(agent, "GET", `/tickets/${s2.reference}`)).json();
    assert.equal(ticket.company, null);
    // Its domain went with it: another company may take it.
    const other = await newCompany(agent, "Acme Two");
    assert.equal(
      (await api(admin, "POST", `/companies/${other.id}/domains`, { domain: "acme.test" })).statusCode,
      201,
    );
  });

  test("a domain is lower-cased, checked, and belongs to one company of the workspace", async () => {
    const { admin, agent } = await makeTeam(t);
    const a = await newCompany(agent, "Initech");
    const b = await newCompany(agent, "Initrode");
    const added = await api(admin, "POST", `/companies/${a.id}/domains`, { domain: "@InItech.TEST" });
    assert.equal(added.statusCode, 201, added.body);
    assert.deepEqual(
      added.json().domains.map((d: { domain: string; autoJoin: boolean }) => [d.domain, d.autoJoin]),
      [["initech.test", false]],
    );
    const taken = await api(admin, "POST", `/companies/${b.id}/domains`, { domain: "initech.test" });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, "domain_taken");
    assert.match(taken.json().error.fields.domain, /Initech/);
    for (const bad of ["not a domain", "initech", "-x.test", "a..test"]) {
      const res = await api(admin, "POST", `/companies/${b.id}/domains`, { domain: bad });
      assert.equal(res.statusCode, 400, bad);
      assert.ok(res.json().error.fields.domain, bad);
    }
    assert.equal(
      (await api(agent, "POST", `/companies/${b.id}/domains`, { domain: "initrode.test" })).statusCode,
      403,
      "only admins change domains",
    );
    const on = await api(admin, "PATCH", `/companies/${a.id}/domains/initech.test`, { autoJoin: true });
    assert.equal(on.statusCode, 200);
    assert.equal(on.json().domains[0].autoJoin, true);
    assert.equal(
      (await api(admin, "PATCH", `/companies/${b.id}/domains/initech.test`, { autoJoin: true })).statusCode,
      404,
      "not that company's domain",
    );
    const removed = await api(admin, "DELETE", `/companies/${a.id}/domains/initech.test`);
    assert.equal(removed.statusCode, 200);
    assert.deepEqual(removed.json().domains, []);
    assert.equal((await api(admin, "DELETE", `/companies/${a.id}/domains/initech.test`)).statusCode, 404);
  });

  test("a verified email joins the company of an auto-join domain; contacts made otherwise do not", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const hooli = await newCompany(agent, "Hooli");
    const piper = await newCompany(agent, "Pied Piper");
    await api(admin, "POST", `/companies/${hooli.id}/domains`, { domain: "hooli.test", autoJoin: true });
    await api(admin, "POST", `/companies/${piper.id}/domains`, { domain: "piper.test" });

    // A request from the domain makes a contact without a company: its email is not verified.
    const s = await submitTicket(t, ws.slug, { email: "gavin@hooli.test" });
    const gavin = await contactOf(agent, s.reference);
    assert.equal((await api(agent, "GET", `/contacts/${gavin}`)).json().company, null);
    const s2 = await submitTicket(t, ws.slug, { email: "richard@piper.test" });
    const richard = await contactOf(agent, s2.reference);

    const actor = systemActorIn("test", ws.id);
    const now = t.ctx.now().toISOString();
    const joined = await t.ctx.database.db
      .transaction()
      .execute((tx) =>
        joinCompanyByDomain(
          tx,
          actor,
          { id: gavin, email_normalized: "gavin@hooli.test", company_id: null },
          now,
        ),
      );
    assert.equal(joined, hooli.id);
    assert.equal((await api(agent, "GET", `/contacts/${gavin}`)).json().company.id, hooli.id);
    const notAuto = await t.ctx.database.db
      .transaction()
      .execute((tx) =>
        joinCompanyByDomain(
          tx,
          actor,
          { id: richard, email_normalized: "richard@piper.test", company_id: null },
          now,
        ),
      );
    assert.equal(notAuto, null, "the domain does not join automatically");
    assert.equal((await api(agent, "GET", `/contacts/${richard}`)).json().company, null);

    // An agent adds the contacts on the company's domains who have none.
    const page = (await api(agent, "GET", `/companies/${piper.id}`)).json();
    assert.equal(page.contactsWithoutCompany, 1);
    const add = await api(agent, "POST", `/companies/${piper.id}/domain-contacts`);
    assert.deepEqual(add.json(), { added: 1 });
    assert.equal((await api(agent, "GET", `/contacts/${richard}`)).json().company.id, piper.id);
  });

  test("a company's manager moved to another company by an agent keeps their own requests only", async () => {
    const { ws, agent } = await makeTeam(t);
    const manager = await makeCustomer(t, ws.id, { access: "company", company: "Old Co" });
    const next = await newCompany(agent, "New Co");
    const accessOf = async () =>
      (
        await t.ctx.database.db
          .selectFrom("contacts")
          .select("portal_access")
          .where("id", "=", manager.contactId)
          .executeTakeFirstOrThrow()
      ).portal_access;
    // Setting the same company again changes nothing.
    await api(agent, "PUT", `/contacts/${manager.contactId}/company`, { companyId: manager.companyId });
    assert.equal(await accessOf(), "company");
    const moved = await api(agent, "PUT", `/contacts/${manager.contactId}/company`, { companyId: next.id });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual(moved.json().company, { id: next.id, name: "New Co" });
    assert.equal(await accessOf(), "own");
    const page = (await api(agent, "GET", `/companies/${next.id}`)).json();
    assert.deepEqual(
      page.contacts.map((c: { id: string; portalAccess: string }) => [c.id, c.portalAccess]),
      [[manager.contactId, "own"]],
    );
  });

  test("another workspace's agent cannot read or change a company, by its id", async () => {
    const a = await makeTeam(t);
    const b = await makeTeam(t);
    const secret = await newCompany(a.agent, "Umbrella", "Internal: bio hazard");
    const s = await submitTicket(t, a.ws.slug, { email: "alice@umbrella.test" });
    const aliceId = await contactOf(a.agent, s.reference);
    const sb = await submitTicket(t, b.ws.slug, { email: "bob@b.test" });
    const bobId = await contactOf(b.agent, sb.reference);

    const tries = [
      await api(b.admin, "GET", `/companies/${secret.id}`),
      await api(b.admin, "PATCH", `/companies/${secret.id}`, { name: "Mine" }),
      await api(b.admin, "DELETE", `/companies/${secret.id}`),
      await api(b.admin, "POST", `/companies/${secret.id}/domains`, { domain: "umbrella.test" }),
      await api(b.admin, "POST", `/companies/${secret.id}/domain-contacts`),
      await api(b.admin, "PUT", `/contacts/${aliceId}/company`, { companyId: null }),
    ];
    assert.deepEqual(
      tries.map((r) => r.statusCode),
      [404, 404, 404, 404, 404, 404],
    );
    const intoTheirs = await api(b.admin, "PUT", `/contacts/${bobId}/company`, { companyId: secret.id });
    assert.equal(intoTheirs.statusCode, 400);
    assert.ok(intoTheirs.json().error.fields.companyId);
    assert.deepEqual((await api(b.admin, "GET", "/companies")).json().items, []);
    const page = await t.app.inject({
      url: `/app/companies/${secret.id}`,
      headers: { cookie: b.admin.cookie },
    });
    assert.equal(page.statusCode, 404);
    assert.doesNotMatch(page.body, /Umbrella|bio hazard/);
    const queue = (await api(b.admin, "GET", `/tickets?companyId=${secret.id}`)).json();
    assert.deepEqual(queue.items, []);
    assert.equal((await api(a.agent, "GET", `/companies/${secret.id}`)).json().name, "Umbrella");
  });
});
