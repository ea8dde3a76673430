// Longer than 400 lines: one fake DNS zone and one server prove a domain every way (HTTP, DNS,
// contested claims, old addresses) and then serve it; split, each part would rebuild both.

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { DnsZone } from "../../email/dns-zone.test-support.ts";
import type { DnsResolver } from "../../ports.ts";
import { makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// A workspace's own host (help.acme.test): set by an admin, proved by DNS or HTTP, then serving
// that workspace's portal at its root and nothing else; old slugs and domains keep redirecting;
// the TLS ask answers for exactly the names this server serves.

const PUBLIC = "http://portico.example.test";
const zone = new DnsZone();
/** Host names that resolve (A), beside the zone's TXT records. */
const addresses = new Map<string, string>();
const dns: DnsResolver = (name, rrtype) => {
  const a = addresses.get(name.toLowerCase());
  if (rrtype === "A" && a) return Promise.resolve([a]);
  if (rrtype === "A" || rrtype === "AAAA") {
    return Promise.reject(
      Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: "ENOTFOUND" }),
    );
  }
  return zone.resolve(name, rrtype);
};

let t: TestEnv;
let n = 0;
before(async () => {
  t = await testEnv({ PUBLIC_URL: PUBLIC }, { dns });
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;
const API = "/api/workspace/settings/domain";
const domainName = () => `help${++n}-${process.pid}.acme.test`;

const setDomain = (team: Team, domain: string, headers = team.admin.headers) =>
  t.app.inject({ method: "PUT", url: API, headers, payload: { domain } });
const verify = (team: Team) =>
  t.app.inject({ method: "POST", url: `${API}/verify`, headers: team.admin.headers });
const onHost = (host: string, url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url, headers: { host, ...headers } });

/** A team whose workspace has `domain` verified by its DNS TXT record. */
async function teamOnDomain(domain = domainName()) {
  const team = await makeTeam(t);
  const set = await setDomain(team, domain);
  assert.equal(set.statusCode, 200, set.body);
  zone.txt(`_portico.${domain}`, set.json().txtValue);
  const v = await verify(team);
  assert.equal(v.statusCode, 200, v.body);
  assert.equal(v.json().status.state, "verified", v.body);
  return { team, domain };
}

describe("setting a custom domain", () => {
  test("only a real host name, not an IP, not this server's own, not another workspace's", async () => {
    const team = await makeTeam(t);
    const other = await makeTeam(t);
    for (const [value, field] of [
      ["203.0.113.7", /IP address/],
      ["[2001:db8::1]", /IP address|host name/],
      ["localhost", /full host name/],
      ["exa mple.com", /host name/],
      ["bad_name.example.com", /host name/],
      ["portico.example.test", /own address/],
    ] as const) {
      const res = await setDomain(team, value);
      assert.equal(res.statusCode, 400, `${value}: ${res.body}`);
      assert.match(res.json().error.fields.domain, field, value);
    }
    const domain = domainName();
    const ok = await setDomain(other, `HTTPS://${domain.toUpperCase()}./`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().domain, domain, "lower case, no scheme, path or trailing dot");
    assert.equal(ok.json().state, "pending");
    // Another's pending claim holds nothing: both claim it until one proves it by DNS.
    const alsoClaimed = await setDomain(team, domain);
    assert.equal(alsoClaimed.statusCode, 200, alsoClaimed.body);
    zone.txt(`_portico.${domain}`, ok.json().txtValue);
    const proved = await verify(other);
    assert.equal(proved.json().status.state, "verified", proved.body);
    const mine = await t.app.inject({ url: API, headers: team.admin.headers });
    assert.equal(mine.json().state, "none", "the losing claim ends with the DNS proof");
    const taken = await setDomain(team, domain);
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, "domain_taken");
    const agent = await setDomain(team, domainName(), team.agent.headers);
    assert.equal(agent.statusCode, 403);
  });

  test("a pending domain answers its token at the well-known path and serves nothing else", async () => {
    const team = await makeTeam(t);
    const domain = domainName();
    const set = await setDomain(team, domain);
    const token = set.json().token as string;
    assert.match(token, /^[A-Za-z0-9_-]{20,}$/);
    const known = await onHost(domain, `/.well-known/portico-domain-verification/${token}`);
    assert.equal(known.statusCode, 200);
    assert.equal(known.body, token);
    const wrong = await onHost(domain, "/.well-known/portico-domain-verification/not-the-token");
    assert.equal(wrong.statusCode, 404, "only the claim's own token is answered");
    const elsewhere = await onHost(
      "nobody.example.test",
      `/.well-known/portico-domain-verification/${token}`,
    );
    assert.equal(elsewhere.statusCode, 404);
    for (const url of ["/", "/kb", `/portal/${team.ws.slug}`]) {
      const res = await onHost(domain, url);
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, new RegExp(team.ws.name), url);
    }
    const ask = await t.app.inject({ url: `/tls/ask?domain=${domain}` });
    assert.equal(ask.statusCode, 404, "no certificate before verification");
  });

  test("DNS: a TXT record with another token fails with the reason; the right one verifies", async () => {
    const team = await makeTeam(t);
    const domain = domainName();
    const set = await setDomain(team, domain);
    zone.txt(`_portico.${domain}`, "portico-verification=not-this-one");
    const failed = await verify(team);
    assert.equal(failed.statusCode, 200);
    assert.equal(failed.json().status.state, "pending");
    assert.match(failed.json().checks.dns.detail, /does not hold this token/);
    assert.match(failed.json().checks.http.detail, /no A or AAAA record/);
    zone.txt(`_portico.${domain}`, set.json().txtValue);
    const ok = await verify(team);
    assert.equal(ok.json().status.state, "verified");
    assert.ok(ok.json().status.verifiedAt);
    assert.equal(ok.json().status.portalUrl, `https://${domain}/`);
    const audit = await t.app.inject({ url: "/api/workspace/audit", headers: team.admin.headers });
    const actions = (audit.json().items as { action: string }[]).map((i) => i.action);
    assert.ok(
      actions.includes("settings.domain") && actions.includes("settings.domain_verified"),
      actions.join(),
    );
  });

  test("HTTP: Portico asks the domain's address and finds its own token; internal addresses need the operator's consent", async () => {
    const team = await makeTeam(t);
    const domain = domainName();
    await setDomain(team, domain);
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    addresses.set(domain, "127.0.0.1");
    const check = t.ctx.config.domainCheck;
    const saved = { ...check };
    try {
      check.httpPort = port;
      const refused = await verify(team);
      assert.equal(refused.json().status.state, "pending");
      assert.match(refused.json().checks.http.detail, /internal address \(127\.0\.0\.1\)/);
      check.allowInternal = true;
      const ok = await verify(team);
      assert.equal(ok.json().status.state, "verified", ok.body);
      assert.equal(ok.json().checks.http.ok, true);
      assert.equal(ok.json().checks.dns.ok, false);
    } finally {
      Object.assign(check, saved);
    }
  });
});

describe("a name no workspace can take from another", () => {
  test("another workspace's old domain is refused; when two claim a name, HTTP does not decide", async () => {
    // V verified a name, then moved to another: the old one still redirects to V.
    const { team: v, domain: old } = await teamOnDomain();
    const next = domainName();
    assert.equal((await setDomain(v, next)).statusCode, 200);
    const a = await makeTeam(t);
    const refused = await setDomain(a, old);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().error.code, "domain_taken");
    const stillV = await onHost(old, "/kb");
    assert.equal(stillV.statusCode, 301, "V's old links still lead to V");

    // Two pending claims of one name that reaches this server: the HTTP check proves nothing.
    const contested = domainName();
    const b = await makeTeam(t);
    assert.equal((await setDomain(a, contested)).statusCode, 200);
    assert.equal((await setDomain(b, contested)).statusCode, 200);
    await t.app.listen({ port: 0, host: "127.0.0.1" }).catch(() => undefined);
    const { port } = t.app.server.address() as AddressInfo;
    addresses.set(contested, "127.0.0.1");
    const check = t.ctx.config.domainCheck;
    const saved = { ...check };
    try {
      Object.assign(check, { httpPort: port, allowInternal: true });
      const tried = await verify(a);
      assert.equal(tried.json().status.state, "pending", tried.body);
      assert.match(tried.json().checks.http.detail, /claims .* too: the DNS record decides/);
    } finally {
      Object.assign(check, saved);
    }
  });

  test("without PUBLIC_URL no custom domain can be set: the server's own name is unknown", async () => {
    const bare = await testEnv({}, { dns });
    try {
      const team = await makeTeam(bare);
      const res = await bare.app.inject({
        method: "PUT",
        url: API,
        headers: team.admin.headers,
        payload: { domain: "desk.example.test" },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.fields.domain, /PUBLIC_URL/);
    } finally {
      await bare.close();
    }
  });
});

describe("serving a verified domain", () => {
  test("the root is the portal; Host case, port and trailing dot do not matter", async () => {
    const { team, domain } = await teamOnDomain();
    for (const host of [domain, domain.toUpperCase(), `${domain}:443`, `${domain}.`]) {
      const home = await onHost(host, "/");
      assert.equal(home.statusCode, 200, host);
      assert.match(home.body, /role="search"/, "the portal's home, search first");
      assert.match(home.body, new RegExp(team.ws.name));
      const submit = await onHost(host, "/submit");
      assert.equal(submit.statusCode, 200, `${host}: ${submit.body.slice(0, 200)}`);
      assert.match(submit.body, new RegExp(team.ws.name));
    }
    const kb = await onHost(domain, "/kb");
    assert.equal(kb.statusCode, 200);
    const own = await onHost(domain, `/portal/${team.ws.slug}/submit`);
    assert.equal(own.statusCode, 200, "the pages' own links work there too");
    const sizer = await onHost(domain, "/portal/embed.js");
    assert.equal(sizer.statusCode, 200, "the iframe embed's script, as on this server's own address");
    assert.match(String(sizer.headers["content-type"]), /^text\/javascript/);
    const ask = await t.app.inject({ url: `/tls/ask?domain=${domain.toUpperCase()}` });
    assert.equal(ask.statusCode, 200);
    assert.equal((await t.app.inject({ url: "/tls/ask?domain=portico.example.test" })).statusCode, 200);
    assert.equal((await t.app.inject({ url: "/tls/ask?domain=evil.example.test" })).statusCode, 404);
    assert.equal((await t.app.inject({ url: "/tls/ask" })).statusCode, 404);
  });

  test("each host serves its own workspace and never another's", async () => {
    const a = await teamOnDomain();
    const b = await teamOnDomain();
    const onA = await onHost(a.domain, "/submit");
    assert.match(onA.body, new RegExp(a.team.ws.name));
    assert.doesNotMatch(onA.body, new RegExp(b.team.ws.name));
    const onB = await onHost(b.domain, "/submit");
    assert.match(onB.body, new RegExp(b.team.ws.name));
    assert.doesNotMatch(onB.body, new RegExp(a.team.ws.name));
    // One workspace per host: another's slug is not found, pages and APIs alike.
    for (const url of [
      `/portal/${b.team.ws.slug}`,
      `/portal/${b.team.ws.slug}/kb`,
      `/api/public/portals/${b.team.ws.slug}/kb`,
      `/api/portal/${b.team.ws.slug}/me`,
    ]) {
      const res = await onHost(a.domain, url);
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, new RegExp(b.team.ws.name), url);
    }
    const api = await onHost(a.domain, `/api/public/portals/${a.team.ws.slug}/kb`);
    assert.equal(api.statusCode, 200, "its own portal's API is there");
    // A customer's session of B sent to A's host opens nothing of A's.
    const me = await onHost(a.domain, `/api/portal/${a.team.ws.slug}/me`, { cookie: b.team.admin.cookie });
    assert.equal(me.statusCode, 401);
  });

  test("agents' pages and APIs on a custom host go to PUBLIC_URL", async () => {
    const { domain, team } = await teamOnDomain();
    for (const url of ["/app", "/app/tickets?x=1", "/setup", "/api/workspace/session", "/api/auth/sign-in"]) {
      const res = await onHost(domain, url, { cookie: team.admin.cookie });
      assert.equal(res.statusCode, 302, url);
      assert.equal(res.headers.location, `${PUBLIC}${url}`, url);
    }
  });

  test("an unknown host is not found; an IP, localhost or PUBLIC_URL's host is this server", async () => {
    const { team } = await teamOnDomain();
    for (const host of ["evil.example.test", "unverified.acme.test"]) {
      for (const url of ["/", `/portal/${team.ws.slug}`, "/app"]) {
        const res = await onHost(host, url);
        assert.equal(res.statusCode, 404, `${host}${url}`);
        assert.doesNotMatch(res.body, new RegExp(team.ws.name));
      }
    }
    for (const host of [
      "127.0.0.1:3000",
      "[::1]:3000",
      "localhost",
      "portico.example.test",
      "PORTICO.example.test.",
    ]) {
      const res = await onHost(host, `/portal/${team.ws.slug}/submit`);
      assert.equal(res.statusCode, 200, host);
    }
    assert.equal((await onHost("evil.example.test", "/healthz")).statusCode, 200, "health on any host");
  });

  test("tracking links use the domain and open the request there", async () => {
    const { team, domain } = await teamOnDomain();
    const s = await submitTicket(t, team.ws.slug);
    const link = new URL(s.trackingUrl);
    assert.equal(link.origin, `https://${domain}`);
    assert.equal(link.pathname, `/tickets/${s.reference}`);
    const opened = await onHost(domain, `${link.pathname}${link.search}`);
    assert.equal(opened.statusCode, 303, opened.body);
    const location = opened.headers.location as string;
    const cookie = opened.cookies.find((c) => c.name === "portico_track");
    assert.ok(cookie, "the token moves into a cookie");
    assert.ok(
      location.startsWith(cookie.path as string),
      `${location} is under the cookie's path ${cookie.path}`,
    );
    const page = await onHost(domain, location, { cookie: `portico_track=${cookie.value}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /The printer is on fire/);
    // The same link on another verified domain opens nothing.
    const other = await teamOnDomain();
    const elsewhere = await onHost(other.domain, `${link.pathname}${link.search}`);
    assert.equal(elsewhere.statusCode, 404);
    assert.doesNotMatch(elsewhere.body, /The printer is on fire/);
  });
});

describe("changing the address keeps old links working", () => {
  test("an old slug answers 301 to the same page and query under the new one", async () => {
    const team = await makeTeam(t);
    const old = team.ws.slug;
    const fresh = `new-${old}`;
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/slug",
      headers: team.admin.headers,
      payload: { slug: fresh },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().slug, fresh);
    const moved = await t.app.inject({ url: `/portal/${old}/kb?q=printer` });
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `/portal/${fresh}/kb?q=printer`);
    assert.equal((await t.app.inject({ url: `/portal/${fresh}/kb` })).statusCode, 200);
    // Taken (now or before), reserved, malformed.
    const other = await makeTeam(t);
    for (const [slug, status, code] of [
      [fresh, 409, "slug_taken"],
      [old, 409, "slug_taken"],
      ["app", 400, "validation_failed"],
      ["Not A Slug", 400, "validation_failed"],
    ] as const) {
      const r = await t.app.inject({
        method: "PUT",
        url: "/api/workspace/settings/slug",
        headers: other.admin.headers,
        payload: { slug },
      });
      assert.equal(r.statusCode, status, `${slug}: ${r.body}`);
      assert.equal(r.json().error.code, code);
    }
    // Going back to its own old slug is allowed; then the other one redirects.
    const back = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/slug",
      headers: team.admin.headers,
      payload: { slug: old },
    });
    assert.equal(back.statusCode, 200, back.body);
    assert.equal((await t.app.inject({ url: `/portal/${old}/kb` })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/portal/${fresh}` })).headers.location, `/portal/${old}`);
    const audit = await t.app.inject({
      url: "/api/workspace/audit?action=settings.slug",
      headers: team.admin.headers,
    });
    assert.equal(audit.json().items.length, 2);
  });

  test("an old domain answers 301 to the new address; the ask still answers for it", async () => {
    const { team, domain } = await teamOnDomain();
    const next = domainName();
    assert.equal((await setDomain(team, next)).statusCode, 200);
    const moved = await onHost(domain, "/kb?q=x");
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `${PUBLIC}/portal/${team.ws.slug}/kb?q=x`, "the new one is pending");
    zone.txt(
      `_portico.${next}`,
      (await t.app.inject({ url: API, headers: team.admin.headers })).json().txtValue,
    );
    await verify(team);
    const now = await onHost(domain, "/kb?q=x");
    assert.equal(now.headers.location, `https://${next}/kb?q=x`);
    assert.equal((await t.app.inject({ url: `/tls/ask?domain=${domain}` })).statusCode, 200);
    const removed = await t.app.inject({ method: "DELETE", url: API, headers: team.admin.headers });
    assert.equal(removed.json().state, "none");
    assert.equal((await onHost(next, "/")).headers.location, `${PUBLIC}/portal/${team.ws.slug}`);
  });
});

describe("the Domain settings page", () => {
  const form = (team: Team, url: string, fields: Record<string, string> = {}) =>
    t.app.inject({
      method: "POST",
      url,
      headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: team.admin.csrf, ...fields }).toString(),
    });

  test("an admin sets the domain, sees the proofs and why a check failed, then the verified state", async () => {
    const team = await makeTeam(t);
    const settings = await t.app.inject({ url: "/app/settings", headers: { cookie: team.admin.cookie } });
    assert.match(settings.body, /href="\/app\/settings\/domain"/);
    const bad = await form(team, "/app/settings/domain", { domain: "10.0.0.1" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not an IP address/);
    assert.match(bad.body, /value="10\.0\.0\.1"/, "what was typed stays");
    const domain = domainName();
    const saved = await form(team, "/app/settings/domain", { domain });
    assert.equal(saved.statusCode, 303);
    const page = await t.app.inject({
      url: saved.headers.location as string,
      headers: { cookie: team.admin.cookie },
    });
    assert.match(page.body, /Pending verification/);
    assert.match(page.body, new RegExp(`_portico\\.${domain.replace(/\./g, "\\.")}`));
    const status = (await t.app.inject({ url: API, headers: team.admin.headers })).json();
    assert.ok(page.body.includes(status.txtValue), "the TXT value to publish");
    const failed = await form(team, "/app/settings/domain/verify");
    assert.equal(failed.statusCode, 200);
    assert.match(failed.body, /Not verified yet/);
    assert.match(failed.body, /no TXT record at _portico\./);
    zone.txt(status.txtName, status.txtValue);
    const ok = await form(team, "/app/settings/domain/verify");
    assert.equal(ok.statusCode, 303);
    const verified = await t.app.inject({
      url: ok.headers.location as string,
      headers: { cookie: team.admin.cookie },
    });
    assert.match(verified.body, /Verified on <time/);
    // The Share panel now hands out the custom domain.
    const share = await t.app.inject({ url: "/app/settings", headers: { cookie: team.admin.cookie } });
    assert.ok(share.body.includes(`https://${domain}/submit`));
    assert.ok(
      share.body.includes(`https://${domain}/portal/embed.js`),
      "the embed's script from the same host",
    );
    // An agent sees the page but cannot change it.
    const agentView = await t.app.inject({
      url: "/app/settings/domain",
      headers: { cookie: team.agent.cookie },
    });
    assert.match(agentView.body, /Only admins change/);
  });

  test("the slug form warns that links change, refuses a reserved slug and changes it", async () => {
    const team = await makeTeam(t);
    const page = await t.app.inject({ url: "/app/settings/domain", headers: { cookie: team.admin.cookie } });
    assert.match(page.body, /Changing it changes every link to your portal/);
    const reserved = await form(team, "/app/settings/domain/slug", { slug: "setup" });
    assert.equal(reserved.statusCode, 400);
    assert.match(reserved.body, /is reserved/);
    const fresh = `renamed-${team.ws.slug}`;
    const done = await form(team, "/app/settings/domain/slug", { slug: fresh });
    assert.equal(done.statusCode, 303);
    const moved = await t.app.inject({ url: `/portal/${team.ws.slug}/submit` });
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `/portal/${fresh}/submit`);
  });
});
