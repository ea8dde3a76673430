import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// Settings → Portal: the JSON API and the page, each change audited, every problem named at once
// by its field; the preview renders the portal with the unsaved values and no customer's data.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
type Team = Awaited<ReturnType<typeof makeTeam>>;

const patch = (team: Team, payload: Record<string, unknown>, who: "admin" | "agent" = "admin") =>
  t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/portal",
    headers: team[who].headers,
    payload,
  });

describe("GET and PATCH /api/workspace/settings/portal", () => {
  test("the defaults, then a change that holds and is audited", async () => {
    const team = await makeTeam(t);
    const first = await t.app.inject({ url: "/api/workspace/settings/portal", headers: team.agent.headers });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), {
      portalEnabled: true,
      defaultLocale: "en",
      timeZone: "UTC",
      nav: {
        home: { show: true, label: null },
        requests: { show: true, label: null },
        kb: { show: true, label: null },
        submit: { show: true, label: null },
      },
      ticketWords: { en: null, de: null, fr: null },
    });
    const res = await patch(team, {
      defaultLocale: "fr",
      timeZone: "Europe/Paris",
      nav: { requests: { show: false }, home: { show: true, label: "Accueil du support" } },
      ticketWords: {
        en: { one: "Incident", other: "Incidents" },
        fr: { one: "Dossier", other: "Dossiers", gender: "male" },
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const saved = res.json();
    assert.equal(saved.defaultLocale, "fr");
    assert.equal(saved.timeZone, "Europe/Paris");
    assert.deepEqual(saved.nav.requests, { show: false, label: null });
    assert.deepEqual(saved.nav.home, { show: true, label: "Accueil du support" });
    assert.deepEqual(saved.ticketWords.en, { one: "Incident", other: "Incidents", gender: null });
    assert.deepEqual(saved.ticketWords.fr, { one: "Dossier", other: "Dossiers", gender: "male" });
    // A later change of one part keeps the others.
    const later = (await patch(team, { nav: { kb: { show: false } } })).json();
    assert.deepEqual(later.nav.requests, { show: false, label: null });
    assert.equal(later.nav.kb.show, false);
    assert.equal(later.ticketWords.en.one, "Incident");
    // null gives a language its catalogue word back.
    assert.equal((await patch(team, { ticketWords: { en: null } })).json().ticketWords.en, null);

    const audit = await t.app.inject({
      url: "/api/workspace/audit?action=settings.portal",
      headers: team.admin.headers,
    });
    assert.equal(audit.statusCode, 200, audit.body);
    assert.equal(audit.json().items.length, 3);
  });

  test("only admins change them", async () => {
    const team = await makeTeam(t);
    const res = await patch(team, { portalEnabled: false }, "agent");
    assert.equal(res.statusCode, 403);
    assert.equal((await patch(team, {})).statusCode, 200);
  });

  test("problems are named by their field", async () => {
    const team = await makeTeam(t);
    const schema = await patch(team, {
      defaultLocale: "es",
      nav: { kb: { show: true, label: "x".repeat(41) } },
      ticketWords: { de: { one: "", other: "Fälle" } },
    });
    assert.equal(schema.statusCode, 400);
    const fields = schema.json().error.fields;
    assert.ok(fields.defaultLocale, JSON.stringify(fields));
    assert.ok(fields["nav.kb.label"], JSON.stringify(fields));
    assert.ok(fields["ticketWords.de.one"], JSON.stringify(fields));
    const service = await patch(team, {
      timeZone: "Mars/Olympus",
      ticketWords: { de: { one: "Fall", other: "Fälle" }, fr: { one: "Cas", other: "Cas", gender: null } },
    });
    assert.equal(service.statusCode, 400);
    assert.deepEqual(Object.keys(service.json().error.fields).sort(), [
      "ticketWords.de.gender",
      "ticketWords.fr.gender",
      "timeZone",
    ]);
  });
});

describe("the page /app/settings/portal", () => {
  const post = (team: Team, fields: Record<string, string>) =>
    t.app.inject({
      method: "POST",
      url: "/app/settings/portal",
      headers: { ...FORM, cookie: team.admin.cookie },
      payload: form({ _csrf: team.admin.csrf, ...fields }),
    });
  const valid = {
    portalEnabled: "true",
    defaultLocale: "de",
    timeZone: "Europe/Berlin",
    "nav.home.show": "true",
    "nav.requests.show": "true",
    "nav.kb.show": "true",
    "nav.submit.show": "true",
  };

  test("shows every problem at once, each by its field, and keeps what was typed", async () => {
    const team = await makeTeam(t);
    const res = await post(team, {
      ...valid,
      timeZone: "Nowhere/Land",
      "nav.kb.label": "y".repeat(41),
      "ticketWords.de.one": "Vorgang",
      "ticketWords.de.other": "Vorgänge",
      "ticketWords.fr.other": "Dossiers",
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /There are 5 problems/);
    for (const id of [
      "timeZone",
      "nav-kb-label",
      "ticketWords-de-gender",
      "ticketWords-fr-one",
      "ticketWords-fr-gender",
    ]) {
      assert.match(res.body, new RegExp(`href="#${id}"`), id);
    }
    assert.match(res.body, /value="Vorgänge"/, "what was typed is kept");
    const saved = await t.app.inject({ url: "/api/workspace/settings/portal", headers: team.admin.headers });
    assert.equal(saved.json().timeZone, "UTC", "nothing saved");
  });

  test("saves, and the portal follows at once", async () => {
    const team = await makeTeam(t);
    const res = await post(team, {
      ...valid,
      "nav.kb.show": "",
      "nav.submit.label": "Fall melden",
      "ticketWords.en.one": "Case",
      "ticketWords.en.other": "Cases",
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, "/app/settings/portal?saved=1");
    const home = await t.app.inject({ url: `/portal/${team.ws.slug}`, headers: { "accept-language": "en" } });
    assert.match(
      home.body,
      />New case</,
      "the label is the default language's (German); English reads the catalogue",
    );
    assert.match(home.body, />Cases</);
    assert.ok(!home.body.includes(`href="/portal/${team.ws.slug}/kb"`));
    const german = await t.app.inject({ url: `/portal/${team.ws.slug}` });
    assert.match(german.body, /<html lang="de"/, "the default language for a browser asking none");
    assert.match(german.body, />Fall melden</);
  });

  test("the settings link to it; an agent may look but not change", async () => {
    const team = await makeTeam(t);
    const all = await t.app.inject({ url: "/app/settings", headers: { cookie: team.agent.cookie } });
    assert.match(all.body, /href="\/app\/settings\/portal"/);
    const page = await t.app.inject({ url: "/app/settings/portal", headers: { cookie: team.agent.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Only admins change/);
    assert.ok(!page.body.includes("Save portal settings"));
  });

  test("the preview renders each page with the unsaved values, light or dark, and no customer's data", async () => {
    const team = await makeTeam(t);
    const cookie = { cookie: team.admin.cookie };
    const draft = new URLSearchParams({
      ...valid,
      draft: "1",
      scheme: "dark",
      "nav.submit.label": "Report an incident",
      "ticketWords.en.one": "Incident",
      "ticketWords.en.other": "Incidents",
    });
    for (const page of ["home", "article", "submit", "request"]) {
      draft.set("page", page);
      const res = await t.app.inject({ url: `/app/settings/portal/preview?${draft}`, headers: cookie });
      assert.equal(res.statusCode, 200, page);
      assert.match(res.body, /<html lang="de" class="scheme-dark"/, page);
      assert.match(res.body, /<meta name="color-scheme" content="dark">/);
      assert.match(res.body, />Report an incident</, page);
      assert.ok(!res.body.includes("<script"), "no scripts in the sandbox");
    }
    draft.set("page", "request");
    draft.set("defaultLocale", "en");
    const request = await t.app.inject({ url: `/app/settings/portal/preview?${draft}`, headers: cookie });
    assert.match(request.body, /TKT-0042/);
    assert.match(request.body, /Incidents/);
    draft.delete("portalEnabled");
    const closed = await t.app.inject({ url: `/app/settings/portal/preview?${draft}`, headers: cookie });
    assert.match(closed.body, /This portal is closed/);
    const saved = await t.app.inject({ url: "/api/workspace/settings/portal", headers: team.admin.headers });
    assert.equal(saved.json().nav.submit.label, null, "a preview saves nothing");
    const visitor = await t.app.inject({ url: "/app/settings/portal/preview?page=home" });
    assert.notEqual(visitor.statusCode, 200, "agents only");
  });
});
