import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import S3rver from "s3rver";
import { systemActor } from "../actors.ts";
import { loadConfig } from "../config.ts";
import { createScratchDatabase, type ScratchDatabase } from "../db/scratch.ts";
import { type SmtpSink, startSmtpSink } from "../email/smtp-sink.test-support.ts";
import { closeContext, createContext } from "../main.ts";
import { freePort, startDaemon } from "../test/daemon.ts";
import { PASSWORD } from "../test/factories.ts";
import { createWorkspaceWithAdmin } from "../workspaces/workspace.service.ts";

// A small Portico installation for multi-process.test.ts: a scratch PostgreSQL database, the
// caller's Redis, an S3 server (s3rver) and an SMTP sink in this process, three real
// `portico serve` processes (the first two with an SMTP listener for incoming mail), and nginx in
// front of them with docs/deploy/nginx.conf as it is: only its ports and certificate are swapped,
// and one header added that names the process that answered (X-Portico-Upstream).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const NGINX = "/usr/sbin/nginx";
export const OPENSSL = "/usr/bin/openssl";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** 127.0.0.1:<port> of the process that answered. */
  upstream: string;
}

export interface Cluster {
  /** https://127.0.0.1:<nginx port> */
  base: string;
  /** The loopback address the test's requests come from, new each run (Redis windows of an earlier run do not count). */
  clientAddress: string;
  /** The processes' HTTP ports, and the SMTP listeners of the first two. */
  ports: number[];
  inboundPorts: number[];
  /** A connection to the shared database, for the test's own checks. */
  sql: pg.Client;
  sink: SmtpSink;
  s3: S3Client;
  bucket: string;
  /** Each process's DATA_DIR: nothing shared lives there. */
  dataDirs: string[];
  request(
    method: string,
    url: string,
    opts?: { headers?: Record<string, string>; body?: Buffer | string | object },
  ): Promise<Answer>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  databaseBaseUrl: string;
  redisUrl: string;
  slug: string;
  adminEmail: string;
  /** More settings for every process. */
  env: Record<string, string>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const { slug, adminEmail, redisUrl } = opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "portico-multi-"));
  const clientAddress = `127.${randomInt(100, 200)}.${randomInt(1, 250)}.${randomInt(1, 250)}`;
  const agent = new https.Agent({ rejectUnauthorized: false, localAddress: clientAddress, keepAlive: true });
  let base = "";
  let db: ScratchDatabase | undefined;
  let sql: pg.Client | undefined;
  let sink: SmtpSink | undefined;
  let s3: S3rver | undefined;
  let s3Client: S3Client | undefined;
  const stops: (() => Promise<void>)[] = [];
  const ports: number[] = [];
  const inboundPorts: number[] = [];

  const request = (
    method: string,
    url: string,
    opts: { headers?: Record<string, string>; body?: Buffer | string | object } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body =
        opts.body === undefined || Buffer.isBuffer(opts.body) || typeof opts.body === "string"
          ? opts.body
          : JSON.stringify(opts.body);
      const headers: Record<string, string> = {
        ...(typeof opts.body === "object" && !Buffer.isBuffer(opts.body)
          ? { "content-type": "application/json" }
          : {}),
        ...opts.headers,
      };
      const req = https.request(`${base}${url}`, { method, agent, headers, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: all,
            text: all.toString("utf8"),
            upstream: String(res.headers["x-portico-upstream"] ?? ""),
          });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on("error", reject);
      req.end(body);
    });

  const stop = async () => {
    agent.destroy();
    for (const s of stops) await s().catch(() => {});
    await sql?.end().catch(() => {});
    await db?.drop().catch(() => {});
    await sink?.stop().catch(() => {});
    s3Client?.destroy();
    await s3?.close().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    db = await createScratchDatabase(opts.databaseBaseUrl, "portico_multi");
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    sink = await startSmtpSink();
    s3 = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: path.join(tmp, "s3") });
    const { port: s3Port } = await s3.run();
    const s3Endpoint = `http://127.0.0.1:${s3Port}`;
    s3Client = new S3Client({
      endpoint: s3Endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    await s3Client.send(new CreateBucketCommand({ Bucket: "portico" }));

    const nginxPort = await freePort();
    base = `https://127.0.0.1:${nginxPort}`;
    const shared: Record<string, string> = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: "portico",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      FILE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      PUBLIC_URL: base,
      TRUST_PROXY: "127.0.0.1",
      SMTP_URL: sink.url,
      INBOUND_EMAIL_DOMAIN: "support.test",
      INBOUND_TRUSTED_AUTHSERV_ID: "mx.support.test",
      UNVERIFIED_RECIPIENT_EMAILS_PER_HOUR: "1000",
      PASSWORD_HASH_COST: "12",
      LOG_LEVEL: "warn",
      ...opts.env,
    };

    // The workspace first (this also migrates), its zone at local noon so the day's jobs are due.
    const setup = await createContext(loadConfig({ ...shared, DATA_DIR: path.join(tmp, "setup") }));
    try {
      await createWorkspaceWithAdmin(setup, systemActor("test"), {
        slug,
        name: "Acme",
        admin: { email: adminEmail, name: "Ada", role: "admin", password: PASSWORD },
      });
    } finally {
      await closeContext(setup);
    }
    const offset = 12 - new Date().getUTCHours();
    const zone = offset === 0 ? "UTC" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
    await sql.query("update workspaces set time_zone = $1 where slug = $2", [zone, slug]);

    const processes = await Promise.allSettled(
      [0, 1, 2].map(async (i) => {
        const port = await freePort();
        const inbound = i < 2 ? await freePort() : undefined;
        ports[i] = port;
        if (inbound) inboundPorts[i] = inbound;
        const dir = path.join(tmp, `process-${i}`);
        fs.mkdirSync(dir);
        return startDaemon({
          name: `portico serve (${i})`,
          command: process.execPath,
          args: [path.join(ROOT, "bin/portico.js"), "serve"],
          env: {
            ...process.env,
            ...shared,
            PORT: String(port),
            HOST: "127.0.0.1",
            DATA_DIR: dir,
            ...(inbound ? { INBOUND_SMTP_PORT: String(inbound), INBOUND_SMTP_HOST: "127.0.0.1" } : {}),
          },
          dir,
          port,
          ready: () =>
            fetch(`http://127.0.0.1:${port}/readyz`).then(
              (r) => r.ok,
              () => false,
            ),
          timeoutMs: 60_000,
          pollMs: 200,
        });
      }),
    );
    for (const p of processes) if (p.status === "fulfilled") stops.push(() => p.value.stop());
    for (const p of processes) if (p.status === "rejected") throw p.reason;

    // nginx with the documented site, its ports and certificate swapped for the test's.
    const certificate = path.join(tmp, "cert.pem");
    const key = path.join(tmp, "key.pem");
    execFileSync(
      OPENSSL,
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        certificate,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    const redirectPort = await freePort();
    const upstreams = [...ports];
    let site = fs
      .readFileSync(path.join(ROOT, "docs/deploy/nginx.conf"), "utf8")
      .replace(/server 127\.0\.0\.1:300\d/g, () => `server 127.0.0.1:${upstreams.shift()}`)
      .replace(/^\s*listen \[::\].*$/gm, "");
    // Each swap must find its line: a changed template fails here, not on some port of its own.
    const swaps: [RegExp | string, string][] = [
      [/listen 80;/, `listen 127.0.0.1:${redirectPort};`],
      [/listen 443 ssl http2;/, `listen 127.0.0.1:${nginxPort} ssl http2;`],
      [/ssl_certificate\s+\S+;/, `ssl_certificate ${certificate};`],
      [/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`],
      // Which process answered, for the test's eyes only.
      [
        "proxy_pass http://portico;",
        "proxy_pass http://portico;\n        add_header X-Portico-Upstream $upstream_addr always;",
      ],
    ];
    for (const [from, to] of swaps) {
      assert.ok(typeof from === "string" ? site.includes(from) : from.test(site), `nginx.conf has ${from}`);
      site = site.replace(from, to);
    }
    assert.equal(upstreams.length, 0, "the documented upstream lists three processes");
    // Portico's 503 (an outage, with Retry-After and its code) must reach the client as it is:
    // counted as a process's failure, it would have nginx mark every process down and answer 502.
    assert.doesNotMatch(site, /proxy_next_upstream[^;]*http_50[23]/, "nginx passes Portico's 502/503 on");
    const nginxDir = path.join(tmp, "nginx");
    fs.mkdirSync(nginxDir);
    fs.writeFileSync(path.join(nginxDir, "portico.conf"), site);
    const temp = (name: string) => `${name}_temp_path ${path.join(nginxDir, name)};`;
    fs.writeFileSync(
      path.join(nginxDir, "nginx.conf"),
      `user root;\nworker_processes 1;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}\n  include ${path.join(nginxDir, "portico.conf")};\n}\n`,
    );
    const nginx = await startDaemon({
      name: "nginx",
      command: NGINX,
      args: [
        "-p",
        nginxDir,
        "-c",
        path.join(nginxDir, "nginx.conf"),
        "-g",
        `daemon off; pid ${path.join(nginxDir, "nginx.pid")}; error_log stderr;`,
      ],
      dir: nginxDir,
      port: nginxPort,
      ready: () =>
        request("GET", "/healthz").then(
          (a) => a.status === 200,
          () => false,
        ),
      timeoutMs: 15_000,
      pollMs: 100,
    });
    stops.unshift(() => nginx.stop());
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    clientAddress,
    ports,
    inboundPorts,
    sql,
    sink,
    s3: s3Client,
    bucket: "portico",
    dataDirs: [0, 1, 2].map((i) => path.join(tmp, `process-${i}`)),
    request,
    stop,
  };
}
