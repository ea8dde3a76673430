import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { up as addTitleIndex } from "../../../db/migrations/0006_kb_search_heads.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { editDistance } from "./kb.vocabulary.ts";

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

let createPublished: (
  a: { slug: string; title: string; body: string; tags?: string[] },
  status?: string,
) => Promise<void>;

before(async () => {
  t = await testEnv();
  const team = await makeTeam(t);
  slug = team.ws.slug;
  createPublished = async (a, status = "published") => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/workspace/kb/articles",
      headers: team.agent.headers,
      payload: { ...a, status },
    });
    assert.equal(res.statusCode, 201, res.body);
  };
  for (const a of CORPUS) await createPublished(a);
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
    // A word typed twice: the half-typed one at the end is still the last word.
    assert.equal((await search("pass pass"))[0], "reset-password");
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

  it("ranks a word in the title or tags above any number of mentions in the text", async () => {
    const extra = [
      { slug: "sprocket-faq", title: "Questions", body: "Sprocket sprocket sprocket. ".repeat(20), tags: [] },
      {
        slug: "sprocket-guide",
        title: "A long guide to the sprocket and all of its many parts",
        body: "Parts.",
      },
      { slug: "sprocket-tagged", title: "Parts", body: "Spares.", tags: ["sprocket"] },
    ];
    for (const a of extra) await createPublished(a);
    const hits = await search("sprocket");
    assert.deepEqual(hits.slice(0, 2).sort(), ["sprocket-guide", "sprocket-tagged"]);
    assert.equal(hits[2], "sprocket-faq");
    // Several words: every one somewhere, and a title or tag with one of them first.
    assert.deepEqual(await search("sprocket spares"), ["sprocket-tagged"]);
  });

  it("goes past the articles a reader may not see, however many rank first", async () => {
    // More drafts than one read of the ranking takes, all ranking above the published ones.
    for (let i = 0; i < 70; i++)
      await createPublished({ slug: `widget-draft-${i}`, title: "Widget", body: "W." }, "draft");
    await createPublished({ slug: "widget-title", title: "Widget setup guide", body: "Steps." });
    await createPublished({ slug: "widget-text", title: "Setup", body: "Then attach the widget." });
    assert.deepEqual(await search("widget"), ["widget-title", "widget-text"]);
  });

  it("goes past title matches without the other words, however many rank first", async () => {
    // More than one read of the ranking takes: each has the first word in its title, none the
    // second anywhere, and all rank at least as high as the one that has both.
    for (let i = 0; i < 70; i++) await createPublished({ slug: `gizmo-${i}`, title: "Gizmo", body: "G." });
    await createPublished({ slug: "gizmo-zebra", title: "Gizmo manual", body: "Feed the zebra." });
    await createPublished({ slug: "zebra-text", title: "Stripes", body: "The gizmo and the zebra." });
    assert.deepEqual(await search("gizmo zebra"), ["gizmo-zebra", "zebra-text"]);
  });

  it("answers nothing, not an error, for nonsense and syntax", async () => {
    assert.deepEqual(await search("zzzzqqq"), []);
    assert.deepEqual(await search('" OR * NEAR( ) -- :'), []);
    assert.deepEqual(await search(""), []);
  });
});

describe("the title index migration (0006)", () => {
  it("fills the title index from the articles already indexed, in each workspace's language", async () => {
    const french = await makeTeam(t);
    const set = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/kb/settings",
      headers: french.admin.headers,
      payload: { searchLanguage: "french" },
    });
    assert.equal(set.statusCode, 200, set.body);
    const made = await t.app.inject({
      method: "POST",
      url: "/api/workspace/kb/articles",
      headers: french.agent.headers,
      payload: { slug: "facture", title: "Télécharger une facture", body: "Texte.", status: "published" },
    });
    assert.equal(made.statusCode, 201, made.body);
    const db = t.ctx.database.db;
    // As a database from before the migration: the articles indexed, no title index yet.
    if (t.ctx.database.dialect === "sqlite") {
      await sql`drop table kb_search_heads_porter`.execute(db);
      await sql`drop table kb_search_heads_plain`.execute(db);
    } else {
      await sql`alter table kb_articles drop column heads`.execute(db);
    }
    await addTitleIndex(db);
    if (t.ctx.database.dialect === "postgres") {
      // Every article has its title vector, in its workspace's language.
      const r = await sql<{ empty: number; french: boolean }>`select
          (select count(*)::int from kb_articles where heads = ''::tsvector) as empty,
          (select heads @@ to_tsquery('french', 'télécharger') from kb_articles where slug = 'facture') as french`.execute(
        db,
      );
      assert.deepEqual(r.rows[0], { empty: 0, french: true });
    }
    // Title and tag matches first again: the text alone would put the article that repeats it first.
    assert.deepEqual((await search("sprocket")).slice(0, 2).sort(), ["sprocket-guide", "sprocket-tagged"]);
    const res = await t.app.inject({ url: `/api/public/portals/${french.ws.slug}/kb/search?q=facture` });
    assert.deepEqual(
      (res.json() as { items: { slug: string }[] }).items.map((i) => i.slug),
      ["facture"],
    );
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
