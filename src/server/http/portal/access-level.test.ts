import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  makeCustomer,
  makeTeam,
  type SignedInAgent,
  type SignedInCustomer,
  type Submitted,
  submitTicket,
  trackUrl,
} from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// The portal's access level (seed 001), through the real app: every surface that works without the
// customers' gate follows the level read on every request, so a change holds at once, tracking
// links already sent included.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Level = "public" | "account" | "invited";

async function setLevel(admin: SignedInAgent, portalAccess: Level) {
  const res = await t.app.inject({
    method: "PATCH",
    url: "/api/workspace/settings/portal-access",
    headers: admin.headers,
    payload: { portalAccess },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().portalAccess, portalAccess);
}

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
const ticketPage = (slug: string, s: Submitted) => `/portal/${slug}/tickets/${s.reference}`;
const trackCookie = (s: Submitted) => ({ cookie: `portico_track=${s.token}` });

/** Every surface as a visitor, with what a public portal answers. */
async function visitorSurfaces(slug: string, s: Submitted) {
  return {
    submitPage: (await get(`/portal/${slug}/submit`)).statusCode,
    submitApi: (
      await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${slug}/tickets`,
        payload: { name: "Vi Visitor", email: "vi@visitor.test", subject: "Hello" },
      })
    ).statusCode,
    trackingLink: (await get(`${ticketPage(slug, s)}?t=${s.token}`)).statusCode,
    trackingPage: (await get(ticketPage(slug, s), trackCookie(s))).statusCode,
    livePoll: (await get(`${ticketPage(slug, s)}?part=live`, trackCookie(s))).statusCode,
    trackingApi: (await get(trackUrl(slug, s))).statusCode,
    kbPage: (await get(`/portal/${slug}/kb`)).statusCode,
    kbApi: (await get(`/api/public/portals/${slug}/kb`)).statusCode,
    kbSuggest: (await get(`/api/public/portals/${slug}/kb/suggestions?q=printer`)).statusCode,
    upload: (
      await t.app.inject({
        method: "POST",
        url: `/api/public/upload?portal=${slug}&name=a.txt`,
        headers: { "content-type": "text/plain" },
        payload: "hello",
      })
    ).statusCode,
  };
}

describe("a public portal", () => {
  test("works for visitors on every surface", async () => {
    const team = await makeTeam(t);
    const s = await submitTicket(t, team.ws.slug);
    assert.deepEqual(await visitorSurfaces(team.ws.slug, s), {
      submitPage: 200,
      submitApi: 201,
      trackingLink: 303,
      trackingPage: 200,
      livePoll: 200,
      trackingApi: 200,
      kbPage: 200,
      kbApi: 200,
      kbSuggest: 200,
      upload: 201,
    });
  });
});

for (const level of ["account", "invited"] as const) {
  describe(`a portal at '${level}'`, () => {
    test("sends visitors to sign in from every page and answers the API 401 sign_in_required", async () => {
      const team = await makeTeam(t);
      const slug = team.ws.slug;
      const s = await submitTicket(t, slug);
      await setLevel(team.admin, level);
      assert.deepEqual(await visitorSurfaces(slug, s), {
        submitPage: 303,
        submitApi: 401,
        trackingLink: 303,
        trackingPage: 303,
        livePoll: 401,
        trackingApi: 401,
        kbPage: 303,
        kbApi: 401,
        kbSuggest: 401,
        upload: 401,
      });
      const submit = await get(`/portal/${slug}/submit`);
      assert.equal(
        submit.headers.location,
        `/portal/${slug}/sign-in?next=${encodeURIComponent(`/portal/${slug}/submit`)}`,
      );
      const link = await get(`${ticketPage(slug, s)}?t=${s.token}`);
      assert.equal(
        link.headers.location,
        `/portal/${slug}/sign-in?next=${encodeURIComponent(`/portal/${slug}/requests/${s.reference}`)}`,
        "back to the request's page once signed in; the token never goes into the address",
      );
      const api = await get(trackUrl(slug, s));
      assert.equal(api.json().error.code, "sign_in_required");
      const file = await get(`/api/public/portals/${slug}/tickets/${s.reference}/attachments/x?t=${s.token}`);
      assert.equal(file.statusCode, 401);
      const kbArticle = await get(`/portal/${slug}/kb/articles/anything`);
      assert.equal(kbArticle.statusCode, 303);
    });

    test("opens everything to a signed-in customer; a tracking link only to one who may see its request", async () => {
      const team = await makeTeam(t);
      const slug = team.ws.slug;
      const owner = await makeCustomer(t, team.ws.id, { email: `owner-${level}@customer.test` });
      const s = await submitTicket(t, slug, { email: owner.email });
      const stranger = await makeCustomer(t, team.ws.id);
      await setLevel(team.admin, level);

      const as = (c: SignedInCustomer, extra: Record<string, string> = {}) => ({
        cookie: c.cookie,
        ...extra,
      });
      const submit = await get(`/portal/${slug}/submit`, as(owner));
      assert.equal(submit.statusCode, 200);
      assert.match(submit.body, /Submitting as/);
      assert.equal((await get(`/portal/${slug}/kb`, as(owner))).statusCode, 200);
      assert.equal((await get(`/api/public/portals/${slug}/kb`, as(owner))).statusCode, 200);

      // The owner: the link, the page, its live part and the API.
      const link = await get(`${ticketPage(slug, s)}?t=${s.token}`, as(owner));
      assert.equal(link.statusCode, 303);
      assert.equal(link.headers.location, ticketPage(slug, s));
      const both = { cookie: `${owner.cookie}; portico_track=${s.token}` };
      assert.equal((await get(ticketPage(slug, s), both)).statusCode, 200);
      assert.equal((await get(`${ticketPage(slug, s)}?part=live`, both)).statusCode, 200);
      assert.equal((await get(trackUrl(slug, s), as(owner))).statusCode, 200);

      // Another customer holding the same link: the same 404 as a request that does not exist.
      assert.equal((await get(`${ticketPage(slug, s)}?t=${s.token}`, as(stranger))).statusCode, 404);
      assert.equal((await get(trackUrl(slug, s), as(stranger))).statusCode, 404);
      const reply = await t.app.inject({
        method: "POST",
        url: `/api/public/portals/${slug}/tickets/${s.reference}/replies?t=${s.token}`,
        headers: as(stranger),
        payload: { body: "Me too" },
      });
      assert.equal(reply.statusCode, 404);
    });
  });
}

describe("changing the level", () => {
  test("holds at once: a tracking link that worked a moment ago sends to sign in, and works again after", async () => {
    const team = await makeTeam(t);
    const slug = team.ws.slug;
    const s = await submitTicket(t, slug);
    // Read twice, so the tracking read is answered from its cache the second time.
    assert.equal((await get(ticketPage(slug, s), trackCookie(s))).statusCode, 200);
    assert.equal((await get(ticketPage(slug, s), trackCookie(s))).statusCode, 200);
    assert.equal((await get(trackUrl(slug, s))).statusCode, 200);

    await setLevel(team.admin, "account");
    assert.equal((await get(ticketPage(slug, s), trackCookie(s))).statusCode, 303);
    assert.equal((await get(`${ticketPage(slug, s)}?part=live`, trackCookie(s))).statusCode, 401);
    assert.equal((await get(trackUrl(slug, s))).statusCode, 401);
    assert.equal((await get(`/portal/${slug}/kb`)).statusCode, 303);

    await setLevel(team.admin, "public");
    assert.equal((await get(ticketPage(slug, s), trackCookie(s))).statusCode, 200);
    assert.equal((await get(trackUrl(slug, s))).statusCode, 200);
    assert.equal((await get(`/portal/${slug}/kb`)).statusCode, 200);
  });

  test("is for admins only, on the page and the API, and the settings page shows it", async () => {
    const team = await makeTeam(t);
    const res = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/portal-access",
      headers: team.agent.headers,
      payload: { portalAccess: "account" },
    });
    assert.equal(res.statusCode, 403);
    const bad = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/portal-access",
      headers: team.admin.headers,
      payload: { portalAccess: "everyone" },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, "validation_failed");

    const form = await t.app.inject({
      method: "POST",
      url: "/app/settings/portal-access",
      headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        _csrf: team.admin.csrf,
        portalAccess: "invited",
        showAssignee: "true",
      }).toString(),
    });
    assert.equal(form.statusCode, 303);
    const now = await get("/api/workspace/settings/portal-access", { cookie: team.admin.cookie });
    assert.deepEqual(now.json(), { portalAccess: "invited", showAssignee: true });
    const settings = await get("/app/settings", { cookie: team.admin.cookie });
    assert.match(settings.body, /Portal access/);
    assert.match(settings.body, /value="invited" aria-describedby="portal-access-invited-hint" checked/);
    assert.match(settings.body, /Show customers the name of the agent assigned/);
    assert.equal((await get(`/portal/${team.ws.slug}/submit`)).statusCode, 303);
  });
});
