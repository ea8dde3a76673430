import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { makeTeam, type SignedInAgent, type Submitted, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { findTicketByTrackingToken } from "./ticket.access.ts";

// The tracking read (ticket, public conversation, public files): on SQLite three prepared reads in
// one read transaction; on PostgreSQL one statement, the conversation and the files as JSON
// arrays. Both answer the same rows as the three reads: internal notes and their files left out,
// in order, timestamps as ISO strings.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

async function upload(url: string, name: string, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: "POST",
    url: `${url}${url.includes("?") ? "&" : "?"}name=${name}`,
    headers: { ...headers, "content-type": "application/octet-stream" },
    payload: Buffer.from(`${name}\n`),
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; key: string };
}

async function post(url: string, payload: object, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method: "POST", url, headers, payload });
  assert.equal(res.statusCode, 201, res.body);
}

/** A ticket with a file, a customer's reply and an agent's with files, and an internal note with one. */
async function busyTicket(slug: string, agent: SignedInAgent): Promise<Submitted> {
  const onTicket = await upload(`/api/public/upload?portal=${slug}`, "ticket.txt");
  const s = await submitTicket(t, slug, { attachments: [onTicket.key] } as never);
  const onReply = await upload(`/api/public/upload?portal=${slug}`, "customer.txt");
  await post(`/api/public/portals/${slug}/tickets/${s.reference}/replies?t=${s.token}`, {
    body: "Here is the photo.",
    attachments: [onReply.key],
  });
  const onAgentReply = await upload("/api/workspace/uploads", "reply.txt", agent.headers);
  await post(
    `/api/workspace/tickets/${s.reference}/replies`,
    { body: "Thanks, a technician is on the way.", attachments: [onAgentReply.key] },
    agent.headers,
  );
  const onNote = await upload("/api/workspace/uploads", "note.txt", agent.headers);
  await post(
    `/api/workspace/tickets/${s.reference}/notes`,
    { body: "Internal: the printer is ours.", attachments: [onNote.key] },
    agent.headers,
  );
  return s;
}

const read = (ctx: TestEnv["ctx"], slug: string, s: Submitted) =>
  findTicketByTrackingToken(ctx, slug, s.reference, s.token, {
    conversation: { limit: 50 },
    attachments: true,
  });

test("the tracking read answers the public conversation (newest first) and its files, without internal notes", async () => {
  const team = await makeTeam(t);
  const s = await busyTicket(team.ws.slug, team.agent);
  const r = await read(t.ctx, team.ws.slug, s);
  assert.deepEqual(
    r.conversation.map((m) => [m.author_type, m.body]),
    [
      ["agent", "Thanks, a technician is on the way."],
      ["contact", "Here is the photo."],
    ],
  );
  assert.equal(r.conversation[0]?.agent_name, "Sam Agent");
  assert.deepEqual(
    r.attachments.map((f) => [
      f.file_name,
      f.comment_id === null ? null : r.conversation.findIndex((m) => m.id === f.comment_id),
    ]),
    [
      ["ticket.txt", null],
      ["customer.txt", 1],
      ["reply.txt", 0],
    ],
  );
  for (const x of [...r.conversation, ...r.attachments]) {
    assert.match(x.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.equal(typeof r.attachments[0]?.size_bytes, "number");
  assert.equal(r.ticket.subject, "The printer is on fire");
});

test("on PostgreSQL the one statement answers exactly what the three reads answer", {
  skip: process.env.DATABASE_URL ? false : "DATABASE_URL is not set: the one statement is PostgreSQL's",
}, async () => {
  const team = await makeTeam(t);
  const s = await busyTicket(team.ws.slug, team.agent);
  // Timestamps finer than a millisecond (written by hand, or by another client) come out the same.
  await t.ctx.database.db
    .updateTable("comments")
    .set({ created_at: "2026-03-01T10:00:00.123987Z" })
    .where("body", "=", "Here is the photo.")
    .execute();
  const number = Number(s.reference.slice(4));
  // Count the statements of one read: every query of the pool goes through pg.Client#query.
  const query = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  let once: Awaited<ReturnType<typeof read>>;
  try {
    once = await read(t.ctx, team.ws.slug, s);
  } finally {
    pg.Client.prototype.query = query;
  }
  assert.equal(statements, 1, "one statement");
  // The three reads the one statement replaces, as SQLite runs them (here on PostgreSQL's pool).
  const apart = await read({ ...t.ctx, database: { ...t.ctx.database, dialect: "sqlite" } }, team.ws.slug, s);
  assert.equal(once.ticket.number, number);
  assert.deepEqual(once.conversation, apart.conversation);
  assert.deepEqual(once.attachments, apart.attachments);
  assert.deepEqual({ ...once.ticket }, { ...apart.ticket });
  assert.equal(once.conversation[1]?.created_at, "2026-03-01T10:00:00.123Z");
});

test("a wrong token reads nothing, with the conversation or without", async () => {
  const team = await makeTeam(t);
  const s = await submitTicket(t, team.ws.slug);
  const wrong = { ...s, token: `${s.token.slice(0, -2)}xx` };
  await assert.rejects(read(t.ctx, team.ws.slug, wrong), { status: 404 } as never);
  await assert.rejects(findTicketByTrackingToken(t.ctx, team.ws.slug, s.reference, wrong.token), {
    status: 404,
  } as never);
});
