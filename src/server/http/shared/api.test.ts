import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { buildApp } from "../../app.ts";
import { makeTeam, submitTicket, trackUrl } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

describe("operators", () => {
  test("/healthz and /readyz", async () => {
    assert.deepEqual((await t.app.inject({ url: "/healthz" })).json(), { status: "ok" });
    const ready = await t.app.inject({ url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ready" });
  });

  test("/readyz says 503 when the database is gone", async () => {
    const local = await testEnv();
    const { database } = local.ctx;
    const broken = { ...local.ctx, database: { ...database, ping: () => Promise.reject(new Error("down")) } };
    const app = await buildApp(broken);
    const res = await app.inject({ url: "/readyz" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().status, "unavailable");
    await app.close();
    await local.close();
  });
});

describe("the API document", () => {
  test("OpenAPI 3 at /api/openapi.json describes every route with its schemas", async () => {
    const res = await t.app.inject({ url: "/api/openapi.json" });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      "/api/public/portals/{slug}/tickets",
      "/api/public/portals/{slug}/tickets/{reference}",
      "/api/public/portals/{slug}/tickets/{reference}/replies",
      "/api/auth/sign-in",
      "/api/workspace/tickets",
      "/api/workspace/tickets/{reference}",
      "/api/workspace/tickets/{reference}/notes",
      "/api/workspace/contacts/{id}",
      "/api/workspace/settings/branding",
      "/healthz",
      "/readyz",
    ]) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
    }
    assert.deepEqual(
      paths.filter((p) => !p.startsWith("/api/") && !["/healthz", "/readyz"].includes(p)),
      [],
      "HTML pages are not part of the API document",
    );
    const submit = doc.paths["/api/public/portals/{slug}/tickets"].post;
    const body = submit.requestBody.content["application/json"].schema;
    // Name and email are asked of visitors only: a signed-in customer submits as themselves.
    assert.deepEqual(body.required.sort(), ["subject"]);
    assert.ok(body.properties.name && body.properties.email);
    assert.equal(body.properties.description.maxLength, 5000);
    assert.equal(body.additionalProperties, false);
    assert.ok(submit.responses["429"], "documents the rate limit");
    assert.ok(doc.components.schemas.ErrorResponse);
  });

  test("every route's schemas compile, though each is compiled only when its route is first used", async () => {
    const local = await testEnv();
    // Nothing served yet: the submission route's checks wait, and answer right once made.
    const pending = local.app.schemaCompilers.compileAll();
    assert.ok(pending > 300, `${pending} schemas compiled`);
    assert.equal(local.app.schemaCompilers.compileAll(), 0, "each is compiled once");
    await local.close();
    const { ws } = await makeTeam(t);
    const bad = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${ws.slug}/tickets`,
      payload: { subject: 5, extra: true },
    });
    assert.equal(bad.statusCode, 400);
    const { error } = bad.json();
    assert.equal(error.code, "validation_failed");
    assert.equal(error.fields.subject, "must be a string");
    assert.equal(error.fields.extra, "is not a known field");
  });

  test("browsable docs at /api/docs", async () => {
    const res = await t.app.inject({ url: "/api/docs/" });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
  });
});

describe("answers", () => {
  test("unknown routes answer a JSON 404 in the error shape", async () => {
    const res = await t.app.inject({ url: "/api/nope" });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: "not_found", message: "Not found" } });
  });

  test("API answers carry a request id and safe headers", async () => {
    const res = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } });
    assert.equal(res.headers["x-request-id"], "abc-123");
    const api = await t.app.inject({ url: "/api/public/portals/nope" });
    assert.equal(api.headers["x-content-type-options"], "nosniff");
    assert.equal(api.headers["referrer-policy"], "no-referrer");
    assert.equal(api.headers["cache-control"], "no-store");
    assert.match(String(api.headers["content-security-policy"]), /frame-ancestors 'none'/);
    const weird = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "bad id\u0001" } });
    assert.notEqual(weird.headers["x-request-id"], "bad id\u0001");
  });
});

describe("logs", () => {
  test("one JSON line per request with its id, and never a token, password or message body", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        cb();
      },
    });
    const local = await testEnv();
    const app = await buildApp({ ...local.ctx, log: pino({ level: "info" }, sink) });
    const fake = { ...local, app } as TestEnv;
    const { ws, agent } = await makeTeam(fake);
    const s = await submitTicket(fake, ws.slug, { description: "BODY-MARKER-1" });
    await app.inject({ url: trackUrl(ws.slug, s), headers: { "x-request-id": "track-1" } });
    await app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/notes`,
      headers: agent.headers,
      payload: { body: "BODY-MARKER-2" },
    });
    await app.close();
    await local.close();
    const text = lines.join("\n");
    const parsed = lines.map((l) => JSON.parse(l));
    const track = parsed.find((l) => l.reqId === "track-1");
    assert.equal(track.route, "/api/public/portals/:slug/tickets/:reference");
    assert.equal(track.status, 200);
    assert.equal(typeof track.ms, "number");
    assert.ok(!text.includes(s.token), "no tracking token");
    assert.ok(!text.includes("correct horse"), "no password");
    assert.ok(!text.includes(agent.cookie.split("=")[1] as string), "no session token");
    assert.ok(!text.includes("BODY-MARKER"), "no message body");
  });
});
