import { expectStatus, request } from "../lib/http.ts";
import { measure } from "../lib/load.ts";
import { SLUG } from "../lib/seed.ts";
import type { Stage } from "../lib/stage.ts";

// The signed-in portal, read by a customer with a session cookie: the company manager's home
// (open requests of the company and its activity), their request list, and the home page's HTML,
// on a workspace of BENCH_COMPANIES companies. The seed signs the customers in (seed.ts).

const PATHS = {
  portal_home: `/api/portal/${SLUG}/home`,
  portal_requests: `/api/portal/${SLUG}/tickets?status=all&whose=company`,
  portal_home_page: `/portal/${SLUG}/home`,
};

const cookieOf = (token: string) => `portico_customer=${token}`;

/** Before measuring: the manager's home and list show their company's requests, and only those. */
export async function checkPortalPages(base: string, customers: { manager: string; own: string }) {
  const headers = { cookie: cookieOf(customers.manager) };
  const list = await expectStatus(
    "portal list",
    request(base, "GET", PATHS.portal_requests, { headers }),
    200,
  );
  const items = (list.json as { items: unknown[] }).items.length;
  if (items === 0) throw new Error(`${PATHS.portal_requests}: the manager sees no request of their company`);
  const own = await expectStatus(
    "portal list (own)",
    request(base, "GET", `/api/portal/${SLUG}/tickets?status=all`, {
      headers: { cookie: cookieOf(customers.own) },
    }),
    200,
  );
  const ownItems = (own.json as { items: unknown[] }).items.length;
  if (ownItems > items)
    throw new Error("a contact with their own requests sees more than the company's manager");
  await expectStatus("portal home", request(base, "GET", PATHS.portal_home, { headers }), 200);
  const page = await expectStatus(
    "portal home page",
    request(base, "GET", PATHS.portal_home_page, { headers }),
    200,
  );
  if (!page.text.includes("<main")) throw new Error(`${PATHS.portal_home_page}: not a page`);
  console.log(
    `  the manager sees ${items} requests of their company on the first page, a colleague ${ownItems} of their own`,
  );
}

export async function measureSignedInPortal(stage: Stage, customers: { manager: string; own: string }) {
  const { base, settings } = stage;
  const headers = { cookie: cookieOf(customers.manager) };
  const rows: [keyof typeof PATHS, string][] = [
    ["portal_home", "signed-in portal home (manager)"],
    ["portal_requests", "signed-in request list (company)"],
    ["portal_home_page", "signed-in portal home, HTML page"],
  ];
  for (const [key, label] of rows) {
    await measure(stage.rec, settings, stage.pid, key, label, {
      url: base + PATHS[key],
      connections: settings.connections,
      headers,
    });
  }
}
