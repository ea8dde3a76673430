import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { up as recomputeBodyText } from "../../../db/migrations/0023_kb_body_text.ts";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { renderMarkdown } from "./kb.markdown.ts";
import { isWeak, snippetOf, stemKey } from "./kb.relevance.ts";
import type { TermGroup } from "./kb.vocabulary.ts";

// Snippets that read as text with the matched words marked, and weak best matches counted as
// searches that found nothing; the pure parts, then through the portal on whichever database
// the harness was given (SQLite, or PostgreSQL with DATABASE_URL).

type Team = Awaited<ReturnType<typeof makeTeam>>;

const group = (term: string, more: Partial<TermGroup> = {}): TermGroup => ({
  term,
  alternatives: [],
  prefix: false,
  articles: 1,
  matchable: true,
  ...more,
});

describe("an article's plain text", () => {
  it("keeps inline pieces together with their punctuation", () => {
    const { text } = renderMarkdown(
      "# Reset\n\n**Sign in**, then *Forgot password*.\nA `code` & <b>tag</b>.\n\n- one\n- two ![a chart](/c.png)\n\n```\nrun()\n```",
    );
    assert.equal(text, "Reset Sign in, then Forgot password. A code & <b>tag</b>. one two run()");
  });
});

describe("snippets", () => {
  it("marks the matched words, their forms, corrections and the started last word", () => {
    const text = "Passwords expire yearly. Reset the password from Settings, then sign in again.";
    const s = snippetOf(text, [group("password"), group("sett", { prefix: true })]);
    assert.equal(s.text, text);
    assert.deepEqual(
      s.marks.map((m) => s.text.slice(m.start, m.end)),
      ["Passwords", "password", "Settings"],
    );
    const typo = snippetOf(text, [group("pasword", { alternatives: ["password"] })]);
    assert.deepEqual(
      typo.marks.map((m) => typo.text.slice(m.start, m.end)),
      ["Passwords", "password"],
    );
  });

  it("leaves stop words unmarked when the query has meaningful ones", () => {
    const s = snippetOf("The policy for the annual plan.", [group("for"), group("policy")]);
    assert.deepEqual(
      s.marks.map((m) => s.text.slice(m.start, m.end)),
      ["policy"],
    );
  });

  it("starts near the first match on a word boundary, with ellipses where it was cut", () => {
    const text = `${"Lorem ipsum dolor sit amet. ".repeat(6)}Your invoice is a PDF you can download any time. ${"More words follow here. ".repeat(10)}`;
    const s = snippetOf(text, [group("invoice")], 120);
    assert.ok(s.text.startsWith("…"), s.text);
    assert.ok(s.text.endsWith("…"), s.text);
    assert.ok(s.text.length <= 122, s.text);
    assert.doesNotMatch(s.text, /^…\S*[a-z] /, "no word cut in half at the start");
    const [m] = s.marks;
    assert.ok(m);
    assert.equal(s.text.slice(m.start, m.end), "invoice");
  });

  it("stems roughly for marking only", () => {
    assert.equal(stemKey("policies"), stemKey("policy"));
    assert.equal(stemKey("Passwords"), "password");
    assert.equal(stemKey("printing"), "print");
  });
});

describe("weak best matches", () => {
  it("is fewer than half of two or more meaningful words", () => {
    assert.equal(isWeak(4, 1), true);
    assert.equal(isWeak(3, 1), true);
    assert.equal(isWeak(4, 2), false);
    assert.equal(isWeak(2, 1), false);
    assert.equal(isWeak(2, 0), true);
    assert.equal(isWeak(1, 0), false, "one word: no hit is a miss, a hit is not weak");
  });
});

describe("through the portal", () => {
  let t: TestEnv;
  let team: Team;
  before(async () => {
    t = await testEnv();
    team = await makeTeam(t);
    for (const a of [
      {
        slug: "password-policy",
        title: "Password policy",
        body: "Passwords need **12 characters**, then a number. Change it under *Settings*, then sign in again.",
      },
      {
        slug: "billing-cycle",
        title: "Billing cycle",
        body: "Invoices go out monthly. The annual plan is billed once a year; refunds follow the refund policy.",
      },
    ]) {
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

  const search = async (q: string) => {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/public/portals/${team.ws.slug}/kb/search?q=${encodeURIComponent(q)}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    return (
      res.json() as { items: { slug: string; snippet: string; marks: { start: number; end: number }[] }[] }
    ).items;
  };
  const misses = async () => {
    const res = await t.app.inject({
      method: "GET",
      url: "/api/workspace/kb/insights",
      headers: team.agent.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { misses: { query: string; count: number }[] }).misses.map((m) => m.query);
  };

  it("answers snippets as text with marks for the matched words", async () => {
    const [hit] = await search("passwords settings");
    assert.equal(hit?.slug, "password-policy");
    assert.equal(
      hit.snippet,
      "Passwords need 12 characters, then a number. Change it under Settings, then sign in again.",
    );
    assert.deepEqual(
      hit.marks.map((m) => hit.snippet.slice(m.start, m.end)),
      ["Passwords", "Settings"],
    );
  });

  it("shows the marks on the results page, the text escaped", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/portal/${team.ws.slug}/kb/search?q=${encodeURIComponent("characters")}`,
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Passwords need 12 <mark>characters<\/mark>, then a number\./);
  });

  it("counts a weak best match as a miss and still shows it", async () => {
    // One shared word of four meaningful ones ("for" is a stop word): the result stays.
    const hits = await search("password rules for holidays and elephants");
    assert.deepEqual(
      hits.map((h) => h.slug),
      ["password-policy"],
    );
    assert.ok((await misses()).includes("password rules for holidays and elephants"));
  });

  it("does not count a match holding half or more of the words", async () => {
    const hits = await search("refund policy for annual plan");
    assert.equal(hits[0]?.slug, "billing-cycle");
    assert.ok(!(await misses()).includes("refund policy for annual plan"));
    // One or two words: a hit is never weak.
    await search("policy");
    await search("password annual");
    const now = await misses();
    assert.ok(!now.includes("policy"));
    assert.ok(!now.includes("password annual"));
  });

  it("recomputes the text of existing articles once (migration 0023)", async () => {
    await t.ctx.database.db
      .updateTable("kb_articles")
      .set({ body_text: "Passwords need 12 characters , then a number ." })
      .where("slug", "=", "password-policy")
      .execute();
    await recomputeBodyText(t.ctx.database.db);
    const row = await t.ctx.database.db
      .selectFrom("kb_articles")
      .select("body_text")
      .where("slug", "=", "password-policy")
      .executeTakeFirstOrThrow();
    assert.equal(
      row.body_text,
      "Passwords need 12 characters, then a number. Change it under Settings, then sign in again.",
    );
  });
});
