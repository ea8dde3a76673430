import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./config.ts";

test("defaults: port 3000, ./data, embedded SQLite, memory rate limits", () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, path.resolve("./data"));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.redisUrl, undefined);
  assert.equal(c.trustProxy, false);
  assert.equal(c.submitRateLimitPerHour, 10);
});

test("TRUST_PROXY takes addresses, a list, true or a hop count", () => {
  assert.equal(loadConfig({ TRUST_PROXY: "loopback" }).trustProxy, "loopback");
  assert.deepEqual(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.0.0.2" }).trustProxy, ["10.0.0.1", "10.0.0.2"]);
  assert.equal(loadConfig({ TRUST_PROXY: "2" }).trustProxy, 2);
  assert.equal(loadConfig({ TRUST_PROXY: "true" }).trustProxy, true);
});

test("bad values are refused at boot with the variable's name", () => {
  assert.throws(
    () => loadConfig({ PORT: "http" }),
    (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ DATABASE_URL: "mysql://x" }), /DATABASE_URL must start with postgres/);
  assert.throws(() => loadConfig({ REDIS_URL: "not a url" }), /REDIS_URL is not a valid URL/);
  assert.throws(() => loadConfig({ LOG_LEVEL: "loud" }), /LOG_LEVEL/);
  assert.throws(() => loadConfig({ COOKIE_SECURE: "maybe" }), /COOKIE_SECURE/);
});

test("PUBLIC_URL over https makes the cookie Secure", () => {
  assert.equal(loadConfig({ PUBLIC_URL: "https://help.example.com/" }).cookieSecure, true);
  assert.equal(loadConfig({ PUBLIC_URL: "https://help.example.com/" }).publicUrl, "https://help.example.com");
});
