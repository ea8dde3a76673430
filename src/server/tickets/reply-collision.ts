import type { AgentActor } from "../actors.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { conflict } from "../errors.ts";
import { commentsVisibleTo } from "./comment.access.ts";

// Collision: an agent's reply written while the customer wrote again. The reply form carries the
// newest customer message it showed (`seenMessage`, "" for none); if a newer one arrived since,
// the reply is refused with 409 newer_message until it is sent again with `sendAnyway`. Without
// `seenMessage` (an API client that does not track it) nothing is judged.

/** The ticket's newest customer message, judged on the locked ticket inside the reply's transaction. */
export async function latestCustomerMessageId(
  tx: Tx,
  actor: AgentActor,
  ticketId: string,
): Promise<string | null> {
  const row = await commentsVisibleTo(tx, actor)
    .select("comments.id")
    .where("comments.ticket_id", "=", ticketId)
    .where("comments.author_type", "=", "contact")
    .where("comments.internal", "=", false)
    .orderBy("comments.created_at", "desc")
    .orderBy("comments.id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function refuseUnseenCustomerMessage(
  tx: Tx,
  actor: AgentActor,
  t: Pick<TicketTable, "id">,
  input: { seenMessage?: string | undefined; sendAnyway?: boolean | undefined },
): Promise<void> {
  if (input.seenMessage === undefined || input.sendAnyway) return;
  const latest = await latestCustomerMessageId(tx, actor, t.id);
  if (latest !== null && latest !== input.seenMessage) {
    throw conflict(
      "newer_message",
      "The customer wrote again since you opened this ticket. Read their new message, then send anyway if your reply still fits.",
      { body: "a newer customer message arrived" },
    );
  }
}
