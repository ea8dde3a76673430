import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentActor } from "../../actors.ts";
import { createArticle } from "../../kb/kb.articles.ts";
import { createCategory } from "../../kb/kb.categories.ts";
import { makeCustomer, makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The portal's front door and the navigation every customer page shares, as the admin's portal
// settings shape them, and the portal turned off: a closed page for customers, agents unaffected.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const adminActor = (team: Team): AgentActor => ({
  kind: "agent",
  workspaceId: team.ws.id,
  agentId: team.admin.id,
  role: "admin",
});

async function teamWithArticles() {
  const team = await makeTeam(t);
  const admin = adminActor(team);
  const billing = await createCategory(t.ctx, admin, { name: "Billing questions" });
  const published = { status: "published" as const, body: "Some text." };
  await createArticle(t.ctx, admin, { title: "Invoices", categoryId: billing.id, ...published });
  await createArticle(t.ctx, admin, { title: "Refunds", categoryId: billing.id, ...published });
  await createArticle(t.ctx, admin, { title: "A draft", categoryId: billing.id, body: "Not yet." });
  return team;
}

const settings = (team: Team, payload: Record<string, unknown>) =>
  t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/portal",
    headers: team.admin.headers,
    payload,
  });

/** The navigation's links in the header, as "label → href". */
function navOf(body: string): string[] {
  const nav = /<nav class="site-nav[^"]*"[^>]*>([\s\S]*?)<\/nav>/.exec(body)?.[1] ?? "";
  return [...nav.matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => `${m[2]} → ${m[1]}`);
}

describe("the portal's home", () => {
  test("shows the search first, then the topics with their article counts, then the way to a new request", async () => {
    const team = await teamWithArticles();
    const res = await t.app.inject({ url: `/portal/${team.ws.slug}` });
    assert.equal(res.statusCode, 200);
    const search = res.body.indexOf('role="search"');
    const topic = res.body.indexOf("Billing questions");
    const create = res.body.indexOf(`href="/portal/${team.ws.slug}/submit">Create a new request</a>`);
    assert.ok(search > 0, "a search box");
    assert.ok(topic > search, "the topics after the search");
    assert.ok(create > topic, "the new request after the topics");
    assert.match(res.body, /<p class="meta">2 articles<\/p>/, "drafts are not counted");
    assert.match(res.body, /action="\/portal\/[^"]+\/kb\/search"/);
    assert.deepEqual(navOf(res.body), [
      `Home → /portal/${team.ws.slug}`,
      `Requests → /portal/${team.ws.slug}/lost-link`,
      `Help articles → /portal/${team.ws.slug}/kb`,
      `New request → /portal/${team.ws.slug}/submit`,
      `Sign in → /portal/${team.ws.slug}/sign-in`,
    ]);
    assert.match(res.body, /aria-current="page">Home</);
  });

  test("the submit form stays at /submit, with the same navigation", async () => {
    const team = await makeTeam(t);
    const res = await t.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /name="subject"/);
    assert.equal(navOf(res.body).length, 5);
    assert.match(res.body, /aria-current="page">New request</);
  });

  test("a signed-in customer sees how many of their requests are open, and their own navigation", async () => {
    const team = await makeTeam(t);
    const customer = await makeCustomer(t, team.ws.id, { company: "Acme" });
    await submitTicket(t, team.ws.slug, { email: customer.email, name: customer.name });
    const res = await t.app.inject({ url: `/portal/${team.ws.slug}`, headers: { cookie: customer.cookie } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /You have 1 open request\./);
    assert.match(res.body, new RegExp(`href="/portal/${team.ws.slug}/requests">See your requests`));
    const nav = navOf(res.body);
    assert.ok(nav.includes(`Onboarding → /portal/${team.ws.slug}/onboarding`), nav.join(", "));
    assert.ok(nav.includes(`Account → /portal/${team.ws.slug}/account`));
    assert.ok(!nav.some((l) => l.startsWith("Sign in")));
    assert.match(res.body, /Sign out/);
  });
});

describe("the navigation follows the portal settings", () => {
  test("a hidden page leaves every page's navigation; hidden help articles answer 404", async () => {
    const team = await teamWithArticles();
    const res = await settings(team, {
      nav: { kb: { show: false }, submit: { show: true, label: "Get help" } },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().nav.kb, { show: false, label: null });
    const home = await t.app.inject({ url: `/portal/${team.ws.slug}` });
    assert.deepEqual(navOf(home.body), [
      `Home → /portal/${team.ws.slug}`,
      `Requests → /portal/${team.ws.slug}/lost-link`,
      `Get help → /portal/${team.ws.slug}/submit`,
      `Sign in → /portal/${team.ws.slug}/sign-in`,
    ]);
    assert.ok(!home.body.includes('role="search"'), "no search of hidden articles");
    assert.ok(!home.body.includes("Billing questions"));
    const submit = await t.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.ok(navOf(submit.body).includes(`Get help → /portal/${team.ws.slug}/submit`));
    assert.equal((await t.app.inject({ url: `/portal/${team.ws.slug}/kb` })).statusCode, 404);
    const api = await t.app.inject({ url: `/api/public/portals/${team.ws.slug}/kb` });
    assert.equal(api.statusCode, 404);
  });

  test("in German, with the workspace's word for ticket", async () => {
    const team = await makeTeam(t);
    const res = await settings(team, {
      ticketWords: { de: { one: "Vorgang", other: "Vorgänge", gender: "male" } },
    });
    assert.equal(res.statusCode, 200, res.body);
    const home = await t.app.inject({
      url: `/portal/${team.ws.slug}`,
      headers: { "accept-language": "de-DE,de;q=0.9" },
    });
    assert.match(home.body, /<html lang="de"/);
    assert.deepEqual(
      navOf(home.body).map((l) => l.split(" → ")[0]),
      ["Start", "Vorgänge", "Hilfeartikel", "Vorgang stellen", "Anmelden"],
    );
    assert.match(home.body, /Unser Team beantwortet jeden Vorgang per E-Mail\./, "the masculine variant");
    assert.match(home.body, />Vorgang erstellen</);
  });

  test("an admin's label speaks the default language only; other languages use the catalogue's", async () => {
    const team = await makeTeam(t);
    const res = await settings(team, { nav: { submit: { show: true, label: "Get help" } } });
    assert.equal(res.statusCode, 200, res.body);
    const labels = async (lang: string) =>
      navOf(
        (await t.app.inject({ url: `/portal/${team.ws.slug}`, headers: { "accept-language": lang } })).body,
      ).map((l) => l.split(" → ")[0]);
    assert.ok((await labels("en")).includes("Get help"));
    const german = await labels("de");
    assert.ok(!german.includes("Get help"), german.join(", "));
    assert.ok(german.includes("Anfrage stellen"), german.join(", "));

    const de = await settings(team, {
      defaultLocale: "de",
      nav: { submit: { show: true, label: "Hilfe holen" } },
    });
    assert.equal(de.statusCode, 200, de.body);
    assert.ok((await labels("de")).includes("Hilfe holen"));
    const english = await labels("en");
    assert.ok(english.includes("New request") && !english.includes("Hilfe holen"), english.join(", "));
    const page = await t.app.inject({ url: "/app/settings/portal", headers: team.admin.headers });
    assert.match(page.body, /shows on pages in the portal’s default language \(German\)/);
  });

  test("for a portal that needs sign-in, a visitor's requests link goes to sign in", async () => {
    const team = await makeTeam(t);
    await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/portal-access",
      headers: team.admin.headers,
      payload: { portalAccess: "account" },
    });
    const res = await t.app.inject({ url: `/portal/${team.ws.slug}/sign-in` });
    assert.ok(
      navOf(res.body).includes(
        `Requests → /portal/${team.ws.slug}/sign-in?next=${encodeURIComponent(`/portal/${team.ws.slug}/requests`)}`,
      ),
      navOf(res.body).join(", "),
    );
  });
});

describe("a portal turned off", () => {
  test("answers every customer page with the closed page and the API with portal_closed; agents work on", async () => {
    const team = await makeTeam(t);
    const submitted = await submitTicket(t, team.ws.slug);
    const customer = await makeCustomer(t, team.ws.id);
    assert.equal((await settings(team, { portalEnabled: false })).statusCode, 200);
    const slug = team.ws.slug;
    for (const url of [
      `/portal/${slug}`,
      `/portal/${slug}/submit`,
      `/portal/${slug}/kb`,
      `/portal/${slug}/sign-in`,
      `/portal/${slug}/lost-link`,
      submitted.trackingUrl.replace(/^https?:\/\/[^/]+/, ""),
    ]) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /This portal is closed/, url);
      assert.ok(!res.body.includes('class="site-nav'), `${url}: no navigation`);
    }
    const signedIn = await t.app.inject({
      url: `/portal/${slug}/home`,
      headers: { cookie: customer.cookie },
    });
    assert.equal(signedIn.statusCode, 403);
    assert.match(signedIn.body, /This portal is closed/);
    const german = await t.app.inject({ url: `/portal/${slug}`, headers: { "accept-language": "de" } });
    assert.match(german.body, /Dieses Portal ist geschlossen/);
    for (const req of [
      { url: `/api/public/portals/${slug}/kb` },
      {
        url: `/api/public/portals/${slug}/tickets`,
        method: "POST" as const,
        payload: { name: "A", email: "a@b.test", subject: "Hi" },
      },
      { url: `/api/portal/${slug}/me`, headers: { cookie: customer.cookie } },
      {
        url: `/api/portal/${slug}/sign-in`,
        method: "POST" as const,
        payload: { email: "a@b.test", password: "x" },
      },
    ]) {
      const res = await t.app.inject(req);
      assert.equal(res.statusCode, 403, req.url);
      assert.equal(res.json().error.code, "portal_closed", req.url);
    }
    // Agents: the app and its API as before.
    const tickets = await t.app.inject({ url: "/api/workspace/tickets", headers: team.agent.headers });
    assert.equal(tickets.statusCode, 200);
    const app = await t.app.inject({ url: "/app/settings/portal", headers: { cookie: team.admin.cookie } });
    assert.equal(app.statusCode, 200);
    // On again: the portal answers at once.
    assert.equal((await settings(team, { portalEnabled: true })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/portal/${slug}` })).statusCode, 200);
  });
});
