import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Actor,
  type AgentActor,
  type CustomerActor,
  systemActor,
  systemActorIn,
  type TokenHolderActor,
  visitorOf,
} from "../actors.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { makeTeam, type SignedInAgent, type Submitted, submitTicket } from "../test/factories.ts";
import { type TestEnv, testEnv } from "../test/harness.ts";
import { attachmentsVisibleTo, findAttachmentForAgent } from "./file.access.ts";

// attachmentScope decides, by the actor's kind, which files anyone may reach: a customer (signed
// in or holding a token) never a file on an internal note, a visitor none, an agent only their
// own workspace's, and nobody an upload not yet attached.

let t: TestEnv;
before(async () => {
  t = await testEnv();
});
after(() => t.close());

type Team = Awaited<ReturnType<typeof makeTeam>>;

const publicUpload = async (slug: string, name: string) => {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/public/upload?portal=${slug}&name=${name}`,
    headers: { "content-type": "application/octet-stream" },
    payload: Buffer.from(`${name}\n`),
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; key: string };
};
const agentUpload = async (a: SignedInAgent, name: string) => {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/workspace/uploads?name=${name}`,
    headers: { ...a.headers, "content-type": "application/octet-stream" },
    payload: Buffer.from(`${name}\n`),
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; key: string };
};
const post = async (url: string, payload: object, headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ method: "POST", url, headers, payload });
  assert.equal(res.statusCode, 201, res.body);
};

/** A ticket with a file of its own, one on the customer's reply, the agent's reply and an internal note. */
async function ticketWithFiles(team: Team, email: string) {
  const onTicket = await publicUpload(team.ws.slug, "ticket.txt");
  const s: Submitted = await submitTicket(t, team.ws.slug, { email, attachments: [onTicket.key] } as never);
  const onCustomerReply = await publicUpload(team.ws.slug, "customer.txt");
  await post(`/api/public/portals/${team.ws.slug}/tickets/${s.reference}/replies?t=${s.token}`, {
    body: "here it is",
    attachments: [onCustomerReply.key],
  });
  const onAgentReply = await agentUpload(team.agent, "reply.txt");
  await post(
    `/api/workspace/tickets/${s.reference}/replies`,
    { body: "thanks", attachments: [onAgentReply.key] },
    team.agent.headers,
  );
  const onNote = await agentUpload(team.agent, "note.txt");
  await post(
    `/api/workspace/tickets/${s.reference}/notes`,
    { body: "internal", attachments: [onNote.key] },
    team.agent.headers,
  );
  const ticket = await t.ctx.database.db
    .selectFrom("tickets")
    .innerJoin("contacts", "contacts.id", "tickets.contact_id")
    .select(["tickets.id", "tickets.contact_id", "contacts.email_normalized"])
    .where("tickets.workspace_id", "=", team.ws.id)
    .where("tickets.number", "=", Number(s.reference.slice(4)))
    .executeTakeFirstOrThrow();
  return {
    s,
    ticket,
    public: [onTicket.id, onCustomerReply.id, onAgentReply.id].sort(),
    internal: onNote.id,
  };
}

const visibleIds = async (actor: Actor) =>
  (await attachmentsVisibleTo(t.ctx.database.db, actor).select("attachments.id").execute())
    .map((r) => r.id)
    .sort();

const agentActor = async (team: Team): Promise<AgentActor> => ({
  kind: "agent",
  workspaceId: team.ws.id,
  agentId: team.agent.id,
  role: "agent",
});

describe("attachmentScope", () => {
  let team: Team;
  let other: Team;
  let mine: Awaited<ReturnType<typeof ticketWithFiles>>;
  let theirs: Awaited<ReturnType<typeof ticketWithFiles>>;
  let loose: string;
  before(async () => {
    team = await makeTeam(t);
    other = await makeTeam(t);
    mine = await ticketWithFiles(team, "casey@customer.test");
    theirs = await ticketWithFiles(team, "robin@customer.test");
    loose = (await agentUpload(team.agent, "loose.txt")).id;
  });

  test("a token holder sees their ticket's files and its public comments', never an internal note's", async () => {
    const holder: TokenHolderActor = {
      kind: "token_holder",
      workspaceId: team.ws.id,
      ticketId: mine.ticket.id,
      contactId: mine.ticket.contact_id,
      emailNormalized: mine.ticket.email_normalized,
    };
    const seen = await visibleIds(holder);
    assert.deepEqual(seen, mine.public);
    assert.ok(!seen.includes(mine.internal), "no file on an internal note");
    assert.ok(!seen.includes(loose), "no unattached upload");
    // The download route (the tracking page's prepared read) agrees.
    for (const id of [...mine.public, mine.internal, ...theirs.public]) {
      const res = await t.app.inject({
        url: `/api/public/portals/${team.ws.slug}/tickets/${mine.s.reference}/attachments/${id}?t=${mine.s.token}`,
      });
      assert.equal(res.statusCode, seen.includes(id) ? 200 : 404, id);
    }
  });

  test("a signed-in customer sees the files of their own tickets, never one on an internal note", async () => {
    const customer: CustomerActor = {
      kind: "customer",
      workspaceId: team.ws.id,
      contactId: mine.ticket.contact_id,
      companyId: null,
      scope: "own",
    };
    const seen = await visibleIds(customer);
    assert.deepEqual(seen, mine.public);
    assert.ok(!seen.includes(mine.internal), "no file on an internal note");
    assert.ok(!seen.includes(theirs.internal) && !seen.includes(theirs.public[0] as string), "not another's");
    // In the company's view too: the other contact's ticket, still without its note's file.
    const now = t.ctx.now().toISOString();
    const companyId = newId();
    await t.ctx.database.db
      .insertInto("companies")
      .values({
        id: companyId,
        workspace_id: team.ws.id,
        name: "Acme",
        created_at: now,
        updated_at: now,
      })
      .execute();
    await t.ctx.database.db
      .updateTable("tickets")
      .set({ company_id: companyId })
      .where("id", "in", [mine.ticket.id, theirs.ticket.id])
      .execute();
    const manager: CustomerActor = { ...customer, companyId, scope: "company" };
    const managed = await visibleIds(manager);
    assert.deepEqual(managed, [...mine.public, ...theirs.public].sort());
  });

  test("a visitor sees no attachment", async () => {
    assert.deepEqual(await visibleIds(visitorOf(team.ws.id)), []);
  });

  test("agents and the system see every attached file of their workspace; nobody an unattached upload", async () => {
    const all = [...mine.public, mine.internal, ...theirs.public, theirs.internal].sort();
    assert.deepEqual(await visibleIds(await agentActor(team)), all);
    assert.deepEqual(await visibleIds(systemActorIn("test", team.ws.id)), all);
    assert.deepEqual(await visibleIds(await agentActor(other)), []);
    const everywhere = await visibleIds(systemActor("test"));
    assert.ok(all.every((id) => everywhere.includes(id)));
    assert.ok(!everywhere.includes(loose), "an upload is reached only by its key");
  });

  test("an agent of another workspace gets 404 for a file id", async () => {
    for (const id of [mine.public[0] as string, mine.internal, loose]) {
      const res = await t.app.inject({
        url: `/api/workspace/attachments/${id}`,
        headers: other.agent.headers,
      });
      assert.equal(res.statusCode, 404, id);
      assert.equal(res.json().error.code, "not_found");
      await assert.rejects(
        findAttachmentForAgent(t.ctx, await agentActor(other), id),
        (e: unknown) => e instanceof AppError && e.status === 404,
      );
    }
    const own = await t.app.inject({
      url: `/api/workspace/attachments/${mine.internal}`,
      headers: team.agent.headers,
    });
    assert.equal(own.statusCode, 200, "the same id opens for its own workspace's agent");
  });
});
