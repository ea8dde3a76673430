import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeCustomer, makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { CONTROL_CHARACTERS_MESSAGE } from "./control-characters.ts";
import { firstRepeatedKey, parseJsonBody } from "./json-body.ts";
import { validateBody } from "./validation.ts";

// What a request carries is checked in one place per kind, for every route the app registered
// (buildApp's registeredRoutes), not for a hand-made list: control characters in paths, query
// strings and forms (control-characters.ts), in JSON bodies (each body schema's strings), and
// keys repeated within a JSON object (json-body.ts). On SQLite and PostgreSQL alike.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
let customer: Awaited<ReturnType<typeof makeCustomer>>;
before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
  customer = await makeCustomer(t, team.ws.id);
  await submitTicket(t, team.ws.slug);
});
after(() => t.close());

/** Signed in as an admin and as a customer, with the CSRF token the URL's tree checks. */
const signedIn = (url: string) => ({
  cookie: `${team.admin.cookie}; ${customer.cookie}`,
  "x-csrf-token": url.startsWith("/api/portal") ? customer.csrf : team.admin.csrf,
});

/**
 * The page trees answer with pages; everything else (the API, assets, health) in JSON: a portal's
 * brand images and manifest, and the iframe embed's script, are assets, though their address is the portal's.
 */
const isJsonTree = (url: string) =>
  /^\/portal\/(:slug\/(brand\/|manifest\.webmanifest$|widget\.js$)|embed\.js$)/.test(url) ||
  !/^\/(app|setup|portal)(\/|$)|^\/$/.test(url);
const paramsOf = (url: string) => [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
const pathWith = (url: string, values: Record<string, string>) =>
  url
    .replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? (name === "slug" ? team.ws.slug : "x"))
    .replace(/\*$/, values["*"] ?? "x");
const routes = () => {
  const seen = new Set<string>();
  return t.app.registeredRoutes.filter((r) => {
    const key = `${r.method} ${r.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

describe("control characters in the address", () => {
  test("a NUL in every path parameter and query parameter of every route is a 4xx naming it", async () => {
    const all = routes();
    assert.ok(all.length > 80, `the app's routes were collected (${all.length})`);
    const problems: string[] = [];
    let tried = 0;
    for (const route of all) {
      // Each declared query parameter, each path parameter, and one nobody declared.
      const cases: [string, string][] = [
        ...route.query.map((q) => [q, `${pathWith(route.url, {})}?${q}=a%00b`] as [string, string]),
        ...paramsOf(route.url).map((p) => [p, pathWith(route.url, { [p]: "a%00b" })] as [string, string]),
        ["zz", `${pathWith(route.url, {})}?zz=%00`],
      ];
      for (const [field, url] of cases) {
        tried++;
        const res = await t.app.inject({ method: route.method as "GET", url, headers: signedIn(route.url) });
        const where = `${route.method} ${route.url} (${field}): ${res.statusCode}`;
        if (res.statusCode !== 400) {
          problems.push(`${where} ${res.body.slice(0, 200)}`);
          continue;
        }
        if (route.method === "HEAD") continue;
        if (isJsonTree(route.url)) {
          const error = res.json().error;
          if (error.code !== "validation_failed" || error.fields?.[field] !== CONTROL_CHARACTERS_MESSAGE) {
            problems.push(`${where} ${res.body}`);
          }
        } else if (
          !String(res.headers["content-type"]).startsWith("text/html") ||
          !res.body.toLowerCase().includes(field.toLowerCase())
        ) {
          problems.push(`${where} ${res.headers["content-type"]} ${res.body.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(tried > 150, `${tried} requests`);
  });

  test("the contacts search with a NUL: 400 naming q, not a database error", async () => {
    for (const q of ["%00", "a%00", "%1B%5B31m", "%7F"]) {
      const res = await t.app.inject({ url: `/api/workspace/contacts?q=${q}`, headers: team.admin.headers });
      assert.equal(res.statusCode, 400, q);
      assert.deepEqual(res.json().error, {
        code: "validation_failed",
        message: "Some fields need attention.",
        fields: { q: CONTROL_CHARACTERS_MESSAGE },
      });
    }
    const fine = await t.app.inject({
      url: "/api/workspace/contacts?q=%C3%A9t%C3%A9",
      headers: team.admin.headers,
    });
    assert.equal(fine.statusCode, 200);
  });

  test("a repeated query parameter is checked in every value", async () => {
    const res = await t.app.inject({
      url: `/portal/${team.ws.slug}/kb/search?q=printer&q=%00`,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /q must not contain control characters/);
  });
});

describe("control characters in forms", () => {
  test("a page's form field with a control character is refused, naming the field", async () => {
    for (const [value, refused] of [
      ["A%00B", true],
      ["A%1BB", true],
      ["A%7FB", true],
      ["line%0D%0Anext%09tab", false],
    ] as const) {
      const res = await t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/submit`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: `name=Casey&email=c%40x.test&subject=Hello&description=${value}`,
      });
      if (refused) {
        assert.equal(res.statusCode, 400, value);
        assert.match(String(res.headers["content-type"]), /^text\/html/);
        assert.match(res.body, /Description must not contain control characters/);
      } else {
        assert.equal(res.statusCode, 200, `${value}: ${res.body.slice(0, 300)}`);
      }
    }
  });

  test("the agents' pages say which field, in the app's words", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/app/sign-in",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `workspace=${team.ws.slug}&email=a%00%40b.test&password=x`,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Email must not contain control characters/);
    const inApp = await t.app.inject({
      method: "POST",
      url: "/app/kb/categories",
      headers: { cookie: team.admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(team.admin.csrf)}&name=Print%00ers`,
    });
    assert.equal(inApp.statusCode, 400);
    assert.match(inApp.body, /Name must not contain control characters/);
  });
});

describe("control characters in JSON bodies", () => {
  test("every string of every route's body schema refuses NUL and other control characters", () => {
    const leaves: [string, object][] = [];
    const walk = (schema: unknown, path: string) => {
      if (schema === null || typeof schema !== "object") return;
      const s = schema as Record<string, unknown>;
      const types = [s.type].flat();
      if (types.includes("string")) leaves.push([path, s]);
      for (const k of ["anyOf", "oneOf", "allOf"]) for (const b of (s[k] as unknown[]) ?? []) walk(b, path);
      if (s.items) walk(s.items, `${path}[]`);
      for (const [k, p] of Object.entries((s.properties as object) ?? {})) walk(p, path ? `${path}.${k}` : k);
      if (typeof s.additionalProperties === "object") walk(s.additionalProperties, `${path}.*`);
    };
    const bodies = routes().filter((r) => r.body && !(r.body as { content?: unknown }).content);
    assert.ok(bodies.length > 15, `${bodies.length} routes with a JSON body`);
    for (const r of bodies) walk(r.body, `${r.method} ${r.url} `);
    const lax = leaves
      .filter(([, leaf]) => ["a\u0000b", "a\u001bb", "a\u007fb"].some((v) => validateBody(leaf, v) === null))
      .map(([path]) => path);
    assert.deepEqual(lax, []);
    assert.ok(leaves.length > 40, `${leaves.length} strings`);
  });

  test("a NUL in a JSON body names its field", async () => {
    const res = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/TKT-0001`,
      headers: team.admin.headers,
      payload: { assigneeId: "a\u0000b" },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, "validation_failed");
    assert.ok(res.json().error.fields.assigneeId, res.body);
  });
});

describe("repeated JSON keys", () => {
  test("a submission with its email twice is refused, naming the key", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${team.ws.slug}/tickets`,
      headers: { "content-type": "application/json" },
      payload: '{"name":"A","email":"victim@x.test","subject":"S","email":"me@x.test"}',
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error, {
      code: "invalid_json",
      message: 'The key "email" appears more than once.',
      fields: { email: "appears more than once" },
    });
  });

  test("every route that reads JSON refuses a key repeated in a nested object", async () => {
    const writes = routes().filter(
      (r) => !["GET", "HEAD", "OPTIONS"].includes(r.method) && !(r.body as { content?: unknown })?.content,
    );
    assert.ok(writes.length > 30, `${writes.length} routes that take a body`);
    const problems: string[] = [];
    for (const route of writes) {
      const res = await t.app.inject({
        method: route.method as "POST",
        url: pathWith(route.url, {}),
        headers: { ...signedIn(route.url), "content-type": "application/json" },
        payload: '{"x":{"y":1,"z":[{"w":2}],"y":3}}',
      });
      const where = `${route.method} ${route.url}: ${res.statusCode}`;
      if (res.statusCode !== 400) problems.push(`${where} ${res.body.slice(0, 200)}`);
      else if (isJsonTree(route.url)) {
        const error = res.json().error;
        if (error.code !== "invalid_json" || !error.fields?.["x.y"]) problems.push(`${where} ${res.body}`);
      } else if (!res.body.includes("x.y")) problems.push(`${where} ${res.body.slice(0, 200)}`);
    }
    assert.deepEqual(problems, []);
  });

  test("the scanner: escapes, strings that look like keys, arrays, levels", () => {
    assert.equal(firstRepeatedKey('{"a":1,"b":{"a":2}}'), null);
    assert.equal(firstRepeatedKey('{"a":"\\"a\\":1","b":"a\\":"}'), null);
    assert.equal(firstRepeatedKey('{"a":1,"\\u0061":2}'), "a");
    assert.equal(firstRepeatedKey('[{"a":1},{"a":1,"b":[1,{"c":1,"c":2}]}]'), "1.b.1.c");
    assert.equal(firstRepeatedKey('{"x\\\\":1,"x\\\\":2}'), "x\\");
    assert.equal(firstRepeatedKey('{"a,{":1,"b":{"a,{":2},"a,{":3}'), "a,{");
    assert.deepEqual(parseJsonBody('{"a":"\\":","b":1}'), { a: '":', b: 1 });
    assert.deepEqual(parseJsonBody("\uFEFF[1]"), [1]);
    assert.equal(parseJsonBody("2"), 2);
    for (const bad of ["", "{", '{"__proto__":{}}', '{"a":{"constructor":{"prototype":{}}}}']) {
      assert.throws(() => parseJsonBody(bad), /JSON|empty/);
    }
    // Deep nesting is walked without recursion.
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    assert.ok(Array.isArray(parseJsonBody(deep)));
    assert.equal(firstRepeatedKey(`${'{"a":'.repeat(1000)}1${"}".repeat(1000)}`), null);
  });
});
