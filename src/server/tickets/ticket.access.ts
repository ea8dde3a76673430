import { parseReference } from "../../shared/tickets.ts";
import { hashToken, looksLikeToken } from "../auth/tokens.ts";
import type { AgentActor, AppContext, TokenHolderActor } from "../context.ts";
import type { TicketTable, Tx } from "../db/schema.ts";
import { notFound } from "../errors.ts";

// Every ticket query starts here. Agents see their own workspace's tickets; a token holder sees
// the one ticket the token was issued for, while the token is fresh and its email is still the
// ticket's contact's. Anything else is the same 404 as a ticket that does not exist.

const TICKET_NOT_FOUND = "We could not find that ticket. The link may be wrong or expired.";
export const ticketNotFound = () => notFound(TICKET_NOT_FOUND);

/** Inside a transaction pass its tx: on SQLite the one connection is the transaction's until it ends. */
export function ticketsVisibleTo(db: Tx, actor: AgentActor) {
  return db.selectFrom("tickets").where("tickets.workspace_id", "=", actor.workspaceId);
}

export async function findTicketForAgent(
  ctx: AppContext,
  actor: AgentActor,
  reference: string,
  opts: { tx?: Tx; lock?: boolean } = {},
): Promise<TicketTable> {
  const number = parseReference(reference);
  if (number === null) throw ticketNotFound();
  let q = ticketsVisibleTo(opts.tx ?? ctx.database.db, actor)
    .selectAll()
    .where("tickets.number", "=", number);
  // SQLite writes one transaction at a time already; PostgreSQL needs the row lock.
  if (opts.lock && ctx.database.dialect === "postgres") q = q.forUpdate();
  const ticket = await q.executeTakeFirst();
  if (!ticket) throw ticketNotFound();
  return ticket;
}

/** Re-reads a ticket already found through an access function, locked for the transaction. */
export async function lockTicket(ctx: AppContext, tx: Tx, ticket: Pick<TicketTable, "id" | "workspace_id">) {
  let q = tx
    .selectFrom("tickets")
    .selectAll()
    .where("tickets.workspace_id", "=", ticket.workspace_id)
    .where("tickets.id", "=", ticket.id);
  if (ctx.database.dialect === "postgres") q = q.forUpdate();
  return q.executeTakeFirstOrThrow();
}

export interface TokenAccess {
  actor: TokenHolderActor;
  ticket: TicketTable;
  workspace: { id: string; slug: string; name: string };
  contact: { id: string; name: string; email: string };
}

export async function findTicketByTrackingToken(
  ctx: AppContext,
  slug: string,
  reference: string,
  token: unknown,
): Promise<TokenAccess> {
  const number = parseReference(reference);
  if (number === null || !looksLikeToken(token)) throw ticketNotFound();
  const row = await ctx.database.db
    .selectFrom("tracking_tokens as tt")
    .innerJoin("tickets", "tickets.id", "tt.ticket_id")
    .innerJoin("workspaces as w", "w.id", "tickets.workspace_id")
    .innerJoin("contacts as c", "c.id", "tickets.contact_id")
    .selectAll("tickets")
    .select([
      "tt.email_normalized as token_email",
      "tt.expires_at as token_expires_at",
      "w.slug as ws_slug",
      "w.name as ws_name",
      "c.name as contact_name",
      "c.email as contact_email",
      "c.email_normalized as contact_email_normalized",
    ])
    .where("tt.token_hash", "=", hashToken(token))
    .where("w.slug", "=", slug)
    .where("tickets.number", "=", number)
    .executeTakeFirst();
  if (
    !row ||
    row.token_expires_at <= ctx.now().toISOString() ||
    row.token_email !== row.contact_email_normalized
  ) {
    throw ticketNotFound();
  }
  const {
    token_email,
    token_expires_at,
    ws_slug,
    ws_name,
    contact_name,
    contact_email,
    contact_email_normalized,
    ...ticket
  } = row;
  return {
    actor: {
      kind: "token_holder",
      workspaceId: ticket.workspace_id,
      ticketId: ticket.id,
      contactId: ticket.contact_id,
      emailNormalized: token_email,
    },
    ticket,
    workspace: { id: ticket.workspace_id, slug: ws_slug, name: ws_name },
    contact: { id: ticket.contact_id, name: contact_name, email: contact_email },
  };
}
