import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULT_TICKET_TYPE } from "../../../shared/tickets.ts";
import { requestForms } from "../../forms/request-fields.ts";
import type { Locale } from "../../i18n/locales.ts";
import { translatorFor } from "../../i18n/translator.ts";
import { makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";
import type { Workspace } from "../../workspaces/workspace.branding.ts";
import { findWorkspaceBySlug } from "../../workspaces/workspace.service.ts";
import { portalLayout } from "../shared/customer.layout.ts";
import { requestFieldsHtml } from "./request-fields.views.ts";
import { receivedMain, submitForm } from "./submit.views.ts";

// "Submit another" keeps who the customer is: the confirmation page posts the name and email
// back and the form comes filled in, with nothing in an address and nothing stored.

let t: TestEnv;
let team: Awaited<ReturnType<typeof makeTeam>>;
before(async () => {
  t = await testEnv();
  team = await makeTeam(t);
});
after(() => t.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const fieldValue = (body: string, id: string) =>
  body.match(new RegExp(`<input id="${id}" name="${id}"[^>]*value="([^"]*)"`))?.[1];

describe("submit another", () => {
  test("the confirmation posts the name and email back; the next form comes filled in", async () => {
    const sent = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit`,
      headers: FORM,
      payload: new URLSearchParams({
        name: "Dana <Ortiz>",
        email: "dana@customer.test",
        subject: "First question",
      }).toString(),
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.body, /Request received/);
    const again = sent.body.match(
      /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/,
    );
    assert.ok(again, "Submit another is a form posting back");
    assert.equal(again[1] ?? "", `/portal/${team.ws.slug}/submit/another`);
    assert.match(String(again[2]), /name="name" value="Dana &lt;Ortiz&gt;"/, "escaped");
    assert.match(String(again[2]), /name="email" value="dana@customer.test"/);
    assert.doesNotMatch(sent.body, /href="[^"]*dana@customer\.test/, "no address carries the email");

    const next = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: { ...FORM, "sec-fetch-site": "same-origin" },
      payload: new URLSearchParams({ name: "Dana <Ortiz>", email: "dana@customer.test" }).toString(),
    });
    assert.equal(next.statusCode, 200);
    assert.equal(next.headers["cache-control"], "no-store");
    assert.equal(fieldValue(next.body, "name"), "Dana &lt;Ortiz&gt;");
    assert.equal(fieldValue(next.body, "email"), "dana@customer.test");
    assert.equal(fieldValue(next.body, "subject"), "", "the subject starts empty");
    assert.doesNotMatch(next.body, /error-summary/, "nothing is refused on a fresh form");
  });

  test("a post from another site is refused; an oversized value is not filled in", async () => {
    const cross = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: { ...FORM, "sec-fetch-site": "cross-site" },
      payload: "name=Mallory&email=m%40evil.test",
    });
    assert.equal(cross.statusCode, 403);
    assert.doesNotMatch(cross.body, /Mallory/);
    const long = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/submit/another`,
      headers: FORM,
      payload: `name=${"x".repeat(201)}&email=a%40b.test`,
    });
    assert.equal(long.statusCode, 200);
    assert.equal(fieldValue(long.body, "name"), "");
    assert.equal(fieldValue(long.body, "email"), "a@b.test");
  });

  test("the new-request page after replying to a closed request keeps the name, not the email", async () => {
    const s = await submitTicket(t, team.ws.slug, { name: "Robin Closed", email: "robin@customer.test" });
    const closed = await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: team.agent.headers,
      payload: { status: "closed" },
    });
    assert.equal(closed.statusCode, 200, closed.body);
    const res = await t.app.inject({
      method: "POST",
      url: `/portal/${team.ws.slug}/tickets/${s.reference}/reply`,
      headers: { ...FORM, cookie: `portico_track=${s.token}` },
      payload: "body=It%20broke%20again",
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.body, /We started a new request/);
    const again = res.body.match(
      /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/,
    );
    assert.ok(again);
    assert.match(String(again[2]), /name="name" value="Robin Closed"/);
    assert.doesNotMatch(res.body, /robin@customer\.test/, "whoever holds the link does not see the email");
  });
});

// A visitor's submit page is made once per workspace settings, language, frame and request forms
// (submit.pages.ts): each answer fills in its own nonce and one-time values, and a change of any
// of them is on the very next page.
describe("the submit page, made once per settings", () => {
  const idsOf = (body: string) => ({
    key: /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1] as string,
    visit: /name="kb_visit_id" value="([^"]+)"/.exec(body)?.[1] as string,
    nonce: /<style nonce="([^"]+)">/.exec(body)?.[1] as string,
  });
  const get = (slug: string, headers: Record<string, string> = {}) =>
    t.app.inject({ url: `/portal/${slug}/submit`, headers });

  /** The page as the views render it with these values, each part made afresh. */
  async function rendered(slug: string, locale: Locale, embedded: boolean, ids: ReturnType<typeof idsOf>) {
    const ws = (await findWorkspaceBySlug(t.ctx, slug)) as Workspace;
    const tr = translatorFor(locale, { ...ws });
    const forms = await requestForms(t.ctx, ws.id);
    const main = submitForm(
      ws,
      tr,
      {},
      undefined,
      undefined,
      embedded,
      undefined,
      requestFieldsHtml(tr, forms, DEFAULT_TICKET_TYPE, undefined, undefined),
      { key: ids.key, visit: ids.visit },
    );
    const page = portalLayout({
      ws,
      t: tr,
      nonce: ids.nonce,
      title: tr.t("submit:title"),
      embedded,
      path: `/portal/${slug}/submit`,
      main,
      current: "new",
    });
    return `<!doctype html>\n${page.value}`;
  }

  test("each answer has its own nonce and one-time values, in the page rendered with them", async () => {
    const team2 = await makeTeam(t);
    const slug = team2.ws.slug;
    const form = await t.app.inject({
      method: "POST",
      url: "/api/workspace/forms",
      headers: team2.admin.headers,
      payload: {
        name: "Support details",
        requestType: DEFAULT_TICKET_TYPE,
        fields: [
          { key: "plan", label: "Your <plan>", type: "single_choice", required: true, options: ["A", "B"] },
        ],
      },
    });
    assert.equal(form.statusCode, 201, form.body);
    const cases: [Locale, boolean, Record<string, string>][] = [
      ["en", false, {}],
      ["en", true, { "sec-fetch-dest": "iframe" }],
      ["fr", false, { "accept-language": "fr" }],
    ];
    for (const [locale, embedded, headers] of cases) {
      const a = await get(slug, headers);
      const b = await get(slug, headers);
      assert.equal(a.statusCode, 200);
      const [ia, ib] = [idsOf(a.body), idsOf(b.body)];
      for (const k of ["key", "visit", "nonce"] as const) {
        assert.ok(ia[k] && ib[k], k);
        assert.notEqual(ia[k], ib[k], `a new ${k} each time`);
      }
      assert.ok(String(a.headers["content-security-policy"]).includes(`'nonce-${ia.nonce}'`));
      assert.equal(a.body, await rendered(slug, locale, embedded, ia), `${locale}, embedded: ${embedded}`);
      assert.equal(b.body, await rendered(slug, locale, embedded, ib));
    }
  });

  test("the confirmation, with its link or (sent again) without, is the page rendered with its values", async () => {
    const team2 = await makeTeam(t);
    const slug = team2.ws.slug;
    const send = (embedded: boolean) =>
      t.app.inject({
        method: "POST",
        url: `/portal/${slug}/submit`,
        headers: { ...FORM, ...(embedded ? { "sec-fetch-dest": "iframe" } : {}) },
        payload: new URLSearchParams({
          name: "Dana <Ortiz>",
          email: "dana@customer.test",
          subject: `Sent ${embedded ? "framed" : "plain"}`,
          idempotency_key: `confirmation-key-${embedded}`,
        }).toString(),
      });
    for (const embedded of [false, true]) {
      const first = await send(embedded);
      const again = await send(embedded);
      for (const [res, linked] of [
        [first, true],
        [again, false],
      ] as const) {
        assert.equal(res.statusCode, 200, res.body);
        const reference = /<p class="big-reference">(TKT-\d+)<\/p>/.exec(res.body)?.[1] as string;
        const url = /<a class="button primary" href="([^"]+)"/.exec(res.body)?.[1];
        assert.equal(Boolean(url), linked, linked ? "the tracking link" : "no link when sent again");
        const ws = (await findWorkspaceBySlug(t.ctx, slug)) as Workspace;
        const tr = translatorFor("en", { ...ws });
        const nonce = idsOf(res.body).nonce;
        const main = receivedMain(
          ws,
          tr,
          { reference, trackingUrl: url ? url.replaceAll("&amp;", "&") : null },
          embedded,
          { name: "Dana <Ortiz>", email: "dana@customer.test" },
        );
        const page = portalLayout({
          ws,
          t: tr,
          nonce,
          title: tr.t("submit:title"),
          embedded,
          path: `/portal/${slug}/submit`,
          main,
          current: "new",
        });
        assert.equal(res.body, `<!doctype html>\n${page.value}`);
      }
    }
  });

  test("a change of the branding, the language or the request forms is on the next page", async () => {
    const team2 = await makeTeam(t);
    const slug = team2.ws.slug;
    const before = await get(slug);
    assert.doesNotMatch(before.body, /Renamed Portal Co/);
    // Another request's commit leaves the page as it was.
    await submitTicket(t, slug);
    const same = await get(slug);
    const ids = idsOf(same.body);
    assert.equal(same.body, await rendered(slug, "en", false, ids));

    const branding = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/branding",
      headers: team2.admin.headers,
      payload: { brandName: "Renamed Portal Co", customCss: ".lede{color:#123456}" },
    });
    assert.equal(branding.statusCode, 200, branding.body);
    const renamed = await get(slug);
    assert.match(renamed.body, /Renamed Portal Co/);
    assert.match(renamed.body, /#123456/);
    assert.equal(renamed.body, await rendered(slug, "en", false, idsOf(renamed.body)));

    const portal = await t.app.inject({
      method: "PATCH",
      url: "/api/workspace/settings/portal",
      headers: team2.admin.headers,
      payload: { defaultLocale: "de" },
    });
    assert.equal(portal.statusCode, 200, portal.body);
    const german = await get(slug);
    assert.match(german.body, /<html lang="de"/);
    assert.equal(german.body, await rendered(slug, "de", false, idsOf(german.body)));

    const form = await t.app.inject({
      method: "POST",
      url: "/api/workspace/forms",
      headers: team2.admin.headers,
      payload: {
        name: "Support details",
        requestType: DEFAULT_TICKET_TYPE,
        fields: [{ key: "serial", label: "Serial number", type: "short_text", required: false }],
      },
    });
    assert.equal(form.statusCode, 201, form.body);
    const withForm = await get(slug);
    assert.match(withForm.body, /Serial number/);
    assert.equal(withForm.body, await rendered(slug, "de", false, idsOf(withForm.body)));

    // The confirmation's frame follows too.
    const sent = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/submit`,
      headers: FORM,
      payload: new URLSearchParams({
        name: "Dana",
        email: "dana@customer.test",
        subject: "A question",
      }).toString(),
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.body, /Renamed Portal Co/);
    assert.match(sent.body, /<html lang="de"/);
  });
});
