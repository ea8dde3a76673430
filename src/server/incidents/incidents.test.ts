import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { systemActorIn } from "../actors.ts";
import { renderTemplate } from "../email/email.templates.ts";
import { makeCustomer, makeTeam, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { makeCompany } from "../test/portal-world.ts";
import { incidentContactsVisibleTo } from "./incident.access.ts";

// Incidents end to end: declared by an agent for everyone or for companies, the portal's banner
// shown only to the customers it concerns, "This affects me too" once however often it is
// pressed, and the resolution's email exactly once per customer, however often it is resolved.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
type Who = { headers: Record<string, string> };

const api = (who: Who, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/workspace${url}`,
    headers: who.headers,
    ...(payload ? { payload } : {}),
  });

async function declare(team: Team, body: object) {
  const res = await api(team.agent, "POST", "/incidents", body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; everyone: boolean; status: string };
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] as string;

/** Presses "This affects me too" as a signed-in customer, from their home. */
async function affectsMe(slug: string, c: { cookie: string }, id: string) {
  const home = await t.app.inject({ url: `/portal/${slug}/home`, headers: { cookie: c.cookie } });
  return t.app.inject({
    method: "POST",
    url: `/portal/${slug}/incidents/${id}/affected`,
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: `_csrf=${encodeURIComponent(csrfOf(home.body))}&back=${encodeURIComponent(`/portal/${slug}/home`)}`,
  });
}

async function emails(workspaceId: string) {
  return t.ctx.database.db
    .selectFrom("outbox_emails")
    .select(["to_address", "subject"])
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", "incident_resolved")
    .orderBy("to_address")
    .execute();
}

describe("the portal's banner", () => {
  test("a company's incident reaches that company's customers only; one for everyone, everyone", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const globex = await makeCompany(t, team.ws.id, "Globex");
    const a = await makeCustomer(t, team.ws.id, { companyId: acme });
    const b = await makeCustomer(t, team.ws.id, { companyId: globex });
    await declare(team, {
      title: "Acme SSO down",
      message: "Single sign-on fails for ACME-ONLY-MARKER.",
      companyIds: [acme],
      products: ["SSO"],
    });
    const page = (c: { cookie: string }, url = `/portal/${slug}/home`) =>
      t.app.inject({ url, headers: { cookie: c.cookie } });
    const aHome = await page(a);
    assert.match(aHome.body, /ACME-ONLY-MARKER/);
    assert.match(aHome.body, /Affects: SSO/);
    assert.match(aHome.body, /This affects me too/);
    assert.doesNotMatch((await page(b)).body, /ACME-ONLY-MARKER/, "Globex does not see Acme's incident");
    assert.doesNotMatch((await page(b, `/portal/${slug}`)).body, /ACME-ONLY-MARKER/);
    assert.match(
      (await page(a, `/portal/${slug}/requests`)).body,
      /ACME-ONLY-MARKER/,
      "on every signed-in page",
    );
    const visitor = await t.app.inject({ url: `/portal/${slug}` });
    assert.doesNotMatch(visitor.body, /ACME-ONLY-MARKER/, "a visitor sees no company's incident");

    await declare(team, { title: "Email delays", message: "EVERYONE-MARKER: emails are slow." });
    const visitorAgain = await t.app.inject({ url: `/portal/${slug}` });
    assert.match(visitorAgain.body, /EVERYONE-MARKER/);
    assert.doesNotMatch(visitorAgain.body, /This affects me too/, "no button without identity");
    assert.match((await page(b)).body, /EVERYONE-MARKER/);

    // A tracking link's holder of Globex: the one for everyone, not Acme's.
    const sub = await submitTicket(t, slug, { email: b.email, name: b.name, subject: "Slow mail" });
    const opened = await t.app.inject({ url: `/portal/${slug}/tickets/${sub.reference}?t=${sub.token}` });
    const cookie = opened.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const tracking = await t.app.inject({
      url: `/portal/${slug}/tickets/${sub.reference}`,
      headers: { cookie },
    });
    assert.equal(tracking.statusCode, 200);
    assert.match(tracking.body, /EVERYONE-MARKER/);
    assert.doesNotMatch(tracking.body, /ACME-ONLY-MARKER/);
    assert.match(tracking.body, /This affects me too/);
    const everyone = /action="([^"]+\/affected)"/.exec(tracking.body)?.[1] as string;
    assert.match(everyone, new RegExp(`^/portal/${slug}/tickets/${sub.reference}/incidents/`));
    const pressed = await t.app.inject({
      method: "POST",
      url: everyone,
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `back=${encodeURIComponent("https://evil.test/")}`,
    });
    assert.equal(pressed.statusCode, 303, pressed.body);
    assert.match(
      String(pressed.headers.location),
      new RegExp(`^/portal/${slug}/tickets/${sub.reference}#incident-`),
    );
    const again = await t.app.inject({
      url: `/portal/${slug}/tickets/${sub.reference}`,
      headers: { cookie },
    });
    assert.match(again.body, /tell you when it/);
    const noToken = await t.app.inject({
      method: "POST",
      url: everyone,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "back=x",
    });
    assert.equal(noToken.statusCode, 404, "without the link's token nobody is known");
  });

  test("banner text is in the customer's language", async () => {
    const team = await makeTeam(t);
    await declare(team, { title: "Outage", message: "Down.", status: "identified" });
    const res = await t.app.inject({
      url: `/portal/${team.ws.slug}`,
      headers: { "accept-language": "de" },
    });
    assert.match(res.body, /Ursache gefunden/);
  });
});

describe("this affects me too", () => {
  test("links the contact and their company once, however often pressed; the banner says we'll tell", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const acme = await makeCompany(t, team.ws.id, "Acme");
    const a = await makeCustomer(t, team.ws.id, { companyId: acme });
    const inc = await declare(team, { title: "Login loop", message: "Logins loop." });
    for (let i = 0; i < 3; i++) {
      const res = await affectsMe(slug, a, inc.id);
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, `/portal/${slug}/home#incident-${inc.id}`);
    }
    const rows = await incidentContactsVisibleTo(t.ctx.database.db, systemActorIn("test", team.ws.id))
      .selectAll()
      .where("incident_contacts.incident_id", "=", inc.id)
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.source, "affected");
    const detail = (await api(team.agent, "GET", `/incidents/${inc.id}`)).json();
    assert.equal(detail.affectedContacts, 1);
    assert.deepEqual(
      detail.companies.map((c: { name: string; source: string }) => [c.name, c.source]),
      [["Acme", "reported"]],
    );
    assert.equal(detail.everyone, true, "a reported company does not narrow who sees it");
    const home = await t.app.inject({ url: `/portal/${slug}/home`, headers: { cookie: a.cookie } });
    assert.match(home.body, /We&#39;ll tell you when it&#39;s fixed|We'll tell you when it's fixed/);
    assert.doesNotMatch(home.body, /This affects me too/);
  });

  test("without the CSRF token it is refused; a resolved incident is a 404", async () => {
    const team = await makeTeam(t);
    const a = await makeCustomer(t, team.ws.id);
    const inc = await declare(team, { title: "Down", message: "Down." });
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/incidents/${inc.id}/affected`,
      headers: { cookie: a.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "back=x",
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await api(team.agent, "POST", `/incidents/${inc.id}/resolve`, {})).statusCode, 200);
    assert.equal((await affectsMe(team.ws.slug, a, inc.id)).statusCode, 404);
  });
});

describe("resolving", () => {
  test("emails each customer once: linked tickets' contacts and the affected, deduplicated, never twice", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const a = await makeCustomer(t, team.ws.id, { email: "a@one.test", name: "Anna" });
    const b = await makeCustomer(t, team.ws.id, { email: "b@one.test", name: "Bernd" });
    await t.ctx.database.db
      .updateTable("contacts")
      .set({ locale: "de" })
      .where("id", "=", b.contactId)
      .execute();
    const inc = await declare(team, {
      title: "API errors",
      message: "The API answers 500.",
      products: ["API"],
    });
    // Anna has two tickets linked and says it affects her too: one email.
    const t1 = await submitTicket(t, slug, { email: a.email, name: a.name, subject: "500s" });
    const t2 = await submitTicket(t, slug, { email: a.email, name: a.name, subject: "More 500s" });
    for (const r of [t1.reference, t2.reference, t1.reference]) {
      const res = await api(team.agent, "POST", `/incidents/${inc.id}/tickets`, { reference: r });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal((await affectsMe(slug, a, inc.id)).statusCode, 303);
    assert.equal((await affectsMe(slug, b, inc.id)).statusCode, 303);

    const resolved = await api(team.agent, "POST", `/incidents/${inc.id}/resolve`, {
      message: "Fixed: the API answers again.",
      resolveTickets: true,
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    assert.equal(resolved.json().told, 2);
    assert.equal(resolved.json().incident.status, "resolved");
    let sent = await emails(team.ws.id);
    assert.deepEqual(
      sent.map((e) => e.to_address),
      ["a@one.test", "b@one.test"],
    );
    assert.match(sent[1]?.subject ?? "", /Behoben/, "Bernd's email speaks German");
    const bernd = await t.ctx.database.db
      .selectFrom("outbox_emails")
      .select("template_data")
      .where("to_address", "=", "b@one.test")
      .where("kind", "=", "incident_resolved")
      .executeTakeFirstOrThrow();
    const rendered = renderTemplate({
      kind: "incident_resolved",
      params: JSON.parse(bernd.template_data ?? "{}"),
    });
    assert.match(rendered.text, /Fixed: the API answers again\./);
    assert.match(rendered.text, /Hallo Bernd/);
    assert.match(rendered.text, /Das Problem mit API ist behoben/);
    assert.match(rendered.html, new RegExp(`href="[^"]*/portal/${slug}"`));

    // The linked tickets are resolved and carry the incident's event.
    const ticket = (await api(team.agent, "GET", `/tickets/${t1.reference}`)).json();
    assert.equal(ticket.status, "resolved");
    assert.ok(ticket.events.some((e: { type: string }) => e.type === "incident_resolved"));
    assert.ok(ticket.events.some((e: { type: string }) => e.type === "incident_linked"));

    // Resolved again: nobody new, nobody told twice.
    assert.equal((await api(team.agent, "POST", `/incidents/${inc.id}/resolve`, {})).json().told, 0);
    // Reopened, a new ticket linked, resolved again: only its contact is told.
    const reopened = await api(team.agent, "PATCH", `/incidents/${inc.id}`, { status: "monitoring" });
    assert.equal(reopened.json().status, "monitoring");
    const t3 = await submitTicket(t, slug, { email: "c@one.test", name: "Chloé", subject: "Still 500" });
    await api(team.agent, "POST", `/incidents/${inc.id}/tickets`, { reference: t3.reference });
    assert.equal((await affectsMe(slug, a, inc.id)).statusCode, 303, "pressed again after reopening");
    assert.equal((await api(team.agent, "POST", `/incidents/${inc.id}/resolve`, {})).json().told, 1);
    sent = await emails(team.ws.id);
    assert.deepEqual(
      sent.map((e) => e.to_address),
      ["a@one.test", "b@one.test", "c@one.test"],
    );
  });

  test("the update is audited and validated", async () => {
    const team = await makeTeam(t);
    const bad = await api(team.agent, "POST", "/incidents", { title: "", message: "x" });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields.title);
    const noCompany = await api(team.agent, "POST", "/incidents", {
      title: "x",
      message: "x",
      companyIds: ["nope"],
    });
    assert.equal(noCompany.statusCode, 400);
    assert.ok(noCompany.json().error.fields.companyIds);
    const inc = await declare(team, { title: "Slow", message: "Slow." });
    await api(team.agent, "PATCH", `/incidents/${inc.id}`, { status: "identified", message: "Found it." });
    const audit = await t.ctx.database.db
      .selectFrom("audit_events")
      .select("action")
      .where("workspace_id", "=", team.ws.id)
      .orderBy("created_at")
      .execute();
    assert.deepEqual(
      audit.map((r) => r.action),
      ["incident.declared", "incident.updated"],
    );
  });
});

describe("across workspaces", () => {
  test("another workspace's incident is a 404 to its agents and customers", async () => {
    const one = await makeTeam(t);
    const two = await makeTeam(t);
    const inc = await declare(one, { title: "Down", message: "ONE-WS-MARKER" });
    assert.equal((await api(two.agent, "GET", `/incidents/${inc.id}`)).statusCode, 404);
    assert.equal(
      (await api(two.agent, "PATCH", `/incidents/${inc.id}`, { status: "monitoring" })).statusCode,
      404,
    );
    assert.equal((await api(two.agent, "POST", `/incidents/${inc.id}/resolve`, {})).statusCode, 404);
    const sub = await submitTicket(t, two.ws.slug, { subject: "Mine" });
    assert.equal(
      (await api(two.agent, "POST", `/incidents/${inc.id}/tickets`, { reference: sub.reference })).statusCode,
      404,
    );
    assert.deepEqual((await api(two.agent, "GET", "/incidents")).json(), []);
    const page = await t.app.inject({
      url: `/app/incidents/${inc.id}`,
      headers: { cookie: two.agent.cookie },
    });
    assert.equal(page.statusCode, 404);
    const stranger = await makeCustomer(t, two.ws.id);
    assert.equal((await affectsMe(two.ws.slug, stranger, inc.id)).statusCode, 404);
    assert.doesNotMatch((await t.app.inject({ url: `/portal/${two.ws.slug}` })).body, /ONE-WS-MARKER/);
  });
});

describe("the app's pages", () => {
  test("declare by form, link a ticket from its page, resolve by form", async () => {
    const team = await makeTeam(t);
    const form = (url: string, fields: string) =>
      t.app.inject({
        method: "POST",
        url,
        headers: { cookie: team.agent.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: fields,
      });
    const list = await t.app.inject({ url: "/app/incidents", headers: { cookie: team.agent.cookie } });
    assert.equal(list.statusCode, 200);
    const csrf = encodeURIComponent(csrfOf(list.body));
    const refused = await form("/app/incidents", `_csrf=${csrf}&title=&message=Down`);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /error-summary/);
    const made = await form(
      "/app/incidents",
      `_csrf=${csrf}&title=Checkout+down&message=Payments+fail.&status=investigating&products=Checkout%2C+Payments`,
    );
    assert.equal(made.statusCode, 303);
    const at = made.headers.location as string;
    const page = await t.app.inject({ url: at, headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Checkout down/);
    const id = /\/app\/incidents\/([^?]+)/.exec(at)?.[1] as string;

    const sub = await submitTicket(t, team.ws.slug, { subject: "Cannot pay" });
    const ticketPage = await t.app.inject({
      url: `/app/tickets/${sub.reference}`,
      headers: { cookie: team.agent.cookie },
    });
    assert.match(ticketPage.body, /Link to an open incident/);
    const linked = await form(
      "/app/incidents/link-ticket",
      `_csrf=${csrf}&reference=${sub.reference}&incident=${id}`,
    );
    assert.equal(linked.statusCode, 303);
    const after = await t.app.inject({ url: `/app/incidents/${id}`, headers: { cookie: team.agent.cookie } });
    assert.match(after.body, new RegExp(sub.reference));
    const done = await form(`/app/incidents/${id}/resolve`, `_csrf=${csrf}&message=&resolveTickets=1`);
    assert.equal(done.statusCode, 303);
    assert.equal((await emails(team.ws.id)).length, 1);
  });
});
