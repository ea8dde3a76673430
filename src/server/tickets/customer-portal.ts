import type { ExpressionBuilder } from "kysely";
import { formatReference, parseReference, STATUS_LABELS, type TicketStatus } from "../../shared/tickets.ts";
import type { CustomerActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { nothing } from "../db/access.ts";
import { ReadCache } from "../db/prepared.ts";
import type { DB, TicketTable, Tx } from "../db/schema.ts";
import { portalDocumentsSummary } from "../documents/portal-documents.ts";
import { AppError, validationFailed } from "../errors.ts";
import { attachmentsForCustomer } from "../files/file.access.ts";
import { formsDueFor } from "../forms/portal-forms.ts";
import { portalOnboardingSummary } from "../onboarding/portal-onboarding.ts";
import { getWorkspace } from "../workspaces/workspace.service.ts";
import { type CommentCursor, commentCursor, commentsVisibleTo, olderThan } from "./comment.access.ts";
import { portalActivity } from "./customer-activity.ts";
import type {
  PortalHome,
  PortalListQuery,
  PortalTicket,
  PortalTicketList,
  PortalTicketSummary,
} from "./customer-portal.schemas.ts";
import { ccsVisibleTo, ticketsVisibleTo } from "./ticket.access.ts";
import { customerStatusOf } from "./ticket.create.ts";
import { CONVERSATION_PAGE } from "./ticket.schemas.ts";

// What a signed-in customer reads on the portal: the home (open requests and recent activity),
// the list of their requests, one request. Every read starts from the access functions with the
// CustomerActor, so what is not theirs (another company's, another workspace's) is never read,
// and a request they may not see is the same 404 as one that does not exist.

const NOT_FOUND = "We could not find that request.";
/** A request outside the customer's scope, or none at all: one answer for both. */
export const portalTicketNotFound = () => new AppError(404, "ticket_not_found", NOT_FOUND);

const DONE: TicketStatus[] = ["resolved", "closed"];

/** The status the customer sees: the portal's override where an agent set one. */
const seenStatus = (eb: ExpressionBuilder<DB, "tickets">) =>
  eb.fn.coalesce("tickets.portal_status", "tickets.status");

function summaries(db: Tx, actor: CustomerActor) {
  return ticketsVisibleTo(db, actor)
    .innerJoin("contacts", (j) =>
      j
        .onRef("contacts.id", "=", "tickets.contact_id")
        .onRef("contacts.workspace_id", "=", "tickets.workspace_id"),
    )
    .select([
      "tickets.id",
      "tickets.number",
      "tickets.subject",
      "tickets.status",
      "tickets.portal_status",
      "tickets.contact_id",
      "tickets.created_at",
      "tickets.updated_at",
      "contacts.name as contact_name",
    ]);
}

type SummaryRow = {
  number: number;
  subject: string;
  status: string;
  portal_status: string | null;
  contact_id: string;
  contact_name: string;
  created_at: string;
  updated_at: string;
};

function toSummary(actor: CustomerActor, r: SummaryRow): PortalTicketSummary {
  const status = customerStatusOf(r as Pick<TicketTable, "status" | "portal_status">);
  return {
    reference: formatReference(r.number),
    subject: r.subject,
    status,
    statusLabel: STATUS_LABELS[status],
    mine: r.contact_id === actor.contactId,
    contact: { name: r.contact_name },
    createdAt: r.created_at,
    lastActivityAt: r.updated_at,
  };
}

type Cursor = { u: string; i: string };

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    if (typeof c.u === "string" && typeof c.i === "string") return c;
  } catch {
    // fall through
  }
  throw validationFailed({ cursor: "is not a cursor from this listing" });
}

const PAGE_SIZE = 25;

/**
 * The home and the lists are read again and again by a customer and their colleagues: the
 * answers are kept until the database changes (ReadCache, SQLite), per customer as the session
 * resolved them (contact, company, scope), so a change of access or company is a new key.
 */
const PORTAL_READS = new ReadCache<PortalHome | PortalTicketList>(5000, { share: 0.2 });
const actorKey = (a: CustomerActor) => `${a.workspaceId} ${a.contactId} ${a.companyId ?? "-"} ${a.scope}`;

/** The customer's requests, recently active first, by a keyset cursor. */
export function listPortalTickets(
  ctx: AppContext,
  actor: CustomerActor,
  query: PortalListQuery,
  limit = PAGE_SIZE,
): Promise<PortalTicketList> | PortalTicketList {
  const key = `list ${actorKey(actor)} ${limit} ${JSON.stringify([query.status, query.whose, query.cursor])}`;
  return PORTAL_READS.get(ctx.database, key, () => readPortalTickets(ctx, actor, query, limit)) as
    | PortalTicketList
    | Promise<PortalTicketList>;
}

async function readPortalTickets(
  ctx: AppContext,
  actor: CustomerActor,
  query: PortalListQuery,
  limit: number,
): Promise<PortalTicketList> {
  let q = summaries(ctx.database.db, actor);
  const status = query.status ?? "open";
  if (status === "open") q = q.where((eb) => eb(seenStatus(eb), "not in", DONE));
  if (status === "resolved") q = q.where((eb) => eb(seenStatus(eb), "in", DONE));
  if (query.whose === "mine") q = q.where("tickets.contact_id", "=", actor.contactId);
  if (query.whose === "company") {
    // Only what the scope already allows: a manager's company, or the requests they are copied in on.
    const companyId = actor.companyId;
    q = companyId === null ? q.where(nothing()) : q.where("tickets.company_id", "=", companyId);
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    q = q.where((eb) =>
      eb.or([
        eb("tickets.updated_at", "<", c.u),
        eb.and([eb("tickets.updated_at", "=", c.u), eb("tickets.id", "<", c.i)]),
      ]),
    );
  }
  const rows = await q
    .orderBy("tickets.updated_at", "desc")
    .orderBy("tickets.id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toSummary(actor, r)),
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(JSON.stringify({ u: last.updated_at, i: last.id })).toString("base64url")
        : null,
  };
}

/**
 * The home, the five sections of the portal: open requests, onboarding, forms due, documents and
 * recent activity, each read through its entity's access function with this customer.
 */
export async function portalHome(ctx: AppContext, actor: CustomerActor): Promise<PortalHome> {
  return PORTAL_READS.get(ctx.database, `home ${actorKey(actor)}`, async () => {
    const [open, activity, onboarding, formsDue, documents] = await Promise.all([
      listPortalTickets(ctx, actor, { status: "open" }, 10),
      portalActivity(ctx, actor),
      portalOnboardingSummary(ctx, actor),
      formsDueFor(ctx, actor),
      portalDocumentsSummary(ctx, actor),
    ]);
    return { open: open.items, activity, onboarding, formsDue, documents };
  }) as PortalHome | Promise<PortalHome>;
}

/** A request the customer may see, by its reference (TKT-0042); else the same 404 for all. */
export async function findPortalTicket(
  db: Tx,
  actor: CustomerActor,
  reference: string,
): Promise<TicketTable> {
  const number = parseReference(reference);
  if (number === null) throw portalTicketNotFound();
  const ticket = await ticketsVisibleTo(db, actor)
    .selectAll()
    .where("tickets.number", "=", number)
    .executeTakeFirst();
  if (!ticket) throw portalTicketNotFound();
  return ticket;
}

/** Whether the customer may copy colleagues in: a manager, on a request of their company. */
export const mayCopyIn = (actor: CustomerActor, ticket: Pick<TicketTable, "company_id">) =>
  actor.scope === "company" && actor.companyId !== null && ticket.company_id === actor.companyId;

/**
 * One request: one page of its conversation without internal notes (the newest messages unless
 * `page.before` names one of its public messages; another is refused), its files, who is copied in.
 */
export async function getPortalTicket(
  ctx: AppContext,
  actor: CustomerActor,
  reference: string,
  page: { limit?: number | undefined; before?: string | undefined } = {},
): Promise<PortalTicket> {
  const db = ctx.database.db;
  const t = await findPortalTicket(db, actor, reference);
  const limit = page.limit ?? CONVERSATION_PAGE;
  const cursor =
    page.before === undefined
      ? undefined
      : await commentCursor(db, actor, t.id, page.before)
          .where("comments.author_type", "in", ["agent", "contact"])
          .executeTakeFirst();
  if (cursor === undefined && page.before !== undefined) {
    throw validationFailed({ before: "is not a message of this request" });
  }
  const [ws, opener, newestFirst, files, ccs] = await Promise.all([
    getWorkspace(ctx, actor),
    summaries(db, actor).where("tickets.id", "=", t.id).executeTakeFirstOrThrow(),
    commentsVisibleTo(db, actor)
      .leftJoin("agents", (j) =>
        j
          .onRef("agents.id", "=", "comments.author_agent_id")
          .onRef("agents.workspace_id", "=", "comments.workspace_id"),
      )
      .leftJoin("contacts", (j) =>
        j
          .onRef("contacts.id", "=", "comments.author_contact_id")
          .onRef("contacts.workspace_id", "=", "comments.workspace_id"),
      )
      .select([
        "comments.id",
        "comments.author_type",
        "comments.body",
        "comments.created_at",
        "agents.name as agent_name",
        "contacts.name as contact_name",
      ])
      .where("comments.ticket_id", "=", t.id)
      .where("comments.author_type", "in", ["agent", "contact"])
      .$if(cursor !== undefined, (q) => q.where(olderThan(cursor as CommentCursor)))
      .orderBy("comments.created_at", "desc")
      .orderBy("comments.id", "desc")
      .limit(limit + 1)
      .execute(),
    attachmentsForCustomer(db, actor, t.id),
    ccsVisibleTo(db, actor)
      .innerJoin("contacts", (j) =>
        j
          .onRef("contacts.id", "=", "ticket_ccs.contact_id")
          .onRef("contacts.workspace_id", "=", "ticket_ccs.workspace_id"),
      )
      .select(["contacts.id", "contacts.name"])
      .where("ticket_ccs.ticket_id", "=", t.id)
      .orderBy("contacts.name")
      .execute(),
  ]);
  const assignee =
    ws.show_assignee && t.assignee_id !== null
      ? await db
          .selectFrom("agents")
          .select("name")
          .where("workspace_id", "=", actor.workspaceId)
          .where("id", "=", t.assignee_id)
          .executeTakeFirst()
      : undefined;
  const summary = toSummary(actor, opener);
  const done = DONE.includes(summary.status);
  // One row more than the page holds says that older ones are left.
  const hasOlder = newestFirst.length > limit;
  const comments = newestFirst.slice(0, limit).reverse();
  return {
    ...summary,
    description: t.description,
    type: t.type,
    assignee: assignee ? { name: assignee.name } : null,
    attachments: files.filter((f) => f.commentId === null),
    conversation: comments.map((c) => ({
      id: c.id,
      author: {
        type: c.author_type as "agent" | "contact",
        name: (c.author_type === "agent" ? c.agent_name : c.contact_name) ?? "",
      },
      body: c.body,
      createdAt: c.created_at,
      attachments: files.filter((f) => f.commentId === c.id),
    })),
    hasOlder,
    nextBefore: hasOlder ? (comments[0]?.id ?? null) : null,
    resolution: done && t.resolved_at ? { details: t.resolution, resolvedAt: t.resolved_at } : null,
    ccs: ccs.map((c) => ({ id: c.id, name: c.name })),
    canCopyIn: mayCopyIn(actor, t),
    canClose: !done,
  };
}
