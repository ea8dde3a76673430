import assert from "node:assert/strict";
import { test } from "node:test";
import { domainsAligned, parseAuthenticationResults } from "./auth-results.ts";

test("Authentication-Results: authserv-id, methods, results and properties; comments and quotes", () => {
  const r = parseAuthenticationResults(
    ' MX.Example.com 1;\r\n dkim=pass (2048-bit key; secure) header.d=shop.test header.i=@shop.test;\r\n spf=softfail (domain of "a;b"@x.test) smtp.mailfrom="a;b"@x.test;\r\n dmarc/1=FAIL (p=REJECT) header.from=shop.test',
  );
  assert.equal(r?.authservId, "mx.example.com");
  assert.deepEqual(
    r?.results.map((x) => [x.method, x.result]),
    [
      ["dkim", "pass"],
      ["spf", "softfail"],
      ["dmarc", "fail"],
    ],
  );
  assert.equal(r?.results[0]?.props["header.d"], "shop.test");
  // A quoted local part keeps its quotes (and its ";"): only the domain is ever compared.
  assert.equal(r?.results[1]?.props["smtp.mailfrom"], '"a;b"@x.test');
  assert.equal(r?.results[2]?.props["header.from"], "shop.test");
  assert.deepEqual(parseAuthenticationResults("mx.example.com; none")?.results, []);
  assert.equal(parseAuthenticationResults("  ; dmarc=pass"), null);
});

test("alignment: the same domain or a subdomain, never through a top-level domain", () => {
  assert.equal(domainsAligned("bounce@mail.shop.test", "shop.test"), true);
  assert.equal(domainsAligned("shop.test", "eu.shop.test"), true);
  assert.equal(domainsAligned("@Shop.Test.", "shop.test"), true);
  assert.equal(domainsAligned("shop.test", "evilshop.test"), false);
  assert.equal(domainsAligned("test", "shop.test"), false);
  assert.equal(domainsAligned("", "shop.test"), false);
});
