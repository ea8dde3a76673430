import { insertComment } from "../tickets/ticket.create.ts";
import { makeAgent, makeWorkspace, type Submitted, submitTicket } from "./factories.ts";
import type { TestEnv } from "./harness.ts";

// Tickets with long conversations, for the tests of paging (the tracking page and API, the
// signed-in portal, the agents' ticket).

export interface LongTicket {
  slug: string;
  s: Submitted;
  /** The public messages, oldest first. */
  ids: string[];
  /** The internal notes, oldest first. */
  notes: string[];
}

/** A ticket with `count` public messages (every tenth the team's) and an internal note after every seventh. */
export async function makeLongTicket(t: TestEnv, count: number): Promise<LongTicket> {
  const ws = await makeWorkspace(t);
  const s = await submitTicket(t, ws.slug, { description: "The request itself" });
  return { slug: ws.slug, s, ...(await fillLongConversation(t, ws.id, s.reference, count)) };
}

export async function fillLongConversation(
  t: TestEnv,
  workspaceId: string,
  reference: string,
  count: number,
): Promise<{ ids: string[]; notes: string[] }> {
  const db = t.ctx.database.db;
  const ticket = await db
    .selectFrom("tickets")
    .select(["id", "contact_id"])
    .where("workspace_id", "=", workspaceId)
    .where("number", "=", Number(reference.slice(4)))
    .executeTakeFirstOrThrow();
  const agent = await makeAgent(t, workspaceId);
  const ids: string[] = [];
  const notes: string[] = [];
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < count; i++) {
    // Every fifth message shares its second with the one before: the id orders them.
    const at = new Date(start + (i - (i % 5 === 4 ? 1 : 0)) * 1000).toISOString();
    const id = await insertComment(db, {
      workspaceId,
      ticketId: ticket.id,
      author:
        i % 10 === 9
          ? { type: "agent", agentId: agent.id }
          : { type: "contact", contactId: ticket.contact_id },
      body: `message ${i}`,
      internal: false,
      channel: "portal",
      at,
    });
    ids.push(id);
    if (i % 7 === 6) {
      notes.push(
        await insertComment(db, {
          workspaceId,
          ticketId: ticket.id,
          author: { type: "agent", agentId: agent.id },
          body: `internal note ${i}`,
          internal: true,
          channel: "portal",
          at,
        }),
      );
    }
  }
  return { ids, notes };
}
