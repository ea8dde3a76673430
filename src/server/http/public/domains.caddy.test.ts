import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DnsZone } from "../../email/dns-zone.test-support.ts";
import { freePort, startDaemon } from "../../test/daemon.ts";
import { makeTeam } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// Caddy in front of Portico with docs/deploy/Caddyfile as it is (ports, the server's own name and
// the CA swapped for the test's: `local_certs` issues from Caddy's internal CA): a verified
// custom domain gets a certificate on demand and its portal; a name Portico does not serve gets
// no certificate at all; a pending domain's check passes over plain HTTP.

const CADDY = "/usr/bin/caddy";
const ROOT = path.resolve(import.meta.dirname, "../../../..");
const skip = fs.existsSync(CADDY) ? false : `needs ${CADDY}: apt-get install caddy (.ci/run installs it)`;

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** An https request to Caddy for `host` (SNI and Host), trusting any certificate it presents. */
function viaTls(port: number, host: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port,
        path: url,
        servername: host,
        headers: { host },
        rejectUnauthorized: false,
        timeout: 15_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

function viaHttp(port: number, host: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: url, headers: { host }, timeout: 15_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** Caddy refused the TLS handshake (an alert), as it does for a name it may not get a certificate for. */
const noHandshake = (err: NodeJS.ErrnoException) => err.code === "EPROTO" && /alert/.test(err.message);

describe("custom domains behind Caddy with on-demand TLS", { skip, timeout: 120_000 }, () => {
  const zone = new DnsZone();
  let t: TestEnv;
  let caddy: { stop(): Promise<void> } | undefined;
  let httpPort = 0;
  let httpsPort = 0;

  before(async () => {
    t = await testEnv({ PUBLIC_URL: "https://portico.example.test" }, { dns: zone.resolve });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const appPort = (t.app.server.address() as AddressInfo).port;
    httpPort = await freePort();
    httpsPort = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portico-caddy-"));
    let site = fs.readFileSync(path.join(ROOT, "docs/deploy/Caddyfile"), "utf8");
    for (const [from, to] of [
      ["ask http://127.0.0.1:3000/tls/ask", `ask http://127.0.0.1:${appPort}/tls/ask`],
      [
        "\temail ops@example.com\n",
        `\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n\tstorage file_system ${dir}/data\n`,
      ],
      ["help.example.com {", "portico.example.test {"],
    ] as const) {
      assert.ok(site.includes(from), `the Caddyfile has ${from}`);
      site = site.replace(from, to);
    }
    assert.ok(site.includes("reverse_proxy 127.0.0.1:3000"));
    site = site.replaceAll("reverse_proxy 127.0.0.1:3000", `reverse_proxy 127.0.0.1:${appPort}`);
    const file = path.join(dir, "Caddyfile");
    fs.writeFileSync(file, site);
    caddy = await startDaemon({
      name: "Caddy",
      command: CADDY,
      args: ["run", "--config", file, "--adapter", "caddyfile"],
      env: {
        ...process.env,
        HOME: dir,
        XDG_DATA_HOME: path.join(dir, "xdg-data"),
        XDG_CONFIG_HOME: path.join(dir, "xdg-config"),
      },
      dir,
      port: httpPort,
      ready: () =>
        viaHttp(httpPort, "portico.example.test", "/healthz").then(
          () => true,
          () => false,
        ),
      timeoutMs: 30_000,
      pollMs: 200,
    });
  });
  after(async () => {
    await caddy?.stop();
    await t?.close();
  });

  test("a pending domain's check passes through plain HTTP; a verified one gets a certificate and its portal", async () => {
    const team = await makeTeam(t);
    const domain = `help-${process.pid}.acme.test`;
    const set = await t.app.inject({
      method: "PUT",
      url: "/api/workspace/settings/domain",
      headers: team.admin.headers,
      payload: { domain },
    });
    assert.equal(set.statusCode, 200, set.body);
    const known = await viaHttp(
      httpPort,
      domain,
      `/.well-known/portico-domain-verification/${set.json().token}`,
    );
    assert.equal(known.status, 200);
    assert.equal(known.body, set.json().token);
    const redirected = await viaHttp(httpPort, domain, "/kb");
    assert.equal(redirected.status, 308);
    // No certificate before verification: the handshake itself fails.
    await assert.rejects(viaTls(httpsPort, domain, "/submit"), noHandshake);

    zone.txt(set.json().txtName, set.json().txtValue);
    const v = await t.app.inject({
      method: "POST",
      url: "/api/workspace/settings/domain/verify",
      headers: team.admin.headers,
    });
    assert.equal(v.json().status.state, "verified", v.body);
    const page = await viaTls(httpsPort, domain, "/submit");
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(team.ws.name));
    const agents = await viaTls(httpsPort, domain, "/app");
    assert.equal(agents.status, 302);
    assert.equal(agents.headers.location, "https://portico.example.test/app");
  });

  test("a name Portico does not serve gets no certificate", async () => {
    await assert.rejects(viaTls(httpsPort, "evil.example.test", "/"), noHandshake);
    const own = await viaTls(httpsPort, "portico.example.test", "/healthz");
    assert.equal(own.status, 200);
  });
});
