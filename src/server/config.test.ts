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

test("https (PUBLIC_URL or COOKIE_SECURE) is known to the app; plain http is not https", () => {
  assert.equal(loadConfig({ PUBLIC_URL: "https://help.example.com" }).servedOverHttps, true);
  assert.equal(loadConfig({ COOKIE_SECURE: "true" }).servedOverHttps, true);
  assert.equal(loadConfig({ PUBLIC_URL: "http://localhost:3000" }).servedOverHttps, false);
  assert.equal(loadConfig({}).servedOverHttps, false);
  // Cookies may stay plain (COOKIE_SECURE=false) behind https; the headers still follow the URL.
  const mixed = loadConfig({ PUBLIC_URL: "https://help.example.com", COOKIE_SECURE: "false" });
  assert.deepEqual([mixed.servedOverHttps, mixed.cookieSecure], [true, false]);
});

test("sign-in throttling: per account and client, per account, per address", () => {
  const d = loadConfig({});
  assert.deepEqual(
    [d.loginFailuresPerClient, d.loginFailuresPerAccount, d.loginFailuresPerAddress],
    [10, 100, 50],
  );
  assert.throws(() => loadConfig({ LOGIN_FAILURES_PER_CLIENT: "0" }), /LOGIN_FAILURES_PER_CLIENT/);
});

test("files: local by default; S3 and the encryption key checked at boot", () => {
  const d = loadConfig({});
  assert.equal(d.s3, undefined);
  assert.equal(d.fileEncryptionKey, undefined);
  assert.equal(d.uploadRateLimit, 5);
  const hex = "ab".repeat(32);
  assert.equal(loadConfig({ FILE_ENCRYPTION_KEY: hex }).fileEncryptionKey?.toString("hex"), hex);
  assert.equal(
    loadConfig({ FILE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") }).fileEncryptionKey?.length,
    32,
  );
  assert.throws(() => loadConfig({ FILE_ENCRYPTION_KEY: "short" }), /FILE_ENCRYPTION_KEY must be 32 bytes/);
  const s3 = loadConfig({ S3_BUCKET: "files", S3_ENDPOINT: "http://127.0.0.1:9000" }).s3;
  assert.deepEqual(s3 && { bucket: s3.bucket, pathStyle: s3.forcePathStyle, region: s3.region }, {
    bucket: "files",
    pathStyle: true,
    region: "us-east-1",
  });
  assert.equal(loadConfig({ S3_BUCKET: "files" }).s3?.forcePathStyle, false, "AWS: virtual-hosted style");
  assert.throws(() => loadConfig({ S3_ENDPOINT: "http://127.0.0.1:9000" }), /S3_BUCKET is needed/);
  assert.throws(() => loadConfig({ S3_BUCKET: "b", S3_ACCESS_KEY_ID: "x" }), /go together/);
  assert.throws(() => loadConfig({ S3_BUCKET: "b", S3_ENDPOINT: "ftp://x" }), /S3_ENDPOINT must start with/);
});

test("mail: files by default, SMTP_URL and MAIL_FROM checked, inbound domain and listener", () => {
  const d = loadConfig({});
  assert.equal(d.smtpUrl, undefined);
  assert.equal(d.mailFrom, "portico@portico.localhost");
  assert.equal(d.inboundSmtpPort, undefined);
  assert.equal(loadConfig({ PUBLIC_URL: "https://help.acme.test" }).mailFrom, "portico@help.acme.test");
  assert.equal(loadConfig({ SMTP_URL: "smtp://relay.acme.test:587" }).smtpUrl, "smtp://relay.acme.test:587");
  assert.throws(
    () => loadConfig({ SMTP_URL: "http://relay" }),
    /SMTP_URL must start with smtp:\/\/ or smtps:\/\//,
  );
  assert.throws(() => loadConfig({ MAIL_FROM: "not an address" }), /MAIL_FROM must be an email address/);
  assert.equal(loadConfig({ INBOUND_EMAIL_DOMAIN: "Mail.Acme.test" }).inboundEmailDomain, "mail.acme.test");
  assert.throws(
    () => loadConfig({ INBOUND_EMAIL_DOMAIN: "no spaces.test" }),
    /INBOUND_EMAIL_DOMAIN must be a domain/,
  );
  assert.equal(loadConfig({ INBOUND_SMTP_PORT: "2525" }).inboundSmtpPort, 2525);
  assert.equal(d.mailWorker, true);
  assert.equal(loadConfig({ MAIL_WORKER: "false" }).mailWorker, false);
  assert.throws(() => loadConfig({ MAIL_WORKER: "sometimes" }), /MAIL_WORKER must be true or false/);
  assert.throws(() => loadConfig({ INBOUND_SMTP_PORT: "99999" }), /INBOUND_SMTP_PORT must be a whole number/);
});

test("IMAP: unset by default, checked at boot, poll interval 10 s to 1 h", () => {
  const d = loadConfig({});
  assert.equal(d.imapUrl, undefined);
  assert.equal(d.imapPollSeconds, 60);
  const url = "imaps://support%40example.com:p%40ss@imap.example.com/Support";
  assert.equal(loadConfig({ IMAP_URL: url, IMAP_WORKSPACE: "acme" }).imapUrl, url);
  assert.throws(() => loadConfig({ IMAP_URL: url }), /IMAP_WORKSPACE .* is needed with IMAP_URL/);
  assert.throws(() => loadConfig({ IMAP_URL: url, IMAP_WORKSPACE: "Not a slug" }), /IMAP_WORKSPACE must be/);
  assert.equal(loadConfig({ IMAP_POLL_SECONDS: "300" }).imapPollSeconds, 300);
  assert.throws(
    () => loadConfig({ IMAP_URL: "pop3://u:p@mail.example.com" }),
    (e: Error) => e instanceof ConfigError && /^IMAP_URL: .*imap:\/\/ or imaps:\/\//.test(e.message),
  );
  assert.throws(
    () => loadConfig({ IMAP_URL: "imap://u@mail.example.com" }),
    (e: Error) => /IMAP_URL: .*no password/.test(e.message) && !e.message.includes("mail.example.com"),
  );
  assert.throws(
    () => loadConfig({ IMAP_URL: "imap://u:hunter2@/INBOX" }),
    (e: Error) => {
      assert.match(e.message, /^IMAP_URL: .*not a valid URL/);
      assert.ok(!e.message.includes("hunter2"), "no password in the message");
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ IMAP_POLL_SECONDS: "5" }),
    /IMAP_POLL_SECONDS must be a whole number from 10 to 3600/,
  );
  assert.throws(() => loadConfig({ IMAP_POLL_SECONDS: "3601" }), /IMAP_POLL_SECONDS/);
});

test("incoming senders: checked here by default, or by a named mail server; confirmations capped", () => {
  const d = loadConfig({});
  assert.equal(d.inboundTrustedAuthservId, undefined);
  assert.equal(d.inboundAuthTimeoutMs, 10_000);
  assert.equal(d.unverifiedRecipientEmailsPerHour, 3);
  assert.equal(
    loadConfig({ INBOUND_TRUSTED_AUTHSERV_ID: "MX.Google.com" }).inboundTrustedAuthservId,
    "mx.google.com",
  );
  assert.throws(
    () => loadConfig({ INBOUND_TRUSTED_AUTHSERV_ID: "mx.example.com; dmarc=pass" }),
    /INBOUND_TRUSTED_AUTHSERV_ID must be the host name/,
  );
  assert.throws(() => loadConfig({ INBOUND_AUTH_TIMEOUT_MS: "0" }), /INBOUND_AUTH_TIMEOUT_MS/);
  assert.throws(
    () => loadConfig({ UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "none" }),
    /UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR/,
  );
});

test("ClamAV: CLAMAV_URL and CLAMAV_ON_ERROR are checked at boot", () => {
  assert.equal(loadConfig({}).clamav, undefined);
  const tcp = loadConfig({ CLAMAV_URL: "tcp://127.0.0.1:3310" }).clamav;
  assert.deepEqual(tcp?.address, { kind: "tcp", host: "127.0.0.1", port: 3310 });
  assert.equal(tcp?.onError, "refuse", "an upload nobody could scan is refused unless told otherwise");
  assert.equal(tcp?.timeoutMs, 30_000);
  assert.deepEqual(loadConfig({ CLAMAV_URL: "unix:/run/clamav/clamd.ctl" }).clamav?.address, {
    kind: "unix",
    path: "/run/clamav/clamd.ctl",
  });
  const accept = loadConfig({
    CLAMAV_URL: "tcp://clamd",
    CLAMAV_ON_ERROR: "accept",
    CLAMAV_TIMEOUT_SECONDS: "5",
  });
  assert.equal(accept.clamav?.onError, "accept");
  assert.equal(accept.clamav?.address.kind === "tcp" && accept.clamav.address.port, 3310);
  assert.equal(accept.clamav?.timeoutMs, 5000);
  assert.throws(
    () => loadConfig({ CLAMAV_URL: "http://clamd:3310" }),
    /CLAMAV_URL must be tcp:\/\/host:port/,
  );
  assert.throws(
    () => loadConfig({ CLAMAV_URL: "unix:clamd.ctl" }),
    /CLAMAV_URL needs an absolute socket path/,
  );
  assert.throws(
    () => loadConfig({ CLAMAV_URL: "tcp://clamd:3310/x" }),
    /CLAMAV_URL takes only a host and a port/,
  );
  assert.throws(
    () => loadConfig({ CLAMAV_URL: "tcp://clamd", CLAMAV_ON_ERROR: "ignore" }),
    /CLAMAV_ON_ERROR must be refuse or accept/,
  );
  assert.throws(() => loadConfig({ CLAMAV_ON_ERROR: "accept" }), /need CLAMAV_URL/);
  assert.throws(
    () => loadConfig({ CLAMAV_URL: "tcp://clamd", CLAMAV_TIMEOUT_SECONDS: "0" }),
    /CLAMAV_TIMEOUT_SECONDS/,
  );
});

test("HTTP limits: defaults in milliseconds and bytes, each variable checked", () => {
  assert.deepEqual(loadConfig({}).http, {
    headersTimeoutMs: 15_000,
    requestTimeoutMs: 60_000,
    bodyMinBytesPerSecond: 8 * 1024,
    keepAliveTimeoutMs: 72_000,
    idleTimeoutMs: 120_000,
    maxConcurrentUploads: 32,
    shutdownGraceMs: 10_000,
  });
  const c = loadConfig({
    SHUTDOWN_GRACE_SECONDS: "0",
    HTTP_BODY_MIN_KB_PER_SECOND: "0",
    MAX_CONCURRENT_UPLOADS: "1",
  });
  assert.equal(c.http.shutdownGraceMs, 0);
  assert.equal(c.http.bodyMinBytesPerSecond, 0);
  assert.equal(c.http.maxConcurrentUploads, 1);
  for (const name of [
    "HTTP_HEADERS_TIMEOUT_SECONDS",
    "HTTP_REQUEST_TIMEOUT_SECONDS",
    "HTTP_KEEP_ALIVE_TIMEOUT_SECONDS",
    "HTTP_IDLE_TIMEOUT_SECONDS",
    "MAX_CONCURRENT_UPLOADS",
  ]) {
    assert.throws(() => loadConfig({ [name]: "0" }), new RegExp(name));
  }
  assert.throws(() => loadConfig({ SHUTDOWN_GRACE_SECONDS: "soon" }), /SHUTDOWN_GRACE_SECONDS/);
});

test("metrics: off by default; a token of at least 16 characters; a private port on 127.0.0.1", () => {
  const c = loadConfig({});
  assert.equal(c.metricsToken, undefined);
  assert.equal(c.metricsPort, undefined);
  assert.equal(c.sqliteCacheMb, 32);
  assert.equal(loadConfig({ METRICS_TOKEN: "0123456789abcdef" }).metricsToken, "0123456789abcdef");
  assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), /METRICS_TOKEN must be 16 to 512/);
  assert.throws(() => loadConfig({ METRICS_TOKEN: "with a space in it, long" }), /METRICS_TOKEN/);
  const p = loadConfig({ METRICS_PORT: "9464" });
  assert.deepEqual([p.metricsPort, p.metricsHost], [9464, "127.0.0.1"]);
  assert.throws(() => loadConfig({ METRICS_PORT: "x" }), /METRICS_PORT/);
  assert.equal(loadConfig({ SQLITE_CACHE_MB: "64" }).sqliteCacheMb, 64);
  assert.throws(() => loadConfig({ SQLITE_CACHE_MB: "0" }), /SQLITE_CACHE_MB/);
});

test("CACHE_MEMORY_MB sizes the caches: 40% to each SQLite connection's page cache, 20% to the read caches", () => {
  const c = loadConfig({});
  assert.deepEqual([c.cacheMemoryMb, c.sqliteCacheMb, c.readCacheMb], [80, 32, 16]);
  const small = loadConfig({ CACHE_MEMORY_MB: "40" });
  assert.deepEqual([small.cacheMemoryMb, small.sqliteCacheMb, small.readCacheMb], [40, 16, 8]);
  // SQLITE_CACHE_MB, when set, still gives each connection's page cache itself.
  const both = loadConfig({ CACHE_MEMORY_MB: "40", SQLITE_CACHE_MB: "64" });
  assert.deepEqual([both.sqliteCacheMb, both.readCacheMb], [64, 8]);
  assert.throws(() => loadConfig({ CACHE_MEMORY_MB: "4" }), /CACHE_MEMORY_MB must be a whole number from 8/);
  assert.throws(() => loadConfig({ CACHE_MEMORY_MB: "lots" }), /CACHE_MEMORY_MB/);
});
