import assert from "node:assert/strict";
import { test } from "node:test";
import { languageOf, NEGATIVE, STRONGLY_NEGATIVE, scoreMessage } from "./score.ts";

// Real-looking messages as customers write them, in each language the scoring knows.
const MESSAGES = {
  en: {
    angry:
      "This is the third time I've written and nobody answers. Your product is broken and useless, I'm furious. I want a refund!",
    neutral: "Hi, could you tell me how to change the invoice address on my account?",
    happy: "Thank you so much, that fixed it! Great support, I'm really happy 😊",
  },
  de: {
    angry:
      "Das ist jetzt das dritte Mal, dass ich schreibe, und niemand antwortet. Ihr Produkt ist nutzlos, ich bin wütend und total enttäuscht.",
    neutral: "Hallo, wie kann ich die Rechnungsadresse in meinem Konto ändern?",
    happy: "Vielen Dank, das hat geholfen! Super Service, ich bin sehr zufrieden 😊",
  },
  fr: {
    angry:
      "C'est la troisième fois que j'écris et personne ne répond. Votre produit est cassé et inutile, je suis furieux. C'est inacceptable.",
    neutral: "Comment puis-je changer l'adresse de facturation de mon compte ?",
    happy: "Merci beaucoup, ça marche ! Excellent service, je suis très content 😊",
  },
} as const;

for (const [lang, m] of Object.entries(MESSAGES)) {
  test(`${lang}: an angry message is strongly negative, a neutral one near 0, a happy one positive`, () => {
    const angry = scoreMessage(m.angry);
    const neutral = scoreMessage(m.neutral);
    const happy = scoreMessage(m.happy);
    assert.equal(angry.language, lang);
    assert.equal(neutral.language, lang);
    assert.equal(happy.language, lang);
    assert.ok(angry.score <= STRONGLY_NEGATIVE, `${angry.score} ${angry.negative}`);
    assert.equal(angry.angry, true);
    assert.ok(Math.abs(neutral.score) < 0.5 && neutral.score > NEGATIVE, `${neutral.score}`);
    assert.equal(neutral.angry, false);
    assert.ok(happy.score >= 0.6, `${happy.score}`);
    assert.ok(happy.score <= 1 && angry.score >= -1);
  });
}

test("a negation turns the word after it around", () => {
  assert.ok(scoreMessage("The update is good").score > 0);
  assert.ok(scoreMessage("The update is not good").score < 0);
  assert.ok(scoreMessage("Das Update ist gut", "de").score > 0);
  assert.ok(scoreMessage("Das Update ist nicht gut", "de").score < 0);
});

test("shouting makes a negative message stronger, not a positive one", () => {
  const calm = scoreMessage("This is bad, the export is wrong.");
  const loud = scoreMessage("This is BAD, the export is WRONG!!");
  assert.ok(loud.score < calm.score, `${loud.score} ${calm.score}`);
  assert.equal(scoreMessage("Thanks!! GREAT JOB").score, scoreMessage("Thanks great job").score);
});

test("urgent words in any of the three languages, on word boundaries", () => {
  for (const text of [
    "Our checkout is down since this morning",
    "Please fix this ASAP",
    "Bitte sofort zurückrufen",
    "Das ist dringend!",
    "Le site est en panne, merci de répondre immédiatement",
  ]) {
    assert.equal(scoreMessage(text).urgent, true, text);
  }
  for (const text of ["Scroll down to the footer", "Downloads are slow", "Ein sofortiger Rabatt?"]) {
    assert.equal(scoreMessage(text).urgent, false, text);
  }
});

test("the ticket's language wins over the guess; an unknown one is guessed", () => {
  assert.equal(languageOf("ok", "de"), "de");
  assert.equal(languageOf("Je ne comprends pas la facture", "it"), "fr");
  assert.equal(languageOf(""), "en");
});
