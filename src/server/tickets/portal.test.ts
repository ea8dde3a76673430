import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { makeTeam, makeWorkspace, submitTicket, trackUrl } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";

// Longer than 400 lines: the public portal's rules (submit, idempotency, tracking, replies,
// follow-ups, limits) through the API, one case each on the same app.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

const submitUrl = (slug: string) => `/api/public/portals/${slug}/tickets`;

describe("submitting a request without an account", () => {
  test("gives a sequential reference and a private tracking link, and creates the contact once", async () => {
    const ws = await makeWorkspace(t);
    const first = await submitTicket(t, ws.slug, { email: "Pat@Example.COM", name: "Pat" });
    const second = await submitTicket(t, ws.slug, { email: "pat@example.com", name: "Someone Else" });
    assert.equal(first.reference, "TKT-0001");
    assert.equal(second.reference, "TKT-0002");
    assert.match(
      first.trackingUrl,
      new RegExp(`^/portal/${ws.slug}/tickets/TKT-0001\\?t=[A-Za-z0-9_-]{43}$`),
    );
    assert.notEqual(first.token, second.token);

    const contacts = await t.ctx.database.db
      .selectFrom("contacts")
      .selectAll()
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(contacts.length, 1, "one contact per normalised email");
    assert.equal(contacts[0]?.name, "Pat", "an existing contact keeps its name");

    const ticket = await t.ctx.database.db
      .selectFrom("tickets")
      .selectAll()
      .where("workspace_id", "=", ws.id)
      .where("number", "=", 1)
      .executeTakeFirstOrThrow();
    assert.equal(ticket.status, "open");
    assert.equal(ticket.priority, "medium");
    assert.equal(ticket.channel, "portal");
    assert.equal(ticket.type, "Support Request");
    assert.ok(ticket.email_thread_id);
  });

  test("stores only a hash of the tracking token, expiring after 30 days", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug);
    const rows = await t.ctx.database.db
      .selectFrom("tracking_tokens")
      .selectAll()
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.ok(row);
    assert.notEqual(row.token_hash, s.token);
    assert.ok(!JSON.stringify(rows).includes(s.token), "the raw token is stored nowhere");
    const days = (Date.parse(row.expires_at) - Date.parse(row.created_at)) / 86400_000;
    assert.equal(days, 30);
  });

  test("counts the 5,000-character description limit in code points", async () => {
    const ws = await makeWorkspace(t);
    const emoji = "🔥".repeat(5000); // 10,000 UTF-16 units, 5,000 code points
    const ok = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      payload: { name: "A", email: "a@b.test", subject: "S", description: emoji },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const tooLong = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      payload: { name: "A", email: "a@b.test", subject: "S", description: `${emoji}x` },
    });
    assert.equal(tooLong.statusCode, 400);
    assert.deepEqual(tooLong.json().error.fields, { description: "must be at most 5000 characters" });
  });

  test("accepts each of the four types and refuses others", async () => {
    const ws = await makeWorkspace(t);
    for (const type of ["Support Request", "General Inquiry", "Bug Report", "Feature Request"]) {
      await submitTicket(t, ws.slug, { type });
    }
    const bad = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      payload: { name: "A", email: "a@b.test", subject: "S", type: "Complaint" },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.fields.type, /must be one of/);
  });

  test("an unknown portal is a 404", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: submitUrl("no-such-portal"),
      payload: { name: "A", email: "a@b.test", subject: "S" },
    });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, "not_found");
  });
});

describe("bad input gets a 4xx with the field at fault and writes nothing", () => {
  const cases: Array<
    [string, { payload?: unknown; body?: string; headers?: Record<string, string> }, number, string, string?]
  > = [
    ["missing fields", { payload: {} }, 400, "validation_failed", "name"],
    [
      "a bad email",
      { payload: { name: "A", email: "not-an-email", subject: "S" } },
      400,
      "validation_failed",
      "email",
    ],
    [
      "a blank subject",
      { payload: { name: "A", email: "a@b.test", subject: "   " } },
      400,
      "validation_failed",
      "subject",
    ],
    [
      "an unknown field",
      { payload: { name: "A", email: "a@b.test", subject: "S", admin: true } },
      400,
      "validation_failed",
      "admin",
    ],
    [
      "a number for a string",
      { payload: { name: 42, email: "a@b.test", subject: "S" } },
      400,
      "validation_failed",
      "name",
    ],
    [
      "a null byte",
      { payload: { name: "A\u0000B", email: "a@b.test", subject: "S" } },
      400,
      "validation_failed",
      "name",
    ],
    [
      "a control character",
      { payload: { name: "A", email: "a@b.test", subject: "S\u0007" } },
      400,
      "validation_failed",
      "subject",
    ],
    [
      "a control character in the description",
      { payload: { name: "A", email: "a@b.test", subject: "S", description: "x\u001b[31m" } },
      400,
      "validation_failed",
      "description",
    ],
    [
      "a subject over 200 characters",
      { payload: { name: "A", email: "a@b.test", subject: "s".repeat(201) } },
      400,
      "validation_failed",
      "subject",
    ],
    [
      "malformed JSON",
      { body: '{"name": "A",', headers: { "content-type": "application/json" } },
      400,
      "invalid_json",
    ],
    [
      "a JSON array",
      { body: "[1,2]", headers: { "content-type": "application/json" } },
      400,
      "validation_failed",
    ],
    [
      "a form post",
      { body: "name=A", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
      "unsupported_media_type",
    ],
    [
      "an oversize body",
      {
        body: JSON.stringify({
          name: "A",
          email: "a@b.test",
          subject: "S",
          description: "x".repeat(300_000),
        }),
        headers: { "content-type": "application/json" },
      },
      413,
      "payload_too_large",
    ],
    [
      "a prototype-poisoning body",
      {
        body: '{"name":"A","email":"a@b.test","subject":"S","__proto__":{"x":1}}',
        headers: { "content-type": "application/json" },
      },
      400,
      "invalid_json",
    ],
  ];
  for (const [name, req, status, code, field] of cases) {
    test(name, async () => {
      const ws = await makeWorkspace(t);
      const res = await t.app.inject({
        method: "POST",
        url: submitUrl(ws.slug),
        ...(req.payload !== undefined ? { payload: req.payload as object } : { body: req.body as string }),
        headers: req.headers ?? {},
      });
      assert.equal(res.statusCode, status, res.body);
      const err = res.json().error;
      assert.equal(err.code, code);
      assert.equal(typeof err.message, "string");
      if (field) assert.ok(err.fields?.[field], `field ${field} in ${JSON.stringify(err.fields)}`);
      const n = await t.ctx.database.db
        .selectFrom("tickets")
        .select("id")
        .where("workspace_id", "=", ws.id)
        .execute();
      assert.equal(n.length, 0, "nothing was written");
      const c = await t.ctx.database.db
        .selectFrom("contacts")
        .select("id")
        .where("workspace_id", "=", ws.id)
        .execute();
      assert.equal(c.length, 0);
    });
  }
});

describe("idempotency", () => {
  test("the same Idempotency-Key returns the first result and makes one ticket", async () => {
    const ws = await makeWorkspace(t);
    const headers = { "idempotency-key": "b2c7d6a0-4f3e-4c1b-9d7e-1f2a3b4c5d6e" };
    const a = await submitTicket(t, ws.slug, {}, headers);
    const res = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      headers,
      payload: { name: "Casey Customer", email: "casey@customer.test", subject: "The printer is on fire" },
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers["idempotent-replayed"], "true");
    assert.equal(res.json().reference, a.reference);
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(tickets.length, 1);
    // The replay hands out no key to the ticket: the link went to the customer by email.
    const replayed = res.json();
    assert.equal(replayed.trackingUrl, null);
    assert.equal(replayed.trackingLinkSentByEmail, true);
    assert.equal(replayed.status, "open");
    const first = await t.ctx.database.db
      .selectFrom("tickets")
      .select("created_at")
      .where("workspace_id", "=", ws.id)
      .executeTakeFirstOrThrow();
    assert.equal(replayed.createdAt, first.created_at);
    const tokens = await t.ctx.database.db
      .selectFrom("tracking_tokens")
      .select("token_hash")
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(tokens.length, 1, "no token was minted for the replay");
    // The first link still works.
    const view = await t.app.inject({ url: trackUrl(ws.slug, a) });
    assert.equal(view.statusCode, 200);
  });

  test("concurrent submissions with one key still make one ticket", async () => {
    const ws = await makeWorkspace(t);
    const headers = { "idempotency-key": "double-click-1" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.app.inject({
          method: "POST",
          url: submitUrl(ws.slug),
          headers,
          payload: { name: "A", email: "a@b.test", subject: "Double click" },
        }),
      ),
    );
    for (const r of results) assert.equal(r.statusCode, 201, r.body);
    assert.equal(new Set(results.map((r) => r.json().reference)).size, 1);
    // One answer carries the link; the replays, racing or not, none.
    assert.equal(results.filter((r) => r.json().trackingUrl !== null).length, 1);
    const tickets = await t.ctx.database.db
      .selectFrom("tickets")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(tickets.length, 1);
  });

  test("reusing a key for a different request is refused", async () => {
    const ws = await makeWorkspace(t);
    const headers = { "idempotency-key": "reused-key" };
    await submitTicket(t, ws.slug, { subject: "First" }, headers);
    const res = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      headers,
      payload: { name: "A", email: "a@b.test", subject: "Second" },
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, "idempotency_key_reused");
  });
});

describe("rate limit", () => {
  test("the 11th submission in an hour from one address gets a friendly 429 with Retry-After", async (tc) => {
    const outer = t;
    t = await testEnv({ SUBMIT_RATE_LIMIT_PER_HOUR: "10" });
    tc.after(async () => {
      await t.close();
      t = outer;
    });
    const ws = await makeWorkspace(t);
    const from = "203.0.113.7";
    for (let i = 0; i < 10; i++) {
      const r = await t.app.inject({
        method: "POST",
        url: submitUrl(ws.slug),
        remoteAddress: from,
        payload: { name: "A", email: "a@b.test", subject: `n${i}` },
      });
      assert.equal(r.statusCode, 201);
    }
    const limited = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      remoteAddress: from,
      payload: { name: "A", email: "a@b.test", subject: "one more" },
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, "rate_limited");
    assert.match(limited.json().error.message, /try again/);
    const retry = Number(limited.headers["retry-after"]);
    assert.ok(retry > 0 && retry <= 3600, `Retry-After ${retry}`);

    // Another address is not affected, and X-Forwarded-For is ignored without TRUST_PROXY.
    const other = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      remoteAddress: "203.0.113.8",
      payload: { name: "A", email: "a@b.test", subject: "other" },
    });
    assert.equal(other.statusCode, 201);
    const spoofed = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      remoteAddress: from,
      headers: { "x-forwarded-for": "198.51.100.1" },
      payload: { name: "A", email: "a@b.test", subject: "spoof" },
    });
    assert.equal(spoofed.statusCode, 429);

    // An hour later the address may submit again.
    t.advance(3600_000 + 1000);
    const later = await t.app.inject({
      method: "POST",
      url: submitUrl(ws.slug),
      remoteAddress: from,
      payload: { name: "A", email: "a@b.test", subject: "later" },
    });
    assert.equal(later.statusCode, 201);
  });
});

describe("tracking by token", () => {
  test("shows status, subject, description and the public conversation, cached privately for 10 s", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug, { description: "It smells of smoke." });
    const res = await t.app.inject({ url: trackUrl(ws.slug, s) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["cache-control"], "private, max-age=10, stale-while-revalidate=60");
    const v = res.json();
    assert.equal(v.reference, s.reference);
    assert.equal(v.status, "open");
    assert.equal(v.statusLabel, "Open");
    assert.equal(v.subject, "The printer is on fire");
    assert.equal(v.description, "It smells of smoke.");
    assert.deepEqual(v.conversation, []);
    assert.equal(v.resolution, null);
  });

  test("a repeated read answers the same JSON, with only the documented fields", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug);
    const first = await t.app.inject({ url: trackUrl(ws.slug, s) });
    const again = await t.app.inject({ url: trackUrl(ws.slug, s) });
    for (const r of [first, again]) {
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(r.headers["cache-control"], "private, max-age=10, stale-while-revalidate=60");
    }
    assert.equal(again.body, first.body);
    assert.deepEqual(Object.keys(first.json()), [
      "reference",
      "subject",
      "description",
      "type",
      "status",
      "statusLabel",
      "createdAt",
      "updatedAt",
      "contact",
      "attachments",
      "conversation",
      "hasOlder",
      "nextBefore",
      "resolution",
    ]);
  });

  test("a wrong, missing, expired or other ticket's token gets the same 404 as an unknown ticket", async () => {
    const ws = await makeWorkspace(t);
    const a = await submitTicket(t, ws.slug);
    const b = await submitTicket(t, ws.slug);
    const other = await makeWorkspace(t);
    const unknown = await t.app.inject({
      url: `/api/public/portals/${ws.slug}/tickets/TKT-9999?t=${a.token}`,
    });
    const bodies = [
      unknown,
      await t.app.inject({ url: trackUrl(ws.slug, a, b.token) }),
      await t.app.inject({ url: trackUrl(ws.slug, a, "x".repeat(43)) }),
      await t.app.inject({ url: `/api/public/portals/${ws.slug}/tickets/${a.reference}` }),
      await t.app.inject({ url: trackUrl(other.slug, a) }),
      await t.app.inject({ url: `/api/public/portals/${ws.slug}/tickets/not-a-ref?t=${a.token}` }),
    ];
    for (const r of bodies) {
      assert.equal(r.statusCode, 404);
      assert.deepEqual(r.json(), unknown.json());
    }
    assert.equal((await t.app.inject({ url: trackUrl(ws.slug, a) })).statusCode, 200);
    t.advance(30 * 86400_000 + 1000);
    const expired = await t.app.inject({ url: trackUrl(ws.slug, a) });
    assert.equal(expired.statusCode, 404);
    assert.deepEqual(expired.json(), unknown.json());
    t.advance(-(30 * 86400_000 + 1000));
  });
});

describe("tracking follows every change at once", () => {
  // Repeated tracking reads are served from memory until the database changes (ReadCache):
  // each change below comes right after a read that filled it.
  test("a reply, a status change, the customer's own reply and a changed contact email", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    const read = async () => {
      const res = await t.app.inject({ url: trackUrl(ws.slug, s) });
      return { status: res.statusCode, body: res.statusCode === 200 ? res.json() : null };
    };
    assert.deepEqual((await read()).body.conversation, []);
    assert.deepEqual((await read()).body.conversation, []);

    const reply = await t.app.inject({
      method: "POST",
      url: `/api/workspace/tickets/${s.reference}/replies`,
      headers: agent.headers,
      payload: { body: "On it.", status: "waiting" },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    let view = (await read()).body;
    assert.deepEqual(
      view.conversation.map((m: { body: string }) => m.body),
      ["On it."],
    );
    assert.equal(view.status, "waiting");

    const own = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "Thanks!" },
    });
    assert.equal(own.statusCode, 201, own.body);
    view = (await read()).body;
    assert.deepEqual(
      view.conversation.map((m: { body: string }) => m.body),
      ["On it.", "Thanks!"],
    );
    assert.equal(view.status, "open");

    await t.ctx.database.db
      .updateTable("contacts")
      .set({ email: "someone-else@customer.test", email_normalized: "someone-else@customer.test" })
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal((await read()).status, 404);
  });
});

describe("the customer's reply", () => {
  test("adds a public message and reopens a Resolved or Waiting ticket", async () => {
    const { ws, agent } = await makeTeam(t);
    for (const status of ["waiting", "resolved"] as const) {
      const s = await submitTicket(t, ws.slug);
      const patch = await t.app.inject({
        method: "PATCH",
        url: `/api/workspace/tickets/${s.reference}`,
        headers: agent.headers,
        payload: { status },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      const reply = await t.app.inject({
        method: "POST",
        url: `${trackUrl(ws.slug, s)}`.replace(`/${s.reference}?`, `/${s.reference}/replies?`),
        payload: { body: "Still broken, sorry!" },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      assert.equal(reply.json().kind, "comment");
      assert.equal(reply.json().status, "open");
      const view = (await t.app.inject({ url: trackUrl(ws.slug, s) })).json();
      assert.equal(view.status, "open");
      assert.equal(view.conversation.at(-1).body, "Still broken, sorry!");
      assert.equal(view.conversation.at(-1).author.type, "contact");
    }
  });

  test("leaves an In Progress ticket as it is", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { status: "in_progress" },
    });
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "Any news?" },
    });
    assert.equal(reply.json().status, "in_progress");
  });

  test("on a Closed ticket starts a linked follow-up ticket instead of losing the message", async () => {
    const { ws, agent } = await makeTeam(t);
    const s = await submitTicket(t, ws.slug);
    await t.app.inject({
      method: "PATCH",
      url: `/api/workspace/tickets/${s.reference}`,
      headers: agent.headers,
      payload: { status: "closed" },
    });
    const reply = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "It happened again." },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const r = reply.json();
    assert.equal(r.kind, "follow_up");
    assert.notEqual(r.reference, s.reference);
    const followView = await t.app.inject({
      url: `/api/public${r.trackingUrl.replace("/portal/", "/portals/")}`,
    });
    assert.equal(followView.statusCode, 200);
    assert.equal(followView.json().description, "It happened again.");
    const detail = (
      await t.app.inject({ url: `/api/workspace/tickets/${r.reference}`, headers: { cookie: agent.cookie } })
    ).json();
    assert.equal(detail.followUpOf, s.reference);
    const original = (await t.app.inject({ url: trackUrl(ws.slug, s) })).json();
    assert.equal(original.status, "closed");
    assert.equal(original.conversation.length, 0);
  });

  test("needs the token, a non-empty body, and writes nothing when refused", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug);
    const noToken = await t.app.inject({
      method: "POST",
      url: `/api/public/portals/${ws.slug}/tickets/${s.reference}/replies`,
      payload: { body: "hi" },
    });
    assert.equal(noToken.statusCode, 404);
    const blank = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: " \n " },
    });
    assert.equal(blank.statusCode, 400);
    assert.ok(blank.json().error.fields.body);
    const comments = await t.ctx.database.db
      .selectFrom("comments")
      .select("id")
      .where("workspace_id", "=", ws.id)
      .execute();
    assert.equal(comments.length, 0);
  });

  test("a token stops working once the ticket's contact email no longer matches it", async () => {
    const ws = await makeWorkspace(t);
    const s = await submitTicket(t, ws.slug, { email: "old@customer.test" });
    await t.ctx.database.db
      .updateTable("contacts")
      .set({ email: "new@customer.test", email_normalized: "new@customer.test" })
      .where("workspace_id", "=", ws.id)
      .execute();
    const res = await t.app.inject({
      method: "POST",
      url: trackUrl(ws.slug, s).replace("?", "/replies?"),
      payload: { body: "hi" },
    });
    assert.equal(res.statusCode, 404);
  });
});

describe("the portal's branding", () => {
  test("falls back to the workspace name and the default blue", async () => {
    const ws = await makeWorkspace(t);
    const res = await t.app.inject({ url: `/api/public/portals/${ws.slug}` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      { brandName: res.json().brandName, primaryColor: res.json().primaryColor, logoUrl: res.json().logoUrl },
      { brandName: ws.name, primaryColor: "#2563eb", logoUrl: null },
    );
  });
});
