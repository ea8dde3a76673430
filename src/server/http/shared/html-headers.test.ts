import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeCustomer, makeTeam, submitTicket } from "../../test/factories.ts";
import { type TestEnv, testEnv } from "../../test/harness.ts";

// Every HTML answer leaves through sendHtml (html-response.ts), so every one carries its CSP
// with frame-ancestors, X-Frame-Options, cache-control and its content type. This test does not
// trust a list: it requests every GET route the app registered (buildApp's registeredRoutes),
// with real values for its parameters, signed in and not, with the live fragments' ?part= too,
// and checks every text/html answer it gets.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

/** The only pages that may be framed, and by whom. Everything else is never framed. */
const FRAMING: Record<string, { ancestors: string; xFrameOptions: string | undefined }> = {
  // The iframe embed on customers' own sites: no X-Frame-Options value allows every site.
  "/portal/:slug/submit": { ancestors: "*", xFrameOptions: undefined },
  // The floating widget's panel, framed by the same sites as the submit form.
  "/portal/:slug/widget": { ancestors: "*", xFrameOptions: undefined },
  // Framed by the settings page and the Outbox page only.
  "/app/settings/preview": { ancestors: "'self'", xFrameOptions: "SAMEORIGIN" },
  "/app/settings/portal/preview": { ancestors: "'self'", xFrameOptions: "SAMEORIGIN" },
  "/app/settings/emails/preview": { ancestors: "'self'", xFrameOptions: "SAMEORIGIN" },
  "/app/outbox/:id/html": { ancestors: "'self'", xFrameOptions: "SAMEORIGIN" },
};
const NEVER = { ancestors: "'none'", xFrameOptions: "DENY" };

// Enough that the test cannot pass by reaching few pages (24 answer HTML today).
const MIN_HTML_ROUTES = 24;

test("every HTML answer of every GET route carries its CSP, framing and cache headers", async () => {
  const team = await makeTeam(t);
  const ticket = await submitTicket(t, team.ws.slug, { subject: "Headers everywhere" });
  const customer = await makeCustomer(t, team.ws.id, { access: "company", company: "Acme" });
  const api = async (method: "GET" | "POST", url: string, payload?: object) => {
    const res = await t.app.inject({
      method,
      url,
      headers: team.admin.headers,
      ...(payload ? { payload } : {}),
    });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const category = await api("POST", "/api/workspace/kb/categories", { name: "Printers" });
  const article = await api("POST", "/api/workspace/kb/articles", {
    title: "Fire safety",
    body: "Unplug it.",
    categoryId: category.id,
    status: "published",
    visibility: "public",
  });
  const contact = (await api("GET", "/api/workspace/contacts")).items[0];
  const email = (await api("GET", "/api/workspace/outbox")).items[0];
  assert.ok(contact && email, "a contact and an email to show");
  const contactImport = await api("POST", "/api/workspace/imports", {
    fileName: "a.csv",
    csv: "Email\nx@y.test\n",
  });

  const idFor: [RegExp, string][] = [
    [/^\/(app\/contacts\/import|api\/workspace\/imports)\//, contactImport.id],
    [/^\/(app|api\/workspace)\/contacts\//, contact.id],
    [/^\/(app|api\/workspace)\/companies\//, customer.companyId as string],
    [/^\/(app|api\/workspace)\/kb\/articles\//, article.id],
    [/^\/api\/workspace\/kb\/categories\//, category.id],
    [/^\/app\/outbox\//, email.id],
    [/^\/api\/workspace\/agents\//, team.agent.id],
    [/\/attachments\//, "00000000-0000-7000-8000-000000000000"],
    [/\/documents\//, "00000000-0000-7000-8000-000000000000"],
    // Forms and their answers: an id that is none (their not-found answers).
    [/\/(forms|form-responses)\//, "00000000-0000-7000-8000-000000000002"],
    // A survey of the signed-in customer's: an id that is none (its not-found page).
    [/\/account\/surveys\//, "00000000-0000-7000-8000-000000000003"],
    // Macros, incidents, teams, notifications, article images, API keys, webhooks: an id that is none.
    [
      /\/(macros|incidents|teams|notifications|kb\/images|api-keys|webhooks)\//,
      "00000000-0000-7000-8000-000000000004",
    ],
    // Onboarding templates, plans and tasks: an id that is none (their not-found answers).
    [
      /\/(onboarding\/templates|onboarding\/plans|onboarding\/tasks|plans|tasks)\//,
      "00000000-0000-7000-8000-000000000001",
    ],
  ];
  const values: Record<string, (url: string) => string | undefined> = {
    slug: () => team.ws.slug,
    reference: () => ticket.reference,
    category: () => category.slug,
    article: () => article.slug,
    id: (url) => idFor.find(([re]) => re.test(url))?.[1],
    // A one-time link's token that is no link: its not-found page.
    token: () => "x".repeat(43),
    documentId: () => "00000000-0000-7000-8000-000000000000",
    taskId: () => "00000000-0000-7000-8000-000000000001",
    deliveryId: () => "00000000-0000-7000-8000-000000000005",
    // A month without a report: its not-found answer.
    month: () => "2001-01",
    chart: () => "backlog.csv",
    // A brand image that is none (its not-found answer).
    file: () => "logo_light-00000000.png",
  };
  const concrete = (url: string) =>
    url
      .replace(/:([A-Za-z]+)/g, (_m, name: string) => {
        const v = values[name]?.(url);
        assert.ok(v, `no value for :${name} in ${url}: add one to this test`);
        return encodeURIComponent(v);
      })
      .replace(/\*$/, url.startsWith("/assets/") ? "app.css" : "index.css");

  const signedIn = { cookie: `${team.admin.cookie}; ${customer.cookie}` };
  const gets = [...new Set(t.app.registeredRoutes.filter((r) => r.method === "GET").map((r) => r.url))];
  assert.ok(gets.length > 50, `the app's GET routes were collected (${gets.length})`);

  const htmlRoutes = new Set<string>();
  const fragments = new Set<string>();
  const problems: string[] = [];
  for (const route of gets) {
    // The agents' event stream never ends by itself (live/live.test.ts reads it over HTTP).
    if (route === "/api/workspace/live") continue;
    const path = concrete(route);
    for (const part of [undefined, "live", "rows"]) {
      const qs = new URLSearchParams({ t: ticket.token, ...(part ? { part } : {}) });
      for (const headers of [signedIn, {} as { cookie?: string }]) {
        let res = await t.app.inject({ method: "GET", url: `${path}?${qs}`, headers });
        // The tracking link moves its token into a cookie and redirects: the page is checked there.
        const moved = res.cookies.find((c) => c.name === "portico_track");
        if (res.statusCode === 303 && moved) {
          res = await t.app.inject({
            method: "GET",
            url: String(res.headers.location),
            headers: {
              ...headers,
              cookie: [headers.cookie, `portico_track=${moved.value}`].filter(Boolean).join("; "),
            },
          });
        }
        const type = String(res.headers["content-type"] ?? "");
        if (!type.startsWith("text/html")) continue;
        htmlRoutes.add(route);
        if (part && !/<html/i.test(res.body)) fragments.add(`${route}?part=${part}`);
        const where = `${route}${part ? `?part=${part}` : ""} (${headers === signedIn ? "signed in" : "anonymous"}, ${res.statusCode})`;
        const expected = FRAMING[route] ?? NEVER;
        const csp = String(res.headers["content-security-policy"] ?? "");
        const ancestors = /(?:^|;)\s*frame-ancestors ([^;]+)/.exec(csp)?.[1]?.trim();
        if (type !== "text/html; charset=utf-8") problems.push(`${where}: content-type ${type}`);
        if (ancestors !== expected.ancestors)
          problems.push(`${where}: frame-ancestors ${ancestors ?? "missing"}`);
        if (res.headers["x-frame-options"] !== expected.xFrameOptions) {
          problems.push(`${where}: X-Frame-Options ${res.headers["x-frame-options"] ?? "missing"}`);
        }
        if (!/no-store/.test(String(res.headers["cache-control"] ?? ""))) {
          problems.push(`${where}: cache-control ${res.headers["cache-control"] ?? "missing"}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(
    htmlRoutes.size >= MIN_HTML_ROUTES,
    `HTML came from ${htmlRoutes.size} routes: ${[...htmlRoutes].join(", ")}`,
  );
  for (const route of [...Object.keys(FRAMING), "/app", "/portal/:slug/kb", "/api/docs"]) {
    assert.ok(htmlRoutes.has(route) || htmlRoutes.has(`${route}/`), `${route} answered HTML`);
  }
  assert.deepEqual(
    [...fragments].sort(),
    [
      "/app?part=rows",
      "/app/tickets/:reference?part=live",
      "/portal/:slug/tickets/:reference?part=live",
    ].sort(),
    "the live fragments were fetched",
  );
});
