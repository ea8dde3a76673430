import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { revokeCustomerSession } from "../auth/customer-session.service.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import {
  B_MARKER,
  BETA_MARKER,
  makeWorld,
  moveContact,
  NOTE_FILE,
  NOTE_MARKER,
  type PortalCustomer,
  setAccess,
  type World,
} from "../test/portal-world.ts";

// Longer than 400 lines: the signed-in portal's whole cross-company and cross-workspace suite,
// route by route, on one shared world (test/portal-world.ts).

// No portal user sees another company's or workspace's data through any route of the signed-in
// portal (JSON and pages): by reference, by guessing numbers, through another portal's address.
// What is not theirs is the same 404 as what does not exist; a moved contact loses the old
// company's requests at once; internal notes and events never reach a customer.

let t: TestEnv;
let w: World;
before(async () => {
  t = await testEnv();
  w = await makeWorld(t);
});
after(() => t.close());

const api = (slug: string) => `/api/portal/${slug}`;
const pages = (slug: string) => `/portal/${slug}`;

type Res = Awaited<ReturnType<TestEnv["app"]["inject"]>>;

function write(c: PortalCustomer, method: "POST" | "PUT" | "DELETE", url: string, payload?: object) {
  return t.app.inject({ method, url, headers: c.headers, ...(payload ? { payload } : {}) });
}

function form(c: PortalCustomer, url: string, fields: Record<string, string>) {
  return t.app.inject({
    method: "POST",
    url,
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: c.csrf, ...fields }).toString(),
  });
}

function notFoundLikeNothing(res: Res, nothing: Res, what: string) {
  assert.equal(res.statusCode, 404, `${what}: ${res.body}`);
  assert.equal(res.body, nothing.body, `${what}: the same answer as a request that does not exist`);
}

/** Every JSON read of the portal for one customer, joined: for markers that must never appear. */
async function everythingShown(c: PortalCustomer, slug: string): Promise<string> {
  const bodies: string[] = [];
  for (const url of [
    `${api(slug)}/home`,
    `${api(slug)}/tickets?status=all`,
    `${api(slug)}/tickets?status=all&whose=company`,
    `${api(slug)}/colleagues`,
    `${pages(slug)}/home`,
    `${pages(slug)}/requests?status=all`,
  ]) {
    bodies.push((await c.get(url)).body);
  }
  for (let n = 1; n <= 8; n++) {
    const ref = `TKT-${String(n).padStart(4, "0")}`;
    bodies.push((await c.get(`${api(slug)}/tickets/${ref}`)).body);
    bodies.push((await c.get(`${pages(slug)}/requests/${ref}`)).body);
  }
  return bodies.join("\n");
}

/** The references a customer reaches by trying every number, on the API and the pages. */
async function guessed(c: PortalCustomer, slug: string, upTo = 12): Promise<string[]> {
  const nothing = await c.get(`${api(slug)}/tickets/TKT-9999`);
  const found: string[] = [];
  for (let n = 1; n <= upTo; n++) {
    for (const ref of [`TKT-${String(n).padStart(4, "0")}`, `tkt-${n}`, String(n)]) {
      const res = await c.get(`${api(slug)}/tickets/${ref}`);
      const page = await c.get(`${pages(slug)}/requests/${ref}`);
      if (res.statusCode === 200) {
        assert.equal(page.statusCode, 200, `${ref}: the page agrees with the API`);
        found.push(res.json().reference);
      } else {
        notFoundLikeNothing(res, nothing, `guessing ${ref}`);
        assert.equal(page.statusCode, 404, `${ref}: the page agrees with the API`);
      }
    }
  }
  return [...new Set(found)].sort();
}

const listed = async (c: PortalCustomer, slug: string, query = "status=all") =>
  ((await c.get(`${api(slug)}/tickets?${query}`)).json().items as { reference: string }[])
    .map((i) => i.reference)
    .sort();

describe("who sees which request", () => {
  test("by guessing every number, each customer reaches exactly their scope", async () => {
    const slug = w.a.ws.slug;
    const { own, manager, colleague, beta, solo } = w.tickets;
    assert.deepEqual(await guessed(w.manager, slug), [own, manager, colleague].sort(), "Acme's manager");
    assert.deepEqual(await guessed(w.own, slug), [own], "an own-requests contact");
    assert.deepEqual(await guessed(w.colleague, slug), [colleague], "their colleague");
    assert.deepEqual(await guessed(w.betaManager, slug), [beta], "Beta's manager");
    assert.deepEqual(await guessed(w.solo, slug), [solo], "a contact without a company");
    assert.deepEqual(await guessed(w.other, w.b.ws.slug), [...w.bTickets].sort(), "B's customer on B");
  });

  test("the lists and the home show the same scope, and the filters narrow it", async () => {
    const slug = w.a.ws.slug;
    const { own, manager, colleague } = w.tickets;
    assert.deepEqual(await listed(w.manager, slug), [own, manager, colleague].sort());
    assert.deepEqual(await listed(w.manager, slug, "status=all&whose=mine"), [manager]);
    assert.deepEqual(
      await listed(w.manager, slug, "status=all&whose=company"),
      [own, manager, colleague].sort(),
    );
    assert.deepEqual(await listed(w.own, slug), [own]);
    assert.deepEqual(
      await listed(w.own, slug, "status=all&whose=company"),
      [own],
      "their own, of their company",
    );
    assert.deepEqual(await listed(w.solo, slug, "status=all&whose=company"), [], "no company, nothing");
    const home = (await w.own.get(`${api(slug)}/home`)).json();
    assert.deepEqual(
      home.open.map((r: { reference: string }) => r.reference),
      [own],
    );
    assert.ok(
      home.activity.every((e: { reference: string }) => e.reference === own),
      "the timeline holds only their request",
    );
  });
});

describe("every route refuses what is not theirs", () => {
  test("another company's request: 404 like nothing, on every route, and nothing changes", async () => {
    const slug = w.a.ws.slug;
    const target = w.tickets.own; // Acme's
    for (const outsider of [w.betaManager, w.betaOwn, w.solo]) {
      const nothing = await outsider.get(`${api(slug)}/tickets/TKT-9999`);
      notFoundLikeNothing(await outsider.get(`${api(slug)}/tickets/${target}`), nothing, "detail");
      assert.equal(nothing.json().error.code, "ticket_not_found");
      const nothingReply = await write(outsider, "POST", `${api(slug)}/tickets/TKT-9999/replies`, {
        body: "x",
      });
      notFoundLikeNothing(
        await write(outsider, "POST", `${api(slug)}/tickets/${target}/replies`, { body: "let me in" }),
        nothingReply,
        "reply",
      );
      const nothingClose = await write(outsider, "POST", `${api(slug)}/tickets/TKT-9999/close`);
      notFoundLikeNothing(
        await write(outsider, "POST", `${api(slug)}/tickets/${target}/close`),
        nothingClose,
        "close",
      );
      for (const method of ["PUT", "DELETE"] as const) {
        const none = await write(outsider, method, `${api(slug)}/tickets/TKT-9999/ccs/${outsider.contactId}`);
        notFoundLikeNothing(
          await write(outsider, method, `${api(slug)}/tickets/${target}/ccs/${outsider.contactId}`),
          none,
          `${method} cc`,
        );
      }
      const noFile = await outsider.get(`${api(slug)}/tickets/TKT-9999/attachments/${w.noteFileId}`);
      notFoundLikeNothing(
        await outsider.get(`${api(slug)}/tickets/${target}/attachments/${w.noteFileId}`),
        noFile,
        "file",
      );
      // The pages: the same not-found page, and the forms change nothing.
      const pageNothing = await outsider.get(`${pages(slug)}/requests/TKT-9999`);
      const page = await outsider.get(`${pages(slug)}/requests/${target}`);
      assert.equal(page.statusCode, 404);
      assert.equal(
        page.body.replace(/nonce-[^']+'|nonce="[^"]+"/g, ""),
        pageNothing.body.replace(/nonce-[^']+'|nonce="[^"]+"/g, ""),
      );
      for (const [path, fields] of [
        ["reply", { body: "let me in" }],
        ["close", {}],
        ["ccs", { contactId: outsider.contactId }],
        ["ccs/remove", { contactId: outsider.contactId }],
      ] as const) {
        const res = await form(outsider, `${pages(slug)}/requests/${target}/${path}`, fields);
        assert.equal(res.statusCode, 404, `page ${path}`);
        assert.doesNotMatch(res.body, /Otto/, `page ${path} shows nothing of the request`);
      }
      assert.equal(
        (await outsider.get(`${pages(slug)}/requests/${target}/attachments/${w.noteFileId}`)).statusCode,
        404,
      );
      const shown = await everythingShown(outsider, slug);
      assert.doesNotMatch(shown, /Otto's printer|Otto Own/, "nothing of Acme's request anywhere");
    }
    // Nothing was written to Acme's request by anyone outside.
    const view = (await w.own.get(`${api(slug)}/tickets/${target}`)).json();
    assert.doesNotMatch(JSON.stringify(view.conversation), /let me in/);
    assert.equal(view.status, "open");
    assert.deepEqual(view.ccs, []);
  });

  test("another workspace: its portal refuses the session, and the same numbers there are not ours", async () => {
    const aSlug = w.a.ws.slug;
    const bSlug = w.b.ws.slug;
    // A's customer on B's portal, B's on A's: 401 on every route, JSON and pages.
    for (const [c, slug] of [
      [w.manager, bSlug],
      [w.other, aSlug],
    ] as const) {
      for (const url of [
        `${api(slug)}/home`,
        `${api(slug)}/tickets`,
        `${api(slug)}/tickets/TKT-0001`,
        `${api(slug)}/tickets/TKT-0001/attachments/${w.noteFileId}`,
        `${api(slug)}/colleagues`,
      ]) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 401, url);
        assert.doesNotMatch(res.body, new RegExp(`${B_MARKER}|Otto|Mia|Acme`));
      }
      for (const [method, url] of [
        ["POST", `${api(slug)}/tickets/TKT-0001/replies`],
        ["POST", `${api(slug)}/tickets/TKT-0001/close`],
        ["PUT", `${api(slug)}/tickets/TKT-0001/ccs/${c.contactId}`],
        ["DELETE", `${api(slug)}/tickets/TKT-0001/ccs/${c.contactId}`],
      ] as const) {
        assert.equal(
          (await write(c, method, url, method === "POST" ? { body: "x" } : undefined)).statusCode,
          401,
          url,
        );
      }
      for (const url of [
        `${pages(slug)}/home`,
        `${pages(slug)}/requests`,
        `${pages(slug)}/requests/TKT-0001`,
      ]) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 303, url);
        assert.equal(res.headers.location, `/portal/${slug}/sign-in?next=${encodeURIComponent(url)}`);
      }
    }
    // B has TKT-0006 and TKT-0007, A does not: on A's portal they are nothing, for everyone.
    const nothing = await w.manager.get(`${api(aSlug)}/tickets/TKT-9999`);
    for (const ref of w.bTickets.slice(5)) {
      notFoundLikeNothing(await w.manager.get(`${api(aSlug)}/tickets/${ref}`), nothing, ref);
    }
    // A's TKT-0001 is A's own, whatever B has under the same number.
    const own = (await w.own.get(`${api(aSlug)}/tickets/TKT-0001`)).json();
    assert.equal(own.subject, "Otto's printer");
    assert.doesNotMatch(await everythingShown(w.manager, aSlug), new RegExp(B_MARKER));
    // As words: not inside a random token or nonce (base64, base64url), where "Mia" may turn up by chance.
    assert.doesNotMatch(
      await everythingShown(w.other, bSlug),
      /(?<![A-Za-z0-9+/=_-])(?:Otto|Mia|Acme|Beta)(?![A-Za-z0-9+/=_-])/,
    );
  });

  test("colleagues: only the manager's own company, and never copied in across companies", async () => {
    const slug = w.a.ws.slug;
    const names = (await w.manager.get(`${api(slug)}/colleagues`))
      .json()
      .items.map((c: { name: string }) => c.name);
    assert.deepEqual(names.sort(), ["Cleo Colleague", "Otto Own"]);
    assert.deepEqual(
      (await w.own.get(`${api(slug)}/colleagues`)).json().items,
      [],
      "own scope: no directory",
    );
    assert.deepEqual((await w.other.get(`${api(w.b.ws.slug)}/colleagues`)).json().items, []);
    for (const stranger of [w.betaOwn, w.solo, w.other]) {
      const res = await write(
        w.manager,
        "PUT",
        `${api(slug)}/tickets/${w.tickets.manager}/ccs/${stranger.contactId}`,
      );
      assert.equal(res.statusCode, 404, stranger.name);
      assert.equal(res.json().error.code, "contact_not_found");
    }
    // Beta's manager cannot copy anyone in on Acme's request, nor an Acme colleague on their own.
    const res = await write(
      w.betaManager,
      "PUT",
      `${api(slug)}/tickets/${w.tickets.beta}/ccs/${w.own.contactId}`,
    );
    assert.equal(res.statusCode, 404);
    // An own-scope contact cannot copy a colleague in on their own request.
    const ownTry = await write(
      w.own,
      "PUT",
      `${api(slug)}/tickets/${w.tickets.own}/ccs/${w.colleague.contactId}`,
    );
    assert.equal(ownTry.statusCode, 404);
    assert.deepEqual((await w.colleague.get(`${api(slug)}/tickets/${w.tickets.own}`)).statusCode, 404);
  });
});

describe("internal notes and events", () => {
  test("never appear in any portal answer, JSON or page, nor their files", async () => {
    for (const c of [w.manager, w.own, w.betaManager]) {
      const shown = await everythingShown(c, w.a.ws.slug);
      assert.ok(shown.length > 0);
      assert.doesNotMatch(shown, new RegExp(NOTE_MARKER), c.name);
      assert.doesNotMatch(shown, new RegExp(NOTE_FILE), c.name);
      assert.doesNotMatch(shown, /note_added|priority_changed|assignee_changed|urgent/, c.name);
    }
    // The public reply does show: the check above looked at a real conversation.
    const view = (await w.own.get(`${api(w.a.ws.slug)}/tickets/${w.tickets.own}`)).json();
    assert.match(JSON.stringify(view.conversation), /We are looking into/);
    assert.equal(
      (await w.own.get(`${api(w.a.ws.slug)}/tickets/${w.tickets.own}/attachments/${w.noteFileId}`))
        .statusCode,
      404,
      "a note's file is not downloadable by the request's own contact",
    );
    const kinds = (await w.own.get(`${api(w.a.ws.slug)}/home`))
      .json()
      .activity.map((a: { kind: string }) => a.kind);
    assert.ok(kinds.length >= 2);
    assert.ok(kinds.every((k: string) => ["submitted", "replied", "status_changed", "resolved"].includes(k)));
    assert.doesNotMatch(await everythingShown(w.betaManager, w.a.ws.slug), /Otto/);
    assert.match(
      await everythingShown(w.betaManager, w.a.ws.slug),
      new RegExp(BETA_MARKER),
      "their own shows",
    );
  });
});

describe("moves, copies and revoked access", () => {
  test("a copied-in colleague sees the request, and loses it the moment they move company", async () => {
    const slug = w.a.ws.slug;
    const ref = w.tickets.manager;
    assert.equal((await w.colleague.get(`${api(slug)}/tickets/${ref}`)).statusCode, 404, "before");
    const put = await write(w.manager, "PUT", `${api(slug)}/tickets/${ref}/ccs/${w.colleague.contactId}`);
    assert.equal(put.statusCode, 204, put.body);
    assert.equal((await w.colleague.get(`${api(slug)}/tickets/${ref}`)).statusCode, 200, "copied in");
    assert.ok((await listed(w.colleague, slug, "status=all&whose=company")).includes(ref));
    const home = (await w.colleague.get(`${api(slug)}/home`)).json();
    assert.ok(
      home.activity.some((a: { reference: string }) => a.reference === ref),
      "its activity too",
    );

    await moveContact(t, w.colleague.contactId, w.beta);
    try {
      assert.equal(
        (await w.colleague.get(`${api(slug)}/tickets/${ref}`)).statusCode,
        404,
        "moved: gone at once",
      );
      assert.deepEqual(await listed(w.colleague, slug), [w.tickets.colleague], "keeps their own");
      const after = (await w.colleague.get(`${api(slug)}/home`)).json();
      assert.ok(after.activity.every((a: { reference: string }) => a.reference !== ref));
    } finally {
      await moveContact(t, w.colleague.contactId, w.acme);
      await write(w.manager, "DELETE", `${api(slug)}/tickets/${ref}/ccs/${w.colleague.contactId}`);
    }
  });

  test("a manager moved to another company loses the old company's requests at once, keeps their own", async () => {
    const slug = w.a.ws.slug;
    await moveContact(t, w.manager.contactId, w.beta);
    try {
      // The same session, no new sign-in.
      assert.deepEqual(await listed(w.manager, slug), [w.tickets.manager, w.tickets.beta].sort());
      assert.equal((await w.manager.get(`${api(slug)}/tickets/${w.tickets.own}`)).statusCode, 404);
      assert.equal((await w.manager.get(`${pages(slug)}/requests/${w.tickets.colleague}`)).statusCode, 404);
      const names = (await w.manager.get(`${api(slug)}/colleagues`))
        .json()
        .items.map((c: { name: string }) => c.name);
      assert.deepEqual(names.sort(), ["Bea Beta", "Ben Beta"]);
    } finally {
      await moveContact(t, w.manager.contactId, w.acme);
    }
    assert.equal(
      (await w.manager.get(`${api(slug)}/tickets/${w.tickets.own}`)).statusCode,
      200,
      "back again",
    );
  });

  test("portal access taken away or the session revoked: 401 on every route, the pages send to sign-in", async () => {
    const slug = w.a.ws.slug;
    const check = async (c: PortalCustomer) => {
      for (const url of [
        `${api(slug)}/home`,
        `${api(slug)}/tickets`,
        `${api(slug)}/tickets/${w.tickets.own}`,
        `${api(slug)}/colleagues`,
      ]) {
        assert.equal((await c.get(url)).statusCode, 401, url);
      }
      const reply = await write(c, "POST", `${api(slug)}/tickets/${w.tickets.own}/replies`, { body: "x" });
      assert.equal(reply.statusCode, 401);
      const page = await c.get(`${pages(slug)}/requests/${w.tickets.own}`);
      assert.equal(page.statusCode, 303);
    };
    await setAccess(t, w.own.contactId, "none");
    try {
      await check(w.own);
    } finally {
      await setAccess(t, w.own.contactId, "own");
    }
    assert.equal((await w.own.get(`${api(slug)}/home`)).statusCode, 200, "access back: in again");
    // A manager demoted to their own requests loses the company's at once.
    await setAccess(t, w.manager.contactId, "own");
    try {
      assert.deepEqual(await listed(w.manager, slug), [w.tickets.manager]);
    } finally {
      await setAccess(t, w.manager.contactId, "company");
    }
    const { makeCustomer } = await import("../test/factories.ts");
    const throwaway = await makeCustomer(t, w.a.ws.id);
    await revokeCustomerSession(t.ctx, throwaway.token);
    await check({
      ...throwaway,
      get: (url: string) => t.app.inject({ url, headers: { cookie: throwaway.cookie } }),
    });
  });
});
