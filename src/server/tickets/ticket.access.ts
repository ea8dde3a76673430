import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from "kysely";
import { parseReference } from "../../shared/tickets.ts";
import {
  type Actor,
  type AgentActor,
  type CustomerActor,
  type TokenHolderActor,
  unknownActor,
  type WorkspaceSystemActor,
} from "../actors.ts";
import { hashToken, looksLikeToken } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { nothing } from "../db/access.ts";
import { PreparedRead, ReadCache, type RowOf, readOne, readTogether } from "../db/prepared.ts";
import type { DB, TicketTable, Tx } from "../db/schema.ts";
import { notFound, validationFailed } from "../errors.ts";

// Every ticket query starts here. Agents see their own workspace's tickets; a signed-in customer
// their own, their company's (a manager) or those they were copied in on; a token holder sees
// the one ticket the token was issued for, while the token is fresh and its email is still the
// ticket's contact's. Anything else is the same 404 as a ticket that does not exist.
// Longer than 400 lines: every query on tickets and ticket_ccs must start in this one file
// (security/access-bypass.test.ts), the tracking read's prepared queries and an erasure's included.

const TICKET_NOT_FOUND = "We could not find that ticket. The link may be wrong or expired.";
export const ticketNotFound = () => notFound(TICKET_NOT_FOUND);

/**
 * Which tickets an actor may see or change, as a where clause on `tickets`. Agents: their
 * workspace's. A signed-in customer: their own, and their company's when their portal access
 * covers the company, else those of their company they were copied in on. A token holder: the one ticket of the token. The system: one workspace's,
 * or every workspace's for a job that works across them. A visitor: none.
 */
export function ticketScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "tickets">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
        return eb("tickets.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("tickets.workspace_id", "=", actor.workspaceId);
      case "customer":
        return eb("tickets.id", "in", customerTicketIds(eb, actor));
      case "token_holder":
        return eb.and([
          eb("tickets.workspace_id", "=", actor.workspaceId),
          eb("tickets.id", "=", actor.ticketId),
        ]);
      case "visitor":
        return nothing();
      default:
        return unknownActor(actor);
    }
  };
}

/**
 * A signed-in customer's tickets: their own requests always; their company's when they are its
 * manager; and those a colleague copied them in on, while both still belong to that company (a
 * contact moved to another company loses the old company's tickets at once). One indexed read
 * per part (tickets_contact_id_idx, tickets_company_id_idx, ticket_ccs), each inside the
 * customer's workspace; the outer query carries no workspace equality of its own, which would
 * lure the planner into walking the workspace's every ticket in the order asked for.
 */
function customerTicketIds(eb: ExpressionBuilder<DB, "tickets">, actor: CustomerActor) {
  const fresh = eb as unknown as ExpressionBuilder<DB, never>;
  const own = fresh
    .selectFrom("tickets as own")
    .select("own.id")
    .where("own.workspace_id", "=", actor.workspaceId)
    .where("own.contact_id", "=", actor.contactId);
  if (actor.companyId === null) return own;
  if (actor.scope === "company") {
    return own.unionAll(
      fresh
        .selectFrom("tickets as co")
        .select("co.id")
        .where("co.workspace_id", "=", actor.workspaceId)
        .where("co.company_id", "=", actor.companyId),
    );
  }
  return own.unionAll(
    fresh
      .selectFrom("ticket_ccs")
      .innerJoin("tickets as cc", "cc.id", "ticket_ccs.ticket_id")
      .select("cc.id")
      .where("ticket_ccs.workspace_id", "=", actor.workspaceId)
      .where("ticket_ccs.contact_id", "=", actor.contactId)
      .where("cc.workspace_id", "=", actor.workspaceId)
      .where("cc.company_id", "=", actor.companyId),
  );
}

/** The ids of the tickets an actor may see, as a subquery for the access functions of what hangs off a ticket. */
export function visibleTicketIds<T extends keyof DB>(eb: ExpressionBuilder<DB, T>, actor: Actor) {
  // Not correlated with the outer query: its tables are left out of the subquery's scope.
  const fresh = eb as unknown as ExpressionBuilder<DB, never>;
  return fresh.selectFrom("tickets").select("tickets.id").where(ticketScope(actor));
}

/** Every ticket read starts here. Inside a transaction pass its tx: on SQLite the one connection is the transaction's until it ends. */
export function ticketsVisibleTo(db: Tx, actor: Actor) {
  return db.selectFrom("tickets").where(ticketScope(actor));
}

/** Whether the actor may see the ticket with this id. */
export async function isTicketVisibleTo(db: Tx, actor: Actor, ticketId: string): Promise<boolean> {
  const row = await ticketsVisibleTo(db, actor)
    .select("tickets.id")
    .where("tickets.id", "=", ticketId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The open requests (not Resolved or Closed) a signed-in customer may see, newest first, with the
 * name of the contact who opened each: what "A colleague already reported this" chooses from.
 */
export function openRequestsVisibleTo(db: Tx, actor: CustomerActor, limit: number) {
  return ticketsVisibleTo(db, actor)
    .innerJoin("contacts as opener", (j) =>
      j
        .onRef("opener.id", "=", "tickets.contact_id")
        .onRef("opener.workspace_id", "=", "tickets.workspace_id"),
    )
    .select([
      "tickets.id",
      "tickets.number",
      "tickets.subject",
      "tickets.status",
      "tickets.portal_status",
      "tickets.contact_id",
      "tickets.created_at",
      "opener.name as opener_name",
    ])
    .where("tickets.status", "not in", ["resolved", "closed"])
    .orderBy("tickets.updated_at", "desc")
    .orderBy("tickets.id", "desc")
    .limit(limit)
    .execute();
}

/** Every ticket update starts here, with the same scope as the reads. */
export function ticketsWritableBy(db: Tx, actor: Actor) {
  return db.updateTable("tickets").where(ticketScope(actor));
}

/** The team's first public answer on a ticket: set once, in the reply's transaction (analytics). */
export function markFirstResponse(db: Tx, actor: AgentActor, ticketId: string, at: string) {
  return ticketsWritableBy(db, actor)
    .set({ first_response_at: at })
    .where("tickets.id", "=", ticketId)
    .where("tickets.first_response_at", "is", null)
    .execute();
}

/**
 * The colleagues copied in on tickets (ticket_ccs), read and removed here only: the rows of the
 * tickets the actor may see, in the actor's workspace.
 */
function ccScope(actor: AgentActor | CustomerActor) {
  return (eb: ExpressionBuilder<DB, "ticket_ccs">): Expression<SqlBool> =>
    eb.and([
      eb("ticket_ccs.workspace_id", "=", actor.workspaceId),
      eb("ticket_ccs.ticket_id", "in", visibleTicketIds(eb, actor)),
    ]);
}

/** Inside a transaction pass its tx. */
export function ccsVisibleTo(db: Tx, actor: AgentActor | CustomerActor) {
  return db.selectFrom("ticket_ccs").where(ccScope(actor));
}

/** Removes one colleague from a ticket the actor may see; true when one was removed. */
export async function removeTicketCc(
  db: Tx,
  actor: AgentActor | CustomerActor,
  p: { ticketId: string; contactId: string },
): Promise<boolean> {
  const r = await db
    .deleteFrom("ticket_ccs")
    .where(ccScope(actor))
    .where("ticket_ccs.ticket_id", "=", p.ticketId)
    .where("ticket_ccs.contact_id", "=", p.contactId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A ticket with its contact's normalised email: how incoming mail decides who wrote to it. */
export function findTicketWithContactEmail(
  db: Tx,
  actor: WorkspaceSystemActor,
  by: { id: string } | { number: number },
) {
  const q = ticketsVisibleTo(db, actor)
    .innerJoin("contacts", "contacts.id", "tickets.contact_id")
    .select(["tickets.id", "contacts.email_normalized"]);
  return (
    "id" in by ? q.where("tickets.id", "=", by.id) : q.where("tickets.number", "=", by.number)
  ).executeTakeFirst();
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

/**
 * Everything a token holder reads starts from this: the token, its ticket and that ticket's
 * workspace, matched on the token's hash, the portal's slug and the reference in the link.
 */
function byTrackingToken(db: Tx, p: Record<"tokenHash" | "slug" | "number", never>) {
  return db
    .selectFrom("tracking_tokens as tt")
    .innerJoin("tickets", "tickets.id", "tt.ticket_id")
    .innerJoin("workspaces as w", "w.id", "tickets.workspace_id")
    .where("tt.token_hash", "=", p.tokenHash)
    .where("w.slug", "=", p.slug)
    .where("tickets.number", "=", p.number);
}

type TokenValues = Record<"tokenHash" | "slug" | "number", never>;

/** The ticket, workspace and contact behind a tracking token; expiry and email are checked below. */
const trackingAccess = (db: Kysely<DB>, p: TokenValues) =>
  byTrackingToken(db, p)
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
    ]);

const TRACKING_ACCESS = new PreparedRead(["tokenHash", "slug", "number"], trackingAccess, {
  name: "tracking_access",
});

/**
 * The same ticket's public comments (the query itself leaves internal notes out); with `before`,
 * those older than that comment of this ticket. Newest first, so a page is a LIMIT.
 */
function publicComments(db: Kysely<DB>, p: Record<"tokenHash" | "slug" | "number", never>, before?: never) {
  const q = byTrackingToken(db, p)
    .innerJoin("comments", "comments.ticket_id", "tickets.id")
    .where("comments.internal", "=", false)
    .where("comments.author_type", "in", ["agent", "contact"]);
  if (before === undefined) return q;
  return q
    .innerJoin("comments as cur", (j) =>
      j.onRef("cur.ticket_id", "=", "tickets.id").on("cur.id", "=", before).on("cur.internal", "=", false),
    )
    .where((eb) =>
      eb.or([
        eb("comments.created_at", "<", eb.ref("cur.created_at")),
        eb.and([
          eb("comments.created_at", "=", eb.ref("cur.created_at")),
          eb("comments.id", "<", eb.ref("cur.id")),
        ]),
      ]),
    );
}

/**
 * A page of the public conversation, newest first: `limit` rows, older than `before` if given.
 * The limit is written into the statement: SQLite reads a page backwards off the comments'
 * (ticket_id, created_at, id) index and stops, several times faster than with a bound LIMIT. So
 * each page size has statements of its own, made when first asked (`perLimit`; the API allows
 * 1 to 100, and one more row is read to tell whether older ones are left).
 */
const conversationPage = (
  db: Kysely<DB>,
  p: Record<"tokenHash" | "slug" | "number", never>,
  limit: number,
  before?: never,
) =>
  publicComments(db, p, before)
    .orderBy("comments.created_at", "desc")
    .orderBy("comments.id", "desc")
    .limit(sql.lit(limit));

/** One statement per page size, made on first use. */
function perLimit<T>(make: (limit: number) => T): (limit: number) => T {
  const made = new Map<number, T>();
  return (limit) => {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 101)
      throw new Error(`page size out of range: ${limit}`);
    let statement = made.get(limit);
    if (!statement) {
      statement = make(limit);
      made.set(limit, statement);
    }
    return statement;
  };
}

const withAuthors = (q: ReturnType<typeof conversationPage>) =>
  q
    .leftJoin("agents", "agents.id", "comments.author_agent_id")
    .leftJoin("contacts", "contacts.id", "comments.author_contact_id")
    .select([
      "comments.id",
      "comments.author_type",
      "comments.body",
      "comments.created_at",
      "agents.name as agent_name",
      "contacts.name as contact_name",
    ]);

const PUBLIC_CONVERSATION = perLimit(
  (limit) =>
    new PreparedRead(["tokenHash", "slug", "number"], (db, p) => withAuthors(conversationPage(db, p, limit))),
);
const PUBLIC_CONVERSATION_BEFORE = perLimit(
  (limit) =>
    new PreparedRead(["tokenHash", "slug", "number", "before"], (db, p) =>
      withAuthors(conversationPage(db, p, limit, p.before)),
    ),
);

/** The cursor of an older page: a public comment of this very ticket, else it is refused. */
const CONVERSATION_CURSOR = new PreparedRead(["tokenHash", "slug", "number", "before"], (db, p) =>
  publicComments(db, p).select("comments.id").where("comments.id", "=", p.before),
);

export type PublicConversationRow = RowOf<ReturnType<typeof PUBLIC_CONVERSATION>>;

/**
 * The files the token holder may see: the ticket's own and those of its public comments. A file
 * on an internal note is left out by the query itself, for the chips and the download alike.
 */
const publicAttachments = (db: Kysely<DB>, p: Record<"tokenHash" | "slug" | "number", never>) =>
  byTrackingToken(db, p)
    .innerJoin("attachments as a", (j) =>
      j.onRef("a.ticket_id", "=", "tickets.id").onRef("a.workspace_id", "=", "tickets.workspace_id"),
    )
    .leftJoin("comments as ac", (j) =>
      j.onRef("ac.id", "=", "a.comment_id").onRef("ac.ticket_id", "=", "a.ticket_id"),
    )
    .select([
      "a.id",
      "a.file_name",
      "a.content_type",
      "a.size_bytes",
      "a.storage_key",
      "a.thumb_key",
      "a.comment_id",
      "a.created_at",
    ])
    .where((eb) => eb.or([eb("a.comment_id", "is", null), eb("ac.internal", "=", false)]))
    .orderBy("a.created_at")
    .orderBy("a.id");
const PUBLIC_ATTACHMENTS = new PreparedRead(["tokenHash", "slug", "number"], publicAttachments);

export type PublicAttachmentRow = RowOf<typeof PUBLIC_ATTACHMENTS>;

/** The files of the request itself and of one page of its conversation (the ids read as the page's). */
const pageAttachments = (
  db: Kysely<DB>,
  p: Record<"tokenHash" | "slug" | "number", never>,
  limit: number,
  before?: never,
) => {
  const page = conversationPage(db, p, limit, before).select("comments.id");
  return publicAttachments(db, p).where((eb) =>
    eb.or([eb("a.comment_id", "is", null), eb("a.comment_id", "in", page)]),
  );
};
const PAGE_ATTACHMENTS = perLimit(
  (limit) => new PreparedRead(["tokenHash", "slug", "number"], (db, p) => pageAttachments(db, p, limit)),
);
const PAGE_ATTACHMENTS_BEFORE = perLimit(
  (limit) =>
    new PreparedRead(["tokenHash", "slug", "number", "before"], (db, p) =>
      pageAttachments(db, p, limit, p.before),
    ),
);

/**
 * PostgreSQL: the newest page's three reads (access, conversation page, its files) as one
 * statement, one round trip on one pool connection: the access row with the page and the files
 * as JSON arrays, each in the order of its own read. JSON
 * carries timestamps in its own text; `fromJsonRows` makes them the ISO strings the pool answers.
 */
const TRACKING_AT_ONCE = perLimit(
  (limit) =>
    new PreparedRead(
      ["tokenHash", "slug", "number"],
      (db, p) =>
        trackingAccess(db, p).select([
          sql<
            unknown[]
          >`(select coalesce(json_agg(m order by m.created_at desc, m.id desc), '[]') from ${withAuthors(conversationPage(db, p, limit))} as m)`.as(
            "public_conversation",
          ),
          sql<
            unknown[]
          >`(select coalesce(json_agg(f order by f.created_at, f.id), '[]') from ${pageAttachments(db, p, limit)} as f)`.as(
            "public_attachments",
          ),
        ]),
      { name: `tracking_at_once_${limit}` },
    ),
);

/** Rows read as JSON: their `created_at` as the pool's type parser gives it (toISOString). */
function fromJsonRows(rows: { created_at: string }[]): void {
  for (const r of rows) r.created_at = new Date(r.created_at).toISOString();
}

/** The tracking read on PostgreSQL, in the shape of `readTogether`'s answer: access, conversation, files. */
async function readTrackingAtOnce(
  ctx: AppContext,
  values: Record<"tokenHash" | "slug" | "number", string | number>,
  limit: number,
): Promise<[unknown[], unknown[], unknown[]]> {
  const rows = await readOne(ctx.database, TRACKING_AT_ONCE(limit).bind(ctx.database, values));
  const row = rows[0];
  if (!row) return [[], [], []];
  const { public_conversation: conversation, public_attachments: files, ...access } = row;
  fromJsonRows(conversation as { created_at: string }[]);
  fromJsonRows(files as { created_at: string }[]);
  return [[access], conversation, files];
}

/**
 * The tracking page and its live update read the same ticket again and again: the rows are kept
 * until the database changes (ReadCache). Expiry and the email check below run on every call.
 */
const TRACKING_READS = new ReadCache<readonly unknown[][]>(2000, { onPostgres: true, share: 0.35 });

/** Which page of the conversation: the newest `limit` messages, or those older than `before`. */
export interface ConversationPage {
  limit: number;
  /** A public message of this ticket (an earlier page's `nextBefore`); another is refused (400). */
  before?: string | undefined;
}

/**
 * The token holder's ticket; with `conversation`, one page of its public conversation (newest
 * first, one row more than the limit when older ones are left) and with `attachments` the files
 * of the request and of that page (without a conversation, all its public files), read in the
 * same snapshot.
 */
export async function findTicketByTrackingToken(
  ctx: AppContext,
  slug: string,
  reference: string,
  token: unknown,
  opts: { conversation?: ConversationPage; attachments?: boolean; viewer?: CustomerActor | undefined } = {},
): Promise<TokenAccess & { conversation: PublicConversationRow[]; attachments: PublicAttachmentRow[] }> {
  const number = parseReference(reference);
  if (number === null || !looksLikeToken(token)) throw ticketNotFound();
  const values = { tokenHash: hashToken(token), slug, number };
  const page = opts.conversation;
  const before = page?.before;
  const paged = page ? page.limit + 1 : undefined;
  const read = async (): Promise<readonly unknown[][]> => {
    const d = ctx.database;
    if (d.dialect === "postgres" && paged && before === undefined) {
      const [access, conversation, files] = await readTrackingAtOnce(ctx, values, paged);
      return [access, conversation, ...(opts.attachments ? [files] : [])];
    }
    return readTogether(d, [
      TRACKING_ACCESS.bind(d, values),
      ...(paged
        ? before === undefined
          ? [PUBLIC_CONVERSATION(paged).bind(d, values)]
          : [
              PUBLIC_CONVERSATION_BEFORE(paged).bind(d, { ...values, before }),
              CONVERSATION_CURSOR.bind(d, { ...values, before }),
            ]
        : []),
      ...(opts.attachments
        ? paged
          ? before === undefined
            ? [PAGE_ATTACHMENTS(paged).bind(d, values)]
            : [PAGE_ATTACHMENTS_BEFORE(paged).bind(d, { ...values, before })]
          : [PUBLIC_ATTACHMENTS.bind(d, values)]
        : []),
    ]);
  };
  const [access = [], ...more] = page
    ? await TRACKING_READS.get(
        ctx.database,
        `${values.tokenHash} ${slug} ${number}${opts.attachments ? " +files" : ""} ${page.limit} ${before ?? ""}`,
        read,
      )
    : await read();
  const conversation = page ? more.shift() : [];
  const cursor = before !== undefined ? more.shift() : undefined;
  const attachments = opts.attachments ? more.shift() : [];
  const row = access[0] as RowOf<typeof TRACKING_ACCESS> | undefined;
  if (
    !row ||
    row.token_expires_at <= ctx.now().toISOString() ||
    row.token_email !== row.contact_email_normalized
  ) {
    throw ticketNotFound();
  }
  // A portal that needs sign-in: the link opens the ticket only for a signed-in customer who may
  // see it. Read outside the cache, on every call, like the checks above.
  if (opts.viewer && !(await isTicketVisibleTo(ctx.database.db, opts.viewer, row.id))) {
    throw ticketNotFound();
  }
  if (cursor && !cursor.length) throw validationFailed({ before: "is not a message of this request" });
  // The row is the ticket's columns and a few more; it is handed on as the ticket as it is, since
  // copying twenty columns out of it is a measurable share of this hot read.
  const ticket: TicketTable = row;
  return {
    actor: {
      kind: "token_holder",
      workspaceId: ticket.workspace_id,
      ticketId: ticket.id,
      contactId: ticket.contact_id,
      emailNormalized: row.token_email,
    },
    ticket,
    workspace: { id: ticket.workspace_id, slug: row.ws_slug, name: row.ws_name },
    contact: { id: ticket.contact_id, name: row.contact_name, email: row.contact_email },
    conversation: conversation as PublicConversationRow[],
    attachments: attachments as PublicAttachmentRow[],
  };
}

// Erasure of a contact (lifecycle/contact-erase.ts): their requests keep their number, status,
// history and the team's messages; what the contact wrote and what opened them go.

/** The contact's own requests lose their subject and description; answers their ids. */
export async function redactContactTickets(
  db: Tx,
  actor: AgentActor,
  p: { contactId: string; subject: string; description: string },
): Promise<string[]> {
  const rows = await ticketsWritableBy(db, actor)
    .set({ subject: p.subject, description: p.description })
    .where("tickets.contact_id", "=", p.contactId)
    .returning("tickets.id")
    .execute();
  return rows.map((r) => r.id);
}

/** The contact leaves every request they were copied in on. */
export async function removeContactCcs(db: Tx, actor: AgentActor, contactId: string): Promise<void> {
  await db
    .deleteFrom("ticket_ccs")
    .where(ccScope(actor))
    .where("ticket_ccs.contact_id", "=", contactId)
    .execute();
}

/** Every tracking link of these tickets stops working. */
export async function revokeTrackingTokens(db: Tx, actor: AgentActor, ticketIds: string[]): Promise<void> {
  if (!ticketIds.length) return;
  await db
    .deleteFrom("tracking_tokens")
    .where("workspace_id", "=", actor.workspaceId)
    .where("ticket_id", "in", ticketIds)
    .execute();
}
