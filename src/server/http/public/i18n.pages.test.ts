import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { translatorFor } from "../../i18n/translator.ts";
import { makeWorkspace, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { customerErrorMessage, customerErrorText } from "../shared/customer.layout.ts";

// The public portal pages speak the reader's language: the switcher's cookie, else the browser's
// Accept-Language, else the workspace's default; the workspace's word for "ticket" in each.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
const langOf = (body: string) => /<html lang="([a-z]+)"/.exec(body)?.[1];

/** A workspace with its columns set as an admin's settings would. */
async function workspace(set: { default_locale?: string; ticket_words?: string } = {}) {
  const ws = await makeWorkspace(t);
  if (Object.keys(set).length)
    await t.ctx.database.db.updateTable("workspaces").set(set).where("id", "=", ws.id).execute();
  return ws;
}

/** The tracking page of a fresh ticket, opened with its cookie. */
async function tracking(slug: string, headers: Record<string, string>) {
  const s = await submitTicket(t, slug);
  const opened = await get(`${s.trackingUrl.replace(/^https?:\/\/[^/]+/, "")}`);
  assert.equal(opened.statusCode, 303);
  const cookie = opened.cookies.find((c) => c.name === "portico_track");
  assert.ok(cookie);
  const cookies = [`portico_track=${cookie.value}`, ...(headers.cookie ? [headers.cookie] : [])].join("; ");
  return get(opened.headers.location as string, { ...headers, cookie: cookies });
}

describe("the public pages in the reader's language", () => {
  test("Accept-Language: de gets German submit, tracking, help and lost-link pages", async () => {
    const ws = await workspace();
    const de = { "accept-language": "de-DE,de;q=0.9,en;q=0.5" };
    const submit = await get(`/portal/${ws.slug}/submit`, de);
    assert.equal(submit.statusCode, 200);
    assert.equal(langOf(submit.body), "de");
    assert.match(submit.body, /<h1>Anfrage einreichen<\/h1>/);
    assert.match(submit.body, /Anfrage absenden/);
    assert.match(submit.body, /<option value="Bug Report">Fehlermeldung<\/option>/);
    assert.match(String(submit.headers.vary), /Accept-Language/);
    assert.match(String(submit.headers.vary), /Cookie/);

    const track = await tracking(ws.slug, de);
    assert.equal(track.statusCode, 200);
    assert.equal(langOf(track.body), "de");
    assert.match(track.body, /Status: <span class="status status-open" id="ticket-status">Offen<\/span>/);
    assert.match(track.body, /Eröffnet am <time datetime="[^"]+">[^<]+ UTC<\/time>/);
    assert.match(track.body, /Antwort senden/);
    assert.match(track.body, /Weitere Anfrage einreichen/);

    const kb = await get(`/portal/${ws.slug}/kb`, de);
    assert.equal(langOf(kb.body), "de");
    assert.match(kb.body, /Wie können wir helfen\?/);
    assert.match(kb.body, /Unser Team beantwortet jede Anfrage per E-Mail\./);

    const lost = await get(`/portal/${ws.slug}/lost-link`, de);
    assert.equal(langOf(lost.body), "de");
    assert.match(lost.body, /<h1>Meine Anfragen per E-Mail erhalten<\/h1>/);
  });

  test("form errors are in the reader's language; a message without a translation keeps its words", async () => {
    assert.equal(customerErrorText(translatorFor("de"), "email", "is odd"), "E-Mail: is odd");
    assert.equal(customerErrorText(translatorFor("en"), "email", "is odd"), "Email is odd");
    assert.equal(
      customerErrorText(translatorFor("fr"), "body", "must be at most 20000 characters"),
      "Le champ « Votre réponse » doit comporter au plus 20000 caractères",
    );
    const ws = await workspace();
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${ws.slug}/lost-link`,
      headers: { "accept-language": "fr" },
      payload: { email: "not an address" },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Il y a un problème/);
    assert.match(res.body, /Le champ « E-mail » doit contenir une adresse e-mail valide/);
    const sent = await t.app.inject({
      method: "POST",
      url: `/portal/${ws.slug}/submit`,
      headers: { "accept-language": "de" },
      payload: { name: "", email: "a@b.test", subject: "x".repeat(201) },
    });
    assert.equal(sent.statusCode, 400);
    assert.match(sent.body, /Es gibt 2 Probleme/);
    assert.match(sent.body, /„Betreff“ darf höchstens 200 Zeichen lang sein/);
  });

  test("a refusal with a stable code is said in the reader's language; another keeps the server's words", async () => {
    const de = translatorFor("de");
    assert.equal(
      customerErrorMessage(de, { code: "rate_limited", message: "Too many." }),
      "Zu viele Anfragen. Bitte warten Sie eine Weile und versuchen Sie es dann erneut.",
    );
    assert.equal(customerErrorMessage(de, { code: "something_new", message: "As said." }), "As said.");
    const ws = await workspace();
    const ask = () =>
      t.app.inject({
        method: "POST",
        url: `/portal/${ws.slug}/lost-link`,
        headers: { "accept-language": "fr" },
        remoteAddress: "203.0.113.77",
        payload: { email: "someone@example.test" },
      });
    let res = await ask();
    for (let i = 0; i < 10 && res.statusCode !== 429; i++) res = await ask();
    assert.equal(res.statusCode, 429);
    assert.match(res.body, /Trop de requêtes\. Patientez un moment, puis réessayez\./);
    assert.doesNotMatch(res.body, /You have asked several times/);
  });

  test("Accept-Language: fr gets French pages; the cookie overrides the browser", async () => {
    const ws = await workspace();
    const fr = { "accept-language": "fr-FR" };
    const submit = await get(`/portal/${ws.slug}/submit`, fr);
    assert.equal(langOf(submit.body), "fr");
    assert.match(submit.body, /<h1>Envoyer une demande<\/h1>/);
    const track = await tracking(ws.slug, fr);
    assert.match(track.body, /Statut : <span[^>]*>Ouvert<\/span>/);
    assert.match(track.body, /Ouverte le <time/);
    const kb = await get(`/portal/${ws.slug}/kb/search?q=imprimante`, fr);
    assert.match(kb.body, /Aucun article trouvé pour « imprimante »/);
    const lost = await get(`/portal/${ws.slug}/lost-link`, fr);
    assert.match(lost.body, /Recevoir mes demandes par e-mail/);

    const chosen = await get(`/portal/${ws.slug}/submit`, { ...fr, cookie: "portico_lang=de" });
    assert.equal(langOf(chosen.body), "de");
    assert.match(chosen.body, /Anfrage einreichen/);
    // A cookie naming no language of ours is ignored.
    const odd = await get(`/portal/${ws.slug}/submit`, { ...fr, cookie: "portico_lang=xx" });
    assert.equal(langOf(odd.body), "fr");
  });

  test("without a choice or a language we speak, the workspace's default applies; English otherwise", async () => {
    const german = await workspace({ default_locale: "de" });
    const res = await get(`/portal/${german.slug}/submit`, { "accept-language": "ja" });
    assert.equal(langOf(res.body), "de");
    const plain = await workspace();
    const en = await get(`/portal/${plain.slug}/submit`);
    assert.equal(langOf(en.body), "en");
    assert.match(en.body, /<h1>Submit a request<\/h1>/);
  });

  test("the workspace's word for ticket, with its gender, on the submit and tracking pages", async () => {
    const ws = await workspace({
      ticket_words: JSON.stringify({
        en: { one: "Case", other: "Cases" },
        de: { one: "Vorgang", other: "Vorgänge", gender: "male" },
        fr: { one: "Dossier", other: "Dossiers", gender: "male" },
      }),
    });
    const en = await get(`/portal/${ws.slug}/submit`, { "accept-language": "en" });
    assert.match(en.body, /<h1>Submit a case<\/h1>/);
    assert.match(en.body, /Submit case<\/button>/);
    const de = await get(`/portal/${ws.slug}/submit`, { "accept-language": "de" });
    assert.match(de.body, /<h1>Vorgang einreichen<\/h1>/);
    const fr = await get(`/portal/${ws.slug}/submit`, { "accept-language": "fr" });
    assert.match(fr.body, /<h1>Envoyer un dossier<\/h1>/);
    assert.match(fr.body, /Envoyer le dossier<\/button>/);

    assert.match((await tracking(ws.slug, { "accept-language": "en" })).body, /Submit another case/);
    const trackDe = await tracking(ws.slug, { "accept-language": "de" });
    assert.match(trackDe.body, /Weiteren Vorgang einreichen/);
    const trackFr = await tracking(ws.slug, { "accept-language": "fr" });
    assert.match(trackFr.body, /Envoyer un autre dossier/);
    assert.match(trackFr.body, /Ouvert le <time/);

    const missing = await get(`/portal/${ws.slug}/tickets/REQ-999999`, { "accept-language": "de" });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /Wir konnten diesen Vorgang nicht öffnen/);
  });
});

describe("the language switcher", () => {
  test("is in the footer, a form that works without script", async () => {
    const ws = await workspace();
    const res = await get(`/portal/${ws.slug}/lost-link`, { "accept-language": "fr" });
    assert.match(res.body, new RegExp(`<form method="post" action="/portal/${ws.slug}/language"`));
    assert.match(res.body, new RegExp(`name="back" value="/portal/${ws.slug}/lost-link"`));
    assert.match(res.body, /<option value="fr" lang="fr" selected>Français<\/option>/);
  });

  test("sets the cookie for a year and goes back to the page", async () => {
    const ws = await workspace();
    const back = `/portal/${ws.slug}/kb/search?q=printer`;
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${ws.slug}/language`,
      payload: { lang: "fr", back },
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, back);
    const cookie = res.cookies.find((c) => c.name === "portico_lang");
    assert.equal(cookie?.value, "fr");
    assert.equal(cookie?.maxAge, 365 * 24 * 3600);
    assert.equal(cookie?.path, "/");
    assert.equal(cookie?.httpOnly, true);
    const page = await get(back, { cookie: `portico_lang=${cookie?.value}`, "accept-language": "de" });
    assert.equal(langOf(page.body), "fr");
  });

  test("refuses another site, another portal, or a language we do not have", async () => {
    const ws = await workspace();
    const post = (payload: Record<string, string>) =>
      t.app.inject({ method: "POST", url: `/portal/${ws.slug}/language`, payload });
    for (const back of [
      "https://evil.test/",
      "//evil.test/portal",
      `/portal/${ws.slug}//evil.test`,
      `/portal/${ws.slug}\\evil`,
      "/portal/other/submit",
      `/portal/${ws.slug}x/submit`,
      "/app",
    ]) {
      const res = await post({ lang: "de", back });
      assert.equal(res.statusCode, 400, back);
      assert.equal(res.headers["set-cookie"], undefined, back);
    }
    const bad = await post({ lang: "xx", back: `/portal/${ws.slug}/submit` });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /lang/i);
    const unknown = await t.app.inject({
      method: "POST",
      url: "/portal/no-such-portal/language",
      payload: { lang: "de", back: "/portal/no-such-portal/submit" },
    });
    assert.equal(unknown.statusCode, 404);
  });
});
