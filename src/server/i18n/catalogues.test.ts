import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { chooseLocale, LOCALES, negotiateLocale } from "./locales.ts";
import { loadCatalogues, translatorFor } from "./translator.ts";

// The catalogues stay whole: every language has every message, with the same placeholders, and
// every key the code asks for exists.

type Tree = Record<string, unknown>;
const PLURAL = /_(zero|one|two|few|many|other)$/;
const CONTEXT = /_(female|male|neuter)$/;

/** Each message's key (plural and gender suffixes dropped) with its placeholders. */
function messages(tree: Tree, prefix = "", out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") messages(v as Tree, key, out);
    else {
      const base = key.replace(PLURAL, "").replace(CONTEXT, "");
      const names = out.get(base) ?? new Set<string>();
      for (const m of String(v).matchAll(/\{\{\s*(\w+)/g)) names.add(m[1] as string);
      out.set(base, names);
    }
  }
  return out;
}

const catalogues = loadCatalogues();

describe("message catalogues", () => {
  for (const locale of LOCALES.filter((l) => l !== "en")) {
    it(`${locale} has every English message, no other, with the same placeholders`, () => {
      assert.deepEqual(
        Object.keys(catalogues[locale]).sort(),
        Object.keys(catalogues.en).sort(),
        "namespaces",
      );
      for (const ns of Object.keys(catalogues.en)) {
        const en = messages(catalogues.en[ns] as Tree);
        const other = messages(catalogues[locale][ns] as Tree);
        assert.deepEqual([...other.keys()].sort(), [...en.keys()].sort(), `${locale}/${ns}.json keys`);
        for (const [key, names] of en) {
          // The ticket words are offered to every message: a language may use them or not.
          const own = (s: Set<string>) =>
            [...s].filter((n) => !/^(ticket|tickets|Ticket|Tickets)$/.test(n)).sort();
          assert.deepEqual(
            own(other.get(key) as Set<string>),
            own(names),
            `${locale}/${ns}.json ${key} placeholders`,
          );
        }
      }
    });
  }

  it("every key the code asks for is in the English catalogue", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) files.push(p);
      }
    };
    walk(root);
    const en = catalogues.en;
    let asked = 0;
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bt[h]?\(\s*"([a-z]+):([\w.]+)"/g)) {
        asked++;
        const [ns, key] = [m[1] as string, m[2] as string];
        const known = messages((en[ns] ?? {}) as Tree);
        assert.ok(
          known.has(key),
          `${path.relative(root, file)} asks for ${ns}:${key}, which en/${ns}.json lacks`,
        );
      }
    }
    assert.ok(asked > 0, "the code asks for messages");
  });

  it("plurals and the workspace's word follow each language's rules", () => {
    const fr = translatorFor("fr", {
      ticket_words: JSON.stringify({ fr: { one: "Incident", other: "Incidents", gender: "male" } }),
    });
    assert.equal(fr.t("common:nav.submit"), "Nouveau incident");
    assert.equal(translatorFor("fr").t("common:nav.submit"), "Nouvelle demande");
    const de = translatorFor("de", {
      ticket_words: JSON.stringify({ de: { one: "Vorfall", other: "Vorfälle" } }),
    });
    assert.equal(de.t("common:nav.requests"), "Vorfälle");
    assert.equal(translatorFor("en").t("common:nav.submit"), "New request");
    assert.equal(
      String(translatorFor("en").th("common:layout.questions", { email: "a<b>@x.test" })).includes(
        "a&lt;b&gt;@x.test",
      ),
      true,
    );
  });

  it("chooses the reader's language: their choice, the browser's, the workspace's", () => {
    assert.equal(negotiateLocale("fr-CH, fr;q=0.9, en;q=0.8"), "fr");
    assert.equal(negotiateLocale("es, de;q=0.5"), "de");
    assert.equal(negotiateLocale("es, *;q=0.5"), null);
    assert.equal(negotiateLocale("de;q=0, en"), "en");
    assert.equal(chooseLocale("de", "fr", "en"), "de");
    assert.equal(chooseLocale("xx", undefined, "fr"), "fr");
    assert.equal(chooseLocale(undefined, "ja", "nope"), "en");
  });
});
