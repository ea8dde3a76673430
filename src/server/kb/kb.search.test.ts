import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { editDistance } from "./kb.search.ts";

// Relevance on a fixed corpus, through the public search API, on whichever database the
// harness was given (SQLite, or PostgreSQL with DATABASE_URL).

const CORPUS = [
  {
    slug: "reset-password",
    title: "Reset your password",
    body: "Forgot your password? Open the sign-in page and choose **Forgot password**. We email you a link.",
    tags: ["account"],
  },
  {
    slug: "two-factor",
    title: "Turn on two-factor authentication",
    body: "Protect your account with an authenticator app. Recovery codes let you in when the phone is lost.",
    tags: ["security"],
  },
  {
    slug: "invoices",
    title: "Download invoices",
    body: "Invoices for every payment are listed under Billing. Each invoice is a PDF.",
    tags: ["billing"],
  },
  {
    slug: "refunds",
    title: "Ask for a refund",
    body: "Refunds are paid back to the card within ten days. Mention the invoice number.",
    tags: ["billing"],
  },
  {
    slug: "printer-setup",
    title: "Connecting a printer",
    body: "Printers connect over Wi-Fi. Printing a test page checks the connection. Your password is not needed.",
    tags: ["hardware"],
  },
  {
    slug: "exporting-data",
    title: "Export your data",
    body: "Exports are CSV files. Exporting a large workspace takes a few minutes.",
    tags: ["data"],
  },
];

let t: TestEnv;
let slug: string;

const search = async (q: string) => {
  const res = await t.app.inject({
    method: "GET",
    url: `/api/public/portals/${slug}/kb/search?q=${encodeURIComponent(q)}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { items: { slug: string }[] }).items.map((i) => i.slug);
};

before(async () => {
  t = await testEnv();
  const team = await makeTeam(t);
  slug = team.ws.slug;
  for (const a of CORPUS) {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/kb/articles",
      headers: team.agent.headers,
      payload: { ...a, status: "published" },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(() => t.close());

describe("knowledge-base search relevance", () => {
  it("finds exact words, title matches first", async () => {
    const hits = await search("password");
    assert.equal(hits[0], "reset-password");
    assert.ok(hits.includes("printer-setup"), "the body mention is found too, below");
    assert.ok(hits.indexOf("printer-setup") > hits.indexOf("reset-password"));
  });

  it("matches stems: plural and -ing forms find the base word", async () => {
    assert.equal((await search("invoice"))[0], "invoices");
    assert.equal((await search("refund"))[0], "refunds");
    assert.equal((await search("printing"))[0], "printer-setup");
    assert.equal((await search("exported data"))[0], "exporting-data");
  });

  it("matches the last word as a prefix while typing", async () => {
    assert.equal((await search("pass"))[0], "reset-password");
    assert.equal((await search("auth"))[0], "two-factor");
    assert.equal((await search("download inv"))[0], "invoices");
  });

  it("tolerates typos", async () => {
    assert.equal((await search("pasword"))[0], "reset-password");
    assert.equal((await search("reset passwrod"))[0], "reset-password");
    assert.equal((await search("authentcation"))[0], "two-factor");
    assert.equal((await search("refnud"))[0], "refunds");
  });

  it("finds tags", async () => {
    assert.deepEqual((await search("billing")).sort(), ["invoices", "refunds"]);
  });

  it("falls back to any word when no article has them all", async () => {
    assert.equal((await search("password elephants"))[0], "reset-password");
  });

  it("answers nothing, not an error, for nonsense and syntax", async () => {
    assert.deepEqual(await search("zzzzqqq"), []);
    assert.deepEqual(await search('" OR * NEAR( ) -- :'), []);
    assert.deepEqual(await search(""), []);
  });
});

describe("edit distance", () => {
  it("counts a swap as one and gives up above the maximum", () => {
    assert.equal(editDistance("pasword", "password", 2), 1);
    assert.equal(editDistance("passwrod", "password", 2), 1);
    assert.equal(editDistance("kitten", "sitting", 2), 3);
    assert.equal(editDistance("abc", "abc", 1), 0);
  });
});
