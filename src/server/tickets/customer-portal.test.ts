import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { customerIn, makeCompany, openRequest, type PortalCustomer } from "../test/portal-world.ts";
import { listPortalTickets } from "./customer-portal.ts";

// Longer than 400 lines: the signed-in portal's features end to end (home, list, request, reply,
// "This is solved", colleagues copied in, files, pages and sign-out) on one app.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

async function setup() {
  const team = await makeTeam(t);
  const acme = await makeCompany(t, team.ws.id, "Acme");
  const manager = await customerIn(t, team.ws.id, acme, "company", "Mia Manager");
  const pat = await customerIn(t, team.ws.id, acme, "own", "Pat Own");
  return { team, acme, manager, pat, slug: team.ws.slug };
}

const api = (slug: string) => `/api/portal/${slug}`;

function write(c: PortalCustomer, method: "POST" | "PUT" | "DELETE", url: string, payload?: object) {
  return t.app.inject({ method, url, headers: c.headers, ...(payload ? { payload } : {}) });
}

function form(c: PortalCustomer, url: string, fields: Record<string, string>, csrf = c.csrf) {
  return t.app.inject({
    method: "POST",
    url,
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
}

const agentDo = (team: Team, method: "POST" | "PATCH", url: string, payload: object) =>
  t.app.inject({ method, url: `/api/workspace${url}`, headers: team.agent.headers, payload });

async function ticketRow(wsId: string, reference: string) {
  return t.ctx.database.db
    .selectFrom("tickets")
    .selectAll()
    .where("workspace_id", "=", wsId)
    .where("number", "=", Number(reference.slice(4)))
    .executeTakeFirstOrThrow();
}

describe("the home", () => {
  test("open requests with the status the customer sees and their last activity, then the timeline", async () => {
    const { team, pat, slug } = await setup();
    const first = await openRequest(t, slug, pat, "First");
    const second = await openRequest(t, slug, pat, "Second");
    await agentDo(team, "POST", `/tickets/${first}/replies`, { body: "On it." });
    await agentDo(team, "PATCH", `/tickets/${second}`, { status: "resolved" });
    // An agent shows "In progress" on the portal while the ticket waits internally.
    await t.ctx.database.db
      .updateTable("tickets")
      .set({ status: "waiting", portal_status: "in_progress" })
      .where("id", "=", (await ticketRow(team.ws.id, first)).id)
      .execute();

    const home = (await pat.get(`${api(slug)}/home`)).json();
    assert.deepEqual(
      home.open.map((r: { reference: string; status: string }) => [r.reference, r.status]),
      [[first, "in_progress"]],
      "the resolved one is not open; the override is what they see",
    );
    assert.equal(home.open[0].statusLabel, "In Progress");
    assert.equal(home.open[0].lastActivityAt, (await ticketRow(team.ws.id, first)).updated_at);
    const activity = home.activity.map((a: { kind: string; who: string; reference: string }) => [
      a.kind,
      a.who,
      a.reference,
    ]);
    assert.deepEqual(activity, [
      ["resolved", "Sam Agent", second],
      ["replied", "Sam Agent", first],
      ["submitted", "You", second],
      ["submitted", "You", first],
    ]);
    assert.ok(
      home.activity.every((a: { at: string }) => !Number.isNaN(Date.parse(a.at)) && a.at.endsWith("Z")),
    );
  });

  test("the page: the KB search first, open requests, activity and the three slots; nav for a signed-in customer", async () => {
    const { pat, slug } = await setup();
    await openRequest(t, slug, pat, "Page subject");
    const res = await pat.get(`/portal/${slug}/home`);
    assert.equal(res.statusCode, 200);
    const body = res.body;
    const search = body.indexOf(`action="/portal/${slug}/kb/search"`);
    assert.ok(search > 0, "a search form to the KB");
    assert.ok(search < body.indexOf("Open requests"), "the search box comes first");
    assert.match(body, /Page subject/);
    for (const heading of ["Recent activity", "Onboarding", "Forms to complete", "Documents"]) {
      assert.match(body, new RegExp(`<h2[^>]*>${heading}</h2>`), heading);
    }
    for (const [label, href] of [
      ["Home", "home"],
      ["Requests", "requests"],
      ["Help articles", "kb"],
      ["New request", "submit"],
      ["Account", "account"],
    ]) {
      assert.match(body, new RegExp(`<a href="/portal/${slug}/${href}"[^>]*>${label}</a>`), label);
    }
    assert.match(
      body,
      new RegExp(
        `<form method="post" action="/portal/${slug}/sign-out"[^>]*><input type="hidden" name="_csrf" value="${pat.csrf}">`,
      ),
    );
    assert.match(body, /aria-current="page">Home</);
  });

  test("without a session the pages send to the portal's sign-in and back", async () => {
    const { slug } = await setup();
    for (const url of [
      `/portal/${slug}/home`,
      `/portal/${slug}/requests?status=all`,
      `/portal/${slug}/requests/TKT-0001`,
    ]) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, `/portal/${slug}/sign-in?next=${encodeURIComponent(url)}`);
    }
    const post = await t.app.inject({
      method: "POST",
      url: `/portal/${slug}/requests/TKT-0001/close`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    assert.equal(post.statusCode, 303);
    assert.equal(
      post.headers.location,
      `/portal/${slug}/sign-in?next=${encodeURIComponent(`/portal/${slug}/home`)}`,
    );
    // The public KB pages offer the sign-in.
    assert.match(
      (await t.app.inject({ url: `/portal/${slug}/kb` })).body,
      new RegExp(`href="/portal/${slug}/sign-in"`),
    );
  });
});

describe("the list of requests", () => {
  test("filters by status and whose, and pages by a cursor", async () => {
    const { team, manager, pat, slug } = await setup();
    const mine = await openRequest(t, slug, manager, "Mine open");
    const patsOpen = await openRequest(t, slug, pat, "Pat's open");
    const patsDone = await openRequest(t, slug, pat, "Pat's done");
    await agentDo(team, "PATCH", `/tickets/${patsDone}`, { status: "closed" });
    const refs = async (query: string) =>
      (await manager.get(`${api(slug)}/tickets?${query}`))
        .json()
        .items.map((i: { reference: string }) => i.reference);
    assert.deepEqual(await refs(""), [patsOpen, mine], "open by default, recently active first");
    assert.deepEqual(await refs("status=resolved"), [patsDone], "closed counts as resolved");
    assert.deepEqual(await refs("status=all"), [patsDone, patsOpen, mine]);
    assert.deepEqual(await refs("status=all&whose=mine"), [mine]);
    assert.deepEqual(await refs("status=all&whose=company"), [patsDone, patsOpen, mine]);
    const item = (await manager.get(`${api(slug)}/tickets?status=all&whose=company`)).json().items[0];
    assert.deepEqual([item.mine, item.contact.name], [false, "Pat Own"]);

    const actor = {
      kind: "customer" as const,
      workspaceId: team.ws.id,
      contactId: manager.contactId,
      companyId: manager.companyId,
      scope: "company" as const,
    };
    const page1 = await listPortalTickets(t.ctx, actor, { status: "all" }, 2);
    assert.equal(page1.items.length, 2);
    assert.ok(page1.nextCursor);
    const page2 = await listPortalTickets(t.ctx, actor, { status: "all", cursor: page1.nextCursor }, 2);
    assert.deepEqual(
      [...page1.items, ...page2.items].map((i) => i.reference),
      [patsDone, patsOpen, mine],
    );
    assert.equal(page2.nextCursor, null);

    const bad = await manager.get(`${api(slug)}/tickets?cursor=nonsense`);
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().error.fields.cursor);
    assert.equal((await manager.get(`${api(slug)}/tickets?status=pending`)).statusCode, 400);
    const html = await manager.get(`/portal/${slug}/requests?status=resolved`);
    assert.match(html.body, /Pat&#39;s done|Pat's done/);
    assert.doesNotMatch(html.body, /Mine open/);
  });
});

describe("one request", () => {
  test("conversation, files, and the assignee's name only where the workspace shows it", async () => {
    const { team, pat, slug } = await setup();
    const up = await t.app.inject({
      method: "POST",
      url: `/api/public/upload?portal=${slug}&name=steps.txt`,
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("step one, step two\n"),
    });
    assert.equal(up.statusCode, 201, up.body);
    const ref = await openRequest(t, slug, pat, "With a file");
    const reply = await write(pat, "POST", `${api(slug)}/tickets/${ref}/replies`, {
      body: "Here are the steps.",
      attachments: [up.json().key],
    });
    assert.equal(reply.statusCode, 201, reply.body);
    await agentDo(team, "PATCH", `/tickets/${ref}`, { assigneeId: team.agent.id });
    await agentDo(team, "POST", `/tickets/${ref}/replies`, { body: "Thanks, trying them." });

    const view = (await pat.get(`${api(slug)}/tickets/${ref}`)).json();
    assert.equal(view.subject, "With a file");
    assert.deepEqual(
      view.conversation.map((m: { author: { type: string; name: string }; body: string }) => [
        m.author.type,
        m.author.name,
        m.body,
      ]),
      [
        ["contact", "Pat Own", "Here are the steps."],
        ["agent", "Sam Agent", "Thanks, trying them."],
      ],
    );
    assert.equal(view.conversation[0].attachments[0].name, "steps.txt");
    assert.equal(view.assignee, null, "hidden by default");

    const fileId = up.json().id;
    const viaApi = await pat.get(`${api(slug)}/tickets/${ref}/attachments/${fileId}`);
    assert.equal(viaApi.statusCode, 200);
    assert.equal(viaApi.body, "step one, step two\n");
    const page = await pat.get(`/portal/${slug}/requests/${ref}`);
    const href = `/portal/${slug}/requests/${ref}/attachments/${fileId}`;
    assert.ok(page.body.includes(`href="${href}"`), "the chip links below the request's page");
    assert.equal((await pat.get(href)).body, "step one, step two\n");
    assert.doesNotMatch(page.body, /Handled by/);

    await t.ctx.database.db
      .updateTable("workspaces")
      .set({ show_assignee: true })
      .where("id", "=", team.ws.id)
      .execute();
    assert.deepEqual((await pat.get(`${api(slug)}/tickets/${ref}`)).json().assignee, { name: "Sam Agent" });
    assert.match((await pat.get(`/portal/${slug}/requests/${ref}`)).body, /Handled by <bdi>Sam Agent<\/bdi>/);
  });

  test("a reply reopens a resolved request, and on a closed one starts a follow-up", async () => {
    const { team, pat, slug } = await setup();
    const ref = await openRequest(t, slug, pat, "Reopen me");
    await agentDo(team, "PATCH", `/tickets/${ref}`, { status: "resolved" });
    const again = await write(pat, "POST", `${api(slug)}/tickets/${ref}/replies`, { body: "Still broken." });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().kind, "comment");
    assert.equal(again.json().status, "open");
    assert.equal((await ticketRow(team.ws.id, ref)).status, "open");
    const empty = await write(pat, "POST", `${api(slug)}/tickets/${ref}/replies`, { body: "   " });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error.fields.body !== undefined, true);

    await agentDo(team, "PATCH", `/tickets/${ref}`, { status: "closed" });
    const late = await write(pat, "POST", `${api(slug)}/tickets/${ref}/replies`, { body: "One more thing." });
    assert.equal(late.statusCode, 201);
    assert.equal(late.json().kind, "follow_up");
    const followUp = (await pat.get(`${api(slug)}/tickets/${late.json().reference}`)).json();
    assert.equal(followUp.description, "One more thing.");
    assert.equal(followUp.mine, true);
  });

  test("the reply form: sent and shown, refused without its CSRF token, errors on the page", async () => {
    const { pat, slug } = await setup();
    const ref = await openRequest(t, slug, pat, "Form reply");
    const base = `/portal/${slug}/requests/${ref}`;
    const page = await pat.get(base);
    assert.match(
      page.body,
      new RegExp(
        `<form method="post" action="${base}/reply"[^>]*>\\s*<input type="hidden" name="_csrf" value="${pat.csrf}">`,
      ),
    );
    const sent = await form(pat, `${base}/reply`, { body: "From the form." });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `${base}?done=sent#latest`);
    const shown = await pat.get(`${base}?done=sent`);
    assert.match(shown.body, /From the form\./);
    assert.match(shown.body, /Your reply was sent\./);
    const forged = await form(pat, `${base}/reply`, { body: "No token." }, "wrong");
    assert.equal(forged.statusCode, 403);
    const blank = await form(pat, `${base}/reply`, { body: "" });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /error-summary/);
    assert.doesNotMatch((await pat.get(base)).body, /No token\./);
  });

  test("This is solved: resolved by the customer, in their timeline, and offered no more", async () => {
    const { team, pat, slug } = await setup();
    const ref = await openRequest(t, slug, pat, "Solve me");
    const base = `/portal/${slug}/requests/${ref}`;
    assert.match((await pat.get(base)).body, /This is solved/);
    const res = await form(pat, `/portal/${slug}/requests/${ref.toLowerCase()}/close`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${base}?done=solved`, "back to the request's own address");
    const row = await ticketRow(team.ws.id, ref);
    assert.equal(row.status, "resolved");
    assert.ok(row.resolved_at);
    const view = (await pat.get(`${api(slug)}/tickets/${ref}`)).json();
    assert.equal(view.status, "resolved");
    assert.equal(view.canClose, false);
    assert.doesNotMatch((await pat.get(base)).body, /This is solved/);
    const top = (await pat.get(`${api(slug)}/home`)).json().activity[0];
    assert.deepEqual([top.kind, top.who, top.reference], ["resolved", "You", ref]);
    // Again: nothing changes, no second event.
    const twice = await write(pat, "POST", `${api(slug)}/tickets/${ref}/close`);
    assert.deepEqual(twice.json(), { status: "resolved" });
    const resolvedEvents = (await pat.get(`${api(slug)}/home`))
      .json()
      .activity.filter((a: { kind: string }) => a.kind === "resolved");
    assert.equal(resolvedEvents.length, 1);
  });
});

describe("colleagues copied in", () => {
  test("a manager copies a colleague in; the colleague sees it, replies as themselves, and can step out", async () => {
    const { team, manager, pat, slug } = await setup();
    const ref = await openRequest(t, slug, manager, "Team matter");
    const colleagues = (await manager.get(`${api(slug)}/colleagues`)).json().items;
    assert.deepEqual(
      colleagues.map((c: { name: string }) => c.name),
      ["Pat Own"],
    );
    const base = `/portal/${slug}/requests/${ref}`;
    const page = await manager.get(base);
    assert.match(page.body, /Copy in a colleague/);
    assert.match(page.body, new RegExp(`<option value="${pat.contactId}">Pat Own`));
    const added = await form(manager, `${base}/ccs`, { contactId: pat.contactId });
    assert.equal(added.statusCode, 303);
    const again = await write(manager, "PUT", `${api(slug)}/tickets/${ref}/ccs/${pat.contactId}`);
    assert.equal(again.statusCode, 204, "copying in twice changes nothing");
    const view = (await manager.get(`${api(slug)}/tickets/${ref}`)).json();
    assert.deepEqual(view.ccs, [{ id: pat.contactId, name: "Pat Own" }]);
    assert.equal(view.canCopyIn, true);

    const patView = (await pat.get(`${api(slug)}/tickets/${ref}`)).json();
    assert.equal(patView.mine, false);
    assert.equal(patView.canCopyIn, false);
    const reply = await write(pat, "POST", `${api(slug)}/tickets/${ref}/replies`, {
      body: "I can add to that.",
    });
    assert.equal(reply.json().message.author.name, "Pat Own");
    const seenByManager = (await manager.get(`${api(slug)}/home`)).json().activity[0];
    assert.deepEqual([seenByManager.kind, seenByManager.who], ["replied", "Pat Own"]);
    const event = await t.ctx.database.db
      .selectFrom("ticket_events")
      .select(["actor_type", "actor_id"])
      .where("type", "=", "customer_replied")
      .where("ticket_id", "=", (await ticketRow(team.ws.id, ref)).id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...event }, { actor_type: "contact", actor_id: pat.contactId });

    // Pat takes themselves off; then the request is gone from their portal.
    const out = await write(pat, "DELETE", `${api(slug)}/tickets/${ref}/ccs/${pat.contactId}`);
    assert.equal(out.statusCode, 204);
    assert.equal((await pat.get(`${api(slug)}/tickets/${ref}`)).statusCode, 404);
    const gone = await write(manager, "DELETE", `${api(slug)}/tickets/${ref}/ccs/${pat.contactId}`);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, "contact_not_found");
    // The manager copies in and takes off again through the page.
    await form(manager, `${base}/ccs`, { contactId: pat.contactId });
    const removed = await form(manager, `${base}/ccs/remove`, { contactId: pat.contactId });
    assert.equal(removed.statusCode, 303);
    assert.deepEqual((await manager.get(`${api(slug)}/tickets/${ref}`)).json().ccs, []);
  });

  test("the request's own contact is not copied in on their own request", async () => {
    const { manager, pat, slug } = await setup();
    const ref = await openRequest(t, slug, pat, "Pat's own");
    const res = await write(manager, "PUT", `${api(slug)}/tickets/${ref}/ccs/${pat.contactId}`);
    assert.equal(res.statusCode, 404);
  });
});

describe("signing out", () => {
  test("the form ends the session, clears the cookie and lands on the sign-in page, saying so", async () => {
    const { team } = await setup();
    const c = await customerIn(t, team.ws.id, null, "own", "Leaving Soon");
    const res = await form(c, `/portal/${team.ws.slug}/sign-out`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/portal/${team.ws.slug}/sign-in?signedOut=1`);
    const cleared = res.cookies.find((k) => k.name === "portico_customer");
    assert.ok(cleared && cleared.value === "");
    assert.equal((await c.get(`/api/portal/${team.ws.slug}/home`)).statusCode, 401);
    const noToken = await customerIn(t, team.ws.id, null, "own", "Staying");
    assert.equal((await form(noToken, `/portal/${team.ws.slug}/sign-out`, {}, "forged")).statusCode, 403);
    assert.equal((await noToken.get(`/api/portal/${team.ws.slug}/home`)).statusCode, 200);
  });
});
