import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashPassword } from "../../auth/passwords.ts";
import { newId } from "../../ids.ts";
import {
  makeCustomer,
  makeTeam,
  openPreSessionForm,
  PASSWORD,
  type SignedInCustomer,
  submitTicket,
} from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import { cookieName } from "../shared/cookies.ts";

// The signed-in portal in the customer's language: the one on their account (even with an English
// browser), chosen on the account page or by the API (which also set portico_lang, as signing in
// does), with times in the zone they chose; and the workspace's word for "ticket" in each language.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const ENGLISH_BROWSER = { "accept-language": "en-GB,en;q=0.9" };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const langCookie = () => cookieName(t.ctx.config, "portico_lang");

async function setContact(
  c: SignedInCustomer,
  values: { locale?: string | null; time_zone?: string | null },
) {
  await t.ctx.database.db.updateTable("contacts").set(values).where("id", "=", c.contactId).execute();
}

/** A customer of a company with one request of their own. */
async function customerWithRequest() {
  const team = await makeTeam(t);
  const c = await makeCustomer(t, team.ws.id, { company: "Globex", name: "Dana Scully" });
  const s = await submitTicket(t, team.ws.slug, { subject: "Drucker brennt" }, c.headers);
  return { team, c, reference: s.reference };
}

const page = (slug: string, path: string, cookie: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url: `/portal/${slug}/${path}`, headers: { cookie, ...ENGLISH_BROWSER, ...headers } });

describe("the signed-in portal in the customer's language", () => {
  test("a German account gets German pages with an English browser; the default stays English", async () => {
    const { team, c, reference } = await customerWithRequest();
    const slug = team.ws.slug;

    const english = await page(slug, "home", c.cookie);
    assert.equal(english.statusCode, 200);
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /Open requests/);

    await setContact(c, { locale: "de" });
    const expected: [string, RegExp[]][] = [
      [
        "home",
        [
          /Willkommen, <bdi>Dana Scully<\/bdi>/,
          /Offene Anfragen/,
          /1 offene Anfrage\b/,
          /Neue Anfrage/,
          /Sie haben <a [^>]+>TKT-\d+<\/a> <bdi>Drucker brennt<\/bdi> eingereicht/,
        ],
      ],
      ["requests", [/<h1>Anfragen<\/h1>/, /Alles, was ich sehen kann/, /Letzte Aktivität/]],
      [`requests/${reference}`, [/Ihre Antwort/, /Antwort senden/, /Kolleginnen und Kollegen in Kopie/]],
      ["account", [/<h1>Ihr Konto<\/h1>/, /Sprache und Zeitzone/, /Wo Sie angemeldet sind/]],
      ["onboarding", [/<h1>Onboarding<\/h1>/, /Derzeit läuft nichts/]],
      ["documents", [/<h1>Dokumente<\/h1>/, /Dokument hochladen/]],
    ];
    for (const [path, patterns] of expected) {
      const res = await page(slug, path, c.cookie);
      assert.equal(res.statusCode, 200, `${path}: ${res.statusCode}`);
      assert.match(res.body, /<html lang="de">/, path);
      for (const p of patterns) assert.match(res.body, p, path);
      assert.doesNotMatch(res.body, /Sign out of this browser|Open requests|Your reply/, path);
      assert.match(String(res.headers.vary), /Accept-Language/);
    }
    // The status and the request's own labels, and a missing request, in German too.
    const one = await page(slug, `requests/${reference}`, c.cookie);
    assert.match(one.body, /Status: <span class="status status-open">Offen<\/span>/);
    const missing = await page(slug, "requests/TKT-99999", c.cookie);
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /Wir konnten diese Anfrage nicht finden/);
  });

  test("switching on the account page sets the cookie and the pages follow; browser's clears it", async () => {
    const { team, c } = await customerWithRequest();
    const slug = team.ws.slug;
    const account = await page(slug, "account", c.cookie);
    assert.match(account.body, /<option value="" selected>My browser&#39;s language<\/option>/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1] as string;
    const save = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/portal/${slug}/account/preferences`,
        headers: {
          cookie: c.cookie,
          "content-type": "application/x-www-form-urlencoded",
          ...ENGLISH_BROWSER,
        },
        payload: form({ _csrf: csrf, ...fields }),
      });

    const fr = await save({ locale: "fr", timeZone: "Europe/Paris" });
    assert.equal(fr.statusCode, 303);
    const set = fr.cookies.find((k) => k.name === langCookie());
    assert.equal(set?.value, "fr");
    assert.ok((set?.maxAge ?? 0) >= 364 * 24 * 3600, "kept for a year");
    assert.equal(set?.httpOnly, true);
    const row = await t.ctx.database.db
      .selectFrom("contacts")
      .select(["locale", "time_zone"])
      .where("id", "=", c.contactId)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...row }, { locale: "fr", time_zone: "Europe/Paris" });

    const after = await page(slug, "account?saved=preferences", `${c.cookie}; ${langCookie()}=fr`);
    assert.match(after.body, /<html lang="fr">/);
    assert.match(after.body, /Votre langue et votre fuseau horaire sont enregistrés/);
    assert.match(after.body, /<option value="fr" lang="fr" selected>Français<\/option>/);
    assert.match(after.body, /<option selected>Europe\/Paris<\/option>/);
    // Times in the chosen zone, marked for time.js.
    assert.match(after.body, /<time datetime="[^"]+" data-zone="Europe\/Paris">/);
    const home = await page(slug, "home", `${c.cookie}; ${langCookie()}=fr`);
    assert.match(home.body, /Demandes ouvertes/);
    assert.match(home.body, /Nouvelle demande/);

    const browser = await save({ locale: "", timeZone: "" });
    assert.equal(browser.statusCode, 303);
    const cleared = browser.cookies.find((k) => k.name === langCookie());
    assert.equal(cleared?.value, "", "the language cookie is cleared");
    const german = await page(slug, "home", c.cookie, { "accept-language": "de-DE" });
    assert.match(german.body, /<html lang="de">/, "the browser's language again");
    assert.doesNotMatch(german.body, /data-zone=/, "the browser's zone again");
  });

  test("the zone and language are checked: an unknown one is a 400 naming the field", async () => {
    const { team, c } = await customerWithRequest();
    const slug = team.ws.slug;
    const api = (payload: Record<string, unknown>) =>
      t.app.inject({ method: "PUT", url: `/api/portal/${slug}/preferences`, headers: c.headers, payload });

    const zone = await api({ locale: "de", timeZone: "Mars/Olympus_Mons" });
    assert.equal(zone.statusCode, 400, zone.body);
    assert.deepEqual(Object.keys(zone.json().error.fields), ["timeZone"]);
    const lang = await api({ locale: "xx", timeZone: null });
    assert.equal(lang.statusCode, 400, lang.body);
    const unsaved = await t.app.inject({ url: `/api/portal/${slug}/preferences`, headers: c.headers });
    assert.deepEqual(unsaved.json(), { locale: null, timeZone: null }, "nothing saved");

    const ok = await api({ locale: "de", timeZone: "Europe/Berlin" });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { locale: "de", timeZone: "Europe/Berlin" });
    assert.equal(ok.cookies.find((k) => k.name === langCookie())?.value, "de");
    const read = await t.app.inject({ url: `/api/portal/${slug}/preferences`, headers: c.headers });
    assert.deepEqual(read.json(), { locale: "de", timeZone: "Europe/Berlin" });
    const noCsrf = await t.app.inject({
      method: "PUT",
      url: `/api/portal/${slug}/preferences`,
      headers: { cookie: c.cookie },
      payload: { locale: "fr", timeZone: null },
    });
    assert.equal(noCsrf.statusCode, 403);

    // The page's form: the error beside the field, nothing saved.
    const account = await page(slug, "account", c.cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1] as string;
    const bad = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/account/preferences`,
      headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: csrf, locale: "fr", timeZone: "Nowhere/Atlantis" }),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="timeZone-error"/);
    assert.match(bad.body, /aria-invalid="true"/);
    assert.equal(
      bad.cookies.find((k) => k.name === langCookie()),
      undefined,
    );
  });

  test("signing in with a chosen language sets the cookie; without one, none", async () => {
    const team = await makeTeam(t);
    const withPassword = async (locale: string | null) => {
      const c = await makeCustomer(t, team.ws.id);
      await t.ctx.database.db
        .updateTable("contacts")
        .set({
          locale,
          password_hash: await hashPassword(PASSWORD, t.ctx.config.passwordHashCost),
          email_verified_at: t.ctx.now().toISOString(),
        })
        .where("id", "=", c.contactId)
        .execute();
      return c;
    };
    const signIn = async (c: SignedInCustomer) => {
      const pre = await openPreSessionForm(t, `/portal/${team.ws.slug}/sign-in`);
      const res = await t.app.inject({
        method: "POST",
        url: `/portal/${team.ws.slug}/sign-in`,
        headers: pre.headers,
        payload: form({ _csrf: pre.csrf, email: c.email, password: PASSWORD, next: "" }),
      });
      assert.equal(res.statusCode, 303);
      return res.cookies.find((k) => k.name === langCookie());
    };
    assert.equal((await signIn(await withPassword("fr")))?.value, "fr");
    assert.equal(await signIn(await withPassword(null)), undefined);

    const german = await withPassword("de");
    const api = await t.app.inject({
      method: "POST",
      url: `/api/portal/${team.ws.slug}/sign-in`,
      payload: { email: german.email, password: PASSWORD },
    });
    assert.equal(api.statusCode, 200, api.body);
    assert.equal(api.cookies.find((k) => k.name === langCookie())?.value, "de");
  });

  test("the survey banner and page, an expired form and the script's words are German too", async () => {
    const { team, c, reference } = await customerWithRequest();
    const slug = team.ws.slug;
    await setContact(c, { locale: "de" });
    const now = t.ctx.now();
    const id = newId();
    await t.ctx.database.db
      .insertInto("surveys")
      .values({
        id,
        workspace_id: team.ws.id,
        kind: "csat",
        contact_id: c.contactId,
        company_id: null,
        ticket_id: null,
        plan_id: null,
        agent_id: null,
        trigger: "resolution",
        status: "sent",
        skip_reason: null,
        token_hash: null,
        unsubscribe_token_hash: null,
        send_at: now.toISOString(),
        sent_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
        score: null,
        answer: null,
        comment: null,
        answered_at: null,
        answered_via: null,
        created_at: now.toISOString(),
      })
      .execute();

    const home = await page(slug, "home", c.cookie);
    assert.match(
      home.body,
      /<section class="survey-banner" aria-label="Umfrage"><p>Wie zufrieden waren Sie mit uns\? <a [^>]+>Bewerten Sie Ihre Erfahrung<\/a>/,
    );
    assert.doesNotMatch(home.body, /How did we do|Rate your experience/);
    // The words portal.js says on its own (similar requests, drafts), from the page.
    const messages = JSON.parse(
      (/data-messages="([^"]*)"/.exec(home.body)?.[1] ?? "{}")
        .replaceAll("&quot;", '"')
        .replaceAll("&amp;", "&"),
    );
    assert.equal(messages.openedBy, "{status} · eröffnet von {name} am {date}");
    assert.equal(messages.statuses.in_progress, "In Bearbeitung");
    assert.equal(messages.draftSaved, "Entwurf gespeichert.");
    assert.equal(messages.problems, "Es gibt {count} Probleme");

    const survey = await page(slug, `account/surveys/${id}`, c.cookie);
    assert.equal(survey.statusCode, 200);
    assert.match(survey.body, /<title>Bewerten Sie Ihre Erfahrung/);
    const missing = await page(slug, `account/surveys/${newId()}`, c.cookie);
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /<title>Umfrage nicht gefunden/);

    const stale = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/requests/${reference}/reply`,
      headers: { cookie: c.cookie, ...ENGLISH_BROWSER, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: "stale", body: "Hallo" }),
    });
    assert.equal(stale.statusCode, 403);
    assert.match(stale.body, /<html lang="de">/);
    assert.match(stale.body, /<h1>Das Formular war abgelaufen<\/h1>/);
  });

  test("the sign-in form's errors are in the reader's language", async () => {
    const team = await makeTeam(t);
    const pre = await openPreSessionForm(t, `/portal/${team.ws.slug}/sign-in`);
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/sign-in`,
      headers: { ...pre.headers, "accept-language": "fr" },
      payload: form({ _csrf: pre.csrf, email: "", password: "", next: "" }),
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.body, /<html lang="fr">/);
    assert.match(res.body, /<span class="visually-hidden">Erreur :<\/span>/);
    assert.doesNotMatch(res.body, /There (is|are)|Error:|is required/);
  });

  test("the workspace's word for a ticket, in each language, with its gender", async () => {
    const { team, c, reference } = await customerWithRequest();
    await t.ctx.database.db
      .updateTable("workspaces")
      .set({
        ticket_words: JSON.stringify({
          en: { one: "Case", other: "Cases" },
          de: { one: "Vorgang", other: "Vorgänge", gender: "male" },
          fr: { one: "Dossier", other: "Dossiers", gender: "male" },
        }),
      })
      .where("id", "=", team.ws.id)
      .execute();
    const slug = team.ws.slug;
    const en = await page(slug, "home", c.cookie);
    assert.match(en.body, /Open cases/);
    assert.match(en.body, /New case/);
    assert.match(en.body, /1 open case\b/);

    await setContact(c, { locale: "de" });
    const de = await page(slug, "home", c.cookie);
    assert.match(de.body, /Offene Vorgänge/);
    assert.match(de.body, /Neuer Vorgang/);
    assert.match(de.body, /1 offener Vorgang/);
    const deMissing = await page(slug, "requests/TKT-99999", c.cookie);
    assert.match(deMissing.body, /Wir konnten diesen Vorgang nicht finden/);

    await setContact(c, { locale: "fr" });
    const fr = await page(slug, "home", c.cookie);
    assert.match(fr.body, /Dossiers ouverts/);
    assert.match(fr.body, /Nouveau dossier/);
    assert.match(fr.body, /1 dossier ouvert\b/);
    const list = await page(slug, "requests", c.cookie);
    assert.match(list.body, /<h1>Dossiers<\/h1>/);
    const one = await page(slug, `requests/${reference}`, c.cookie);
    assert.match(one.body, /Tous les dossiers/);
  });
});
