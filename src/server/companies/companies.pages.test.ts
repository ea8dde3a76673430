import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, type SignedInAgent, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// The company where agents work: on tickets, in the queue, on contacts, and the companies pages.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const form = (a: SignedInAgent, fields: Record<string, string>) =>
  new URLSearchParams({ _csrf: a.csrf, ...fields }).toString();
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

describe("the company on tickets, the queue and contacts", () => {
  test("a ticket shows its company; the queue has a Company column and filter", async () => {
    const { ws, agent } = await makeTeam(t);
    const wayne = await newCompany(agent, "Wayne Enterprises");
    const first = await submitTicket(t, ws.slug, { email: "bruce@wayne.test", subject: "Before joining" });
    const bruce = await contactOf(agent, first.reference);
    await api(agent, "PUT", `/contacts/${bruce}/company`, { companyId: wayne.id });
    const theirs = await submitTicket(t, ws.slug, { email: "bruce@wayne.test", subject: "Batcave wifi" });
    await submitTicket(t, ws.slug, { email: "joker@else.test", subject: "Not theirs" });

    const detail = (await api(agent, "GET", `/tickets/${theirs.reference}`)).json();
    assert.deepEqual(detail.company, { id: wayne.id, name: "Wayne Enterprises" });
    assert.equal(
      (await api(agent, "GET", `/tickets/${first.reference}`)).json().company,
      null,
      "a ticket keeps the company it was opened for",
    );

    const filtered = (await api(agent, "GET", `/tickets?companyId=${wayne.id}`)).json();
    assert.deepEqual(
      filtered.items.map((i: { subject: string }) => i.subject),
      ["Batcave wifi"],
    );
    assert.deepEqual(filtered.items[0].company, { id: wayne.id, name: "Wayne Enterprises" });
    const all = (await api(agent, "GET", "/tickets")).json();
    assert.equal(all.items.length, 3);
    assert.equal(all.items.find((i: { subject: string }) => i.subject === "Not theirs").company, null);

    const queue = await t.app.inject({ url: `/app?company=${wayne.id}`, headers: { cookie: agent.cookie } });
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, /<th scope="col">Company<\/th>/);
    assert.match(queue.body, /Batcave wifi/);
    assert.doesNotMatch(queue.body, /Not theirs|Before joining/);
    assert.match(queue.body, new RegExp(`<option value="${wayne.id}" selected>Wayne Enterprises</option>`));
    const unfiltered = await t.app.inject({ url: "/app", headers: { cookie: agent.cookie } });
    assert.match(unfiltered.body, /Not theirs/);

    const ticketPage = await t.app.inject({
      url: `/app/tickets/${theirs.reference}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(
      ticketPage.body,
      new RegExp(`href="/app/companies/${wayne.id}"><bdi>Wayne Enterprises</bdi>`),
    );
  });

  test("the pages: list, search, add, edit notes and domains, and a contact's company", async () => {
    const { ws, admin, agent } = await makeTeam(t);
    const list = await t.app.inject({ url: "/app/companies", headers: { cookie: agent.cookie } });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /href="\/app\/companies" aria-current="page">Companies/);
    assert.match(list.body, /No companies yet/);

    const bad = await t.app.inject({
      method: "POST",
      url: "/app/companies",
      headers: { ...FORM, cookie: agent.cookie },
      payload: form(agent, { name: "", notes: "x" }),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#name"/);

    const created = await t.app.inject({
      method: "POST",
      url: "/app/companies",
      headers: { ...FORM, cookie: agent.cookie },
      payload: form(agent, { name: "Stark Industries", notes: "VIP" }),
    });
    assert.equal(created.statusCode, 303);
    const url = created.headers.location as string;
    const id = /\/app\/companies\/([^?]+)/.exec(url)?.[1] as string;
    const page = await t.app.inject({ url, headers: { cookie: agent.cookie } });
    assert.match(page.body, /Company added/);
    assert.match(page.body, /<label for="notes">Internal notes<\/label>/);
    assert.match(page.body, />VIP<\/textarea>/);
    assert.match(page.body, /Only admins change a company's domains/);

    const saved = await t.app.inject({
      method: "POST",
      url: `/app/companies/${id}`,
      headers: { ...FORM, cookie: agent.cookie },
      payload: form(agent, { name: "Stark Industries", notes: "VIP, call first" }),
    });
    assert.equal(saved.statusCode, 303);
    assert.equal((await api(agent, "GET", `/companies/${id}`)).json().notes, "VIP, call first");

    const addDomain = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/app/companies/${id}/domains`,
        headers: { ...FORM, cookie: admin.cookie },
        payload: form(admin, fields),
      });
    assert.equal((await addDomain({ domain: "stark.test", autoJoin: "1" })).statusCode, 303);
    const again = await addDomain({ domain: "STARK.test" });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /Domain already belongs to Stark Industries/);
    const off = await t.app.inject({
      method: "POST",
      url: `/app/companies/${id}/domains/stark.test`,
      headers: { ...FORM, cookie: admin.cookie },
      payload: form(admin, {}),
    });
    assert.equal(off.statusCode, 303);
    assert.equal((await api(admin, "GET", `/companies/${id}`)).json().domains[0].autoJoin, false);

    const searched = await t.app.inject({
      url: "/app/companies?q=stark.t",
      headers: { cookie: agent.cookie },
    });
    assert.match(searched.body, /Stark Industries/);
    assert.match(searched.body, /stark\.test/);
    const none = await t.app.inject({ url: "/app/companies?q=wayne", headers: { cookie: agent.cookie } });
    assert.match(none.body, /No companies match/);

    // A contact's page: the company shown and set.
    const s = await submitTicket(t, ws.slug, { email: "pepper@else.test" });
    const pepper = await contactOf(agent, s.reference);
    const contactPage = await t.app.inject({
      url: `/app/contacts/${pepper}`,
      headers: { cookie: agent.cookie },
    });
    assert.match(contactPage.body, /No company/);
    assert.match(contactPage.body, /Portal access: <strong>No portal access<\/strong>/);
    assert.match(contactPage.body, new RegExp(`<option value="${id}">Stark Industries</option>`));
    const set = await t.app.inject({
      method: "POST",
      url: `/app/contacts/${pepper}/company`,
      headers: { ...FORM, cookie: agent.cookie },
      payload: form(agent, { companyId: id }),
    });
    assert.equal(set.statusCode, 303);
    const after = await t.app.inject({
      url: set.headers.location as string,
      headers: { cookie: agent.cookie },
    });
    assert.match(after.body, /Company set/);
    assert.match(after.body, new RegExp(`<a href="/app/companies/${id}"><bdi>Stark Industries</bdi></a>`));
    const company = await t.app.inject({ url: `/app/companies/${id}`, headers: { cookie: agent.cookie } });
    assert.match(company.body, /pepper@else\.test/);
    assert.match(company.body, /No portal access|Own requests|Company manager/);
    const cleared = await t.app.inject({
      method: "POST",
      url: `/app/contacts/${pepper}/company`,
      headers: { ...FORM, cookie: agent.cookie },
      payload: form(agent, { companyId: "" }),
    });
    assert.equal(cleared.statusCode, 303);
    assert.equal((await api(agent, "GET", `/contacts/${pepper}`)).json().company, null);
    const withoutCsrf = await t.app.inject({
      method: "POST",
      url: `/app/contacts/${pepper}/company`,
      headers: { ...FORM, cookie: agent.cookie },
      payload: new URLSearchParams({ companyId: id }).toString(),
    });
    assert.equal(withoutCsrf.statusCode, 403);
    assert.equal((await api(agent, "GET", `/contacts/${pepper}`)).json().company, null);
  });

  test("the activity shows what the company's customers could see, never internal notes", async () => {
    const { ws, agent } = await makeTeam(t);
    const c = await newCompany(agent, "Cyberdyne");
    const first = await submitTicket(t, ws.slug, { email: "miles@cyberdyne.test" });
    await api(agent, "PUT", `/contacts/${await contactOf(agent, first.reference)}/company`, {
      companyId: c.id,
    });
    const s = await submitTicket(t, ws.slug, { email: "miles@cyberdyne.test", subject: "Skynet" });
    await api(agent, "POST", `/tickets/${s.reference}/notes`, { body: "secret plan" });
    await api(agent, "POST", `/tickets/${s.reference}/replies`, { body: "On it" });
    const detail = (await api(agent, "GET", `/companies/${c.id}`)).json();
    assert.deepEqual(
      detail.activity.map((e: { type: string }) => e.type),
      ["agent_replied", "created"],
    );
    assert.equal(detail.activity[0].ticket.reference, s.reference);
    assert.deepEqual(
      detail.tickets.map((x: { subject: string }) => x.subject),
      ["Skynet"],
    );
    const page = await t.app.inject({ url: `/app/companies/${c.id}`, headers: { cookie: agent.cookie } });
    assert.match(page.body, /replied on/);
    assert.doesNotMatch(page.body, /secret plan|added an internal note/);
  });
});
