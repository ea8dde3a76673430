import { sql } from "kysely";
import {
  formatReference,
  parseReference,
  type TicketPriority,
  type TicketStatus,
} from "../../shared/tickets.ts";
import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { validationFailed } from "../errors.ts";
import { ticketIdsWithField } from "../forms/form.access.ts";
import { teamFilter } from "../routing/ticket-routing.ts";
import { NEGATIVE } from "../sentiment/score.ts";
import { type QueueMood, sentimentOf } from "../sentiment/sentiment.schemas.ts";
import { ticketsVisibleTo } from "./ticket.access.ts";
import type { QueuePage } from "./ticket.schemas.ts";
import { matchingTicketIds, searchWindow, ticketHasText } from "./ticket.search.ts";
import { unreadTicketIds } from "./ticket-read.access.ts";

// The agents' queue: filtered, searched, sorted, and paged by a cursor (keyset, never an offset,
// so a page stays right while tickets come in).

export const QUEUE_SORTS = ["newest", "oldest", "updated", "sentiment", "due"] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueueQuery {
  status?: TicketStatus[] | undefined;
  priority?: TicketPriority[] | undefined;
  /** "me", "unassigned" or an agent id. */
  assignee?: string | undefined;
  /** One company's tickets. */
  companyId?: string | undefined;
  /** "mine" (the agent's teams) or a team id. */
  team?: string | undefined;
  /** Only tickets whose extra field (a request type's form) has this value. */
  field?: { key: string; value: string } | undefined;
  q?: string | undefined;
  /** Only negative tickets, or those with a marker (sentiment/). */
  mood?: QueueMood | undefined;
  /** Only tickets whose last public message is the customer's ("Waiting for us"). */
  waitingForUs?: boolean | undefined;
  sort?: QueueSort | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * A windowed search reads at most maxRows index rows per window (SQLite), or looks at tickets in
 * windows of firstTickets × the page up to maxTickets (PostgreSQL), then takes the rest at once.
 */
export const SEARCH_WINDOWS = { maxRows: 8192, firstTickets: 16, maxTickets: 2048 };

// sentiment: v is the last row's score; due: d is its next deadline (null once past those with one).
type Cursor = { s: QueueSort; n?: number; u?: string; i?: string; v?: number; d?: string | null };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/** A time as this listing writes it; one the calendar lacks (Feb 31, 24:00) is refused too. */
const isCursorTime = (v: unknown): v is string =>
  typeof v === "string" &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/.test(v) &&
  Date.parse(v) >= 0 &&
  new Date(v).toISOString().slice(0, 19) === v.slice(0, 19);

function decodeCursor(raw: string, sort: QueueSort): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    // Only what this listing writes: PostgreSQL refuses a malformed time or an out-of-range number.
    const ok =
      c.s === sort &&
      (sort === "updated"
        ? isCursorTime(c.u) && typeof c.i === "string" && /^[\w-]{1,64}$/.test(c.i)
        : Number.isInteger(c.n) &&
          (c.n as number) > 0 &&
          (c.n as number) < 2 ** 31 &&
          (sort !== "sentiment" || Number.isFinite(c.v)) &&
          (sort !== "due" || c.d === null || isCursorTime(c.d)));
    if (ok) return c;
  } catch {
    // fall through
  }
  throw validationFailed({ cursor: "is not a cursor from this listing" });
}

export async function listQueue(ctx: AppContext, actor: AgentActor, query: QueueQuery): Promise<QueuePage> {
  const sort = query.sort ?? "newest";
  const limit = query.limit ?? 25;
  let qb = ticketsVisibleTo(ctx.database.db, actor)
    .innerJoin("contacts", "contacts.id", "tickets.contact_id")
    .leftJoin("agents", "agents.id", "tickets.assignee_id")
    // The ticket's company, in the ticket's own workspace.
    .leftJoin("companies", (j) =>
      j
        .onRef("companies.id", "=", "tickets.company_id")
        .onRef("companies.workspace_id", "=", "tickets.workspace_id"),
    )
    .select([
      "tickets.id",
      "tickets.number",
      "tickets.subject",
      "tickets.type",
      "tickets.status",
      "tickets.priority",
      "tickets.channel",
      "tickets.created_at",
      "tickets.updated_at",
      "tickets.last_message_by",
      "tickets.last_customer_message_at",
      "tickets.next_due_at",
      "contacts.id as contact_id",
      "contacts.name as contact_name",
      "contacts.email as contact_email",
      "agents.id as assignee_id",
      "agents.name as assignee_name",
      "companies.id as company_id",
      "companies.name as company_name",
      "tickets.sentiment",
      "tickets.sentiment_trend",
      "tickets.mood",
    ]);
  if (query.status?.length) qb = qb.where("tickets.status", "in", query.status);
  if (query.priority?.length) qb = qb.where("tickets.priority", "in", query.priority);
  if (query.assignee === "unassigned") qb = qb.where("tickets.assignee_id", "is", null);
  else if (query.assignee === "me") qb = qb.where("tickets.assignee_id", "=", actor.agentId);
  else if (query.assignee) qb = qb.where("tickets.assignee_id", "=", query.assignee);
  // Waiting on the customer is not waiting for us (the SLA clock is paused too).
  if (query.waitingForUs)
    qb = qb.where("tickets.last_message_by", "=", "contact").where("tickets.status", "!=", "waiting");
  if (query.companyId) qb = qb.where("tickets.company_id", "=", query.companyId);
  // Newest first, skipping the others (the unary + keeps SQLite, without statistics, off
  // tickets_sentiment_idx, which would read every negative ticket and sort them: bench/README.md).
  if (query.mood === "negative") qb = qb.where(sql<boolean>`+tickets.sentiment <= ${NEGATIVE}`);
  else if (query.mood) qb = qb.where("tickets.mood", "=", query.mood);
  if (query.team) qb = qb.where(teamFilter(ctx.database.db, actor, query.team) as never);
  const field = query.field;
  if (field) {
    qb = qb.where((eb) =>
      eb("tickets.id", "in", ticketIdsWithField(eb as never, actor, field.key, field.value)),
    );
  }
  const byReference = query.q ? parseReference(query.q.trim()) : null;
  if (byReference !== null) {
    // An agent pasting "TKT-0042" wants that ticket, not a text search.
    qb = qb.where("tickets.number", "=", byReference);
  }
  // Newest or oldest first, the search goes in windows in that order (below).
  const windowed = byReference === null && !!query.q && (sort === "newest" || sort === "oldest");
  if (byReference === null && query.q && !windowed) {
    const ids = matchingTicketIds(ctx, actor.workspaceId, query.q);
    if (ids) qb = qb.where("tickets.id", "in", ids);
  }
  const dueCursor = sort === "due" && query.cursor ? decodeCursor(query.cursor, sort) : null;
  if (query.cursor && sort !== "due") {
    const c = decodeCursor(query.cursor, sort);
    if (sort === "newest") qb = qb.where("tickets.number", "<", c.n as number);
    else if (sort === "oldest") qb = qb.where("tickets.number", ">", c.n as number);
    else if (sort === "sentiment") {
      const v = c.v as number;
      const n = c.n as number;
      qb = qb.where((eb) =>
        eb.or([
          eb("tickets.sentiment", ">", v),
          eb.and([eb("tickets.sentiment", "=", v), eb("tickets.number", "<", n)]),
        ]),
      );
    } else {
      const u = c.u as string;
      const i = c.i as string;
      qb = qb.where((eb) =>
        eb.or([
          eb("tickets.updated_at", "<", u),
          eb.and([eb("tickets.updated_at", "=", u), eb("tickets.id", "<", i)]),
        ]),
      );
    }
  }
  if (sort === "newest") qb = qb.orderBy("tickets.number", "desc");
  else if (sort === "oldest") qb = qb.orderBy("tickets.number", "asc");
  // Most negative first; the newest first among equals.
  else if (sort === "sentiment")
    qb = qb.orderBy("tickets.sentiment", "asc").orderBy("tickets.number", "desc");
  else if (sort === "updated") qb = qb.orderBy("tickets.updated_at", "desc").orderBy("tickets.id", "desc");

  /**
   * The "next deadline" order: tickets with a pending due first, soonest first (keyset on
   * tickets_next_due_idx), then those without one, oldest first. Two reads, each on the index.
   */
  const byNextDue = async (c: Cursor | null, max: number) => {
    let rows: Awaited<ReturnType<typeof qb.execute>> = [];
    if (!c || c.d) {
      let withDue = qb.where("tickets.next_due_at", "is not", null);
      const d = c?.d;
      const n = c?.n ?? 0;
      if (d) {
        withDue = withDue.where((eb) =>
          eb.or([
            eb("tickets.next_due_at", ">", d),
            eb.and([eb("tickets.next_due_at", "=", d), eb("tickets.number", ">", n)]),
          ]),
        );
      }
      rows = await withDue.orderBy("tickets.next_due_at").orderBy("tickets.number").limit(max).execute();
      if (rows.length >= max) return rows;
    }
    let without = qb.where("tickets.next_due_at", "is", null);
    if (c && !c.d) without = without.where("tickets.number", ">", c.n as number);
    return [
      ...rows,
      ...(await without
        .orderBy("tickets.number")
        .limit(max - rows.length)
        .execute()),
    ];
  };
  /**
   * A text search, newest (or oldest) first on SQLite: the index is read in windows from the
   * cursor on, four times longer each time, and the queue's filters run on each window's tickets
   * until the page is full; past SEARCH_WINDOWS.maxRows the rest of the matches at once.
   */
  const byWindows = async (max: number) => {
    const down = sort === "newest";
    const rows: Awaited<ReturnType<typeof qb.execute>> = [];
    let after = query.cursor ? (decodeCursor(query.cursor, sort).n as number) : null;
    for (let size = 4 * max; ; size *= 4) {
      let part = qb;
      if (after !== null) part = part.where("tickets.number", down ? "<" : ">", after);
      if (size > SEARCH_WINDOWS.maxRows) {
        const rest = matchingTicketIds(ctx, actor.workspaceId, query.q as string, { after, down });
        if (rest)
          rows.push(
            ...(await part
              .where("tickets.id", "in", rest)
              .limit(max - rows.length)
              .execute()),
          );
        return rows;
      }
      const w = await searchWindow(ctx, actor.workspaceId, query.q as string, { after, down, rows: size });
      if (!w) return qb.limit(max).execute();
      if (w.ids.length) {
        part = part.where("tickets.id", "in", w.ids).where("tickets.number", down ? ">=" : "<=", w.edge);
        rows.push(...(await part.limit(max - rows.length).execute()));
      }
      if (rows.length >= max || w.done) return rows;
      after = w.edge;
    }
  };
  /**
   * The same on PostgreSQL, whose planner cannot tell how many tickets a prefix matches and always
   * walks the tickets newest first, looking each up in the index: right for a common word, every
   * ticket of the workspace for a rare one (and with a window of numbers it reads every match
   * instead). So it walks windows of ticket numbers, four times longer each time, looking each
   * ticket up, and past SEARCH_WINDOWS.maxTickets takes the rest from the text index.
   */
  const byNumberWindows = async (max: number) => {
    const down = sort === "newest";
    const rows: Awaited<ReturnType<typeof qb.execute>> = [];
    const ids = matchingTicketIds(ctx, actor.workspaceId, query.q as string);
    const has = ticketHasText(actor.workspaceId, query.q as string);
    if (!ids || !has) return qb.limit(max).execute();
    const top = await ticketsVisibleTo(ctx.database.db, actor)
      .select((eb) => eb.fn.max("tickets.number").as("n"))
      .executeTakeFirst();
    const highest = Number(top?.n ?? 0);
    let edge = query.cursor ? (decodeCursor(query.cursor, sort).n as number) : down ? highest + 1 : 0;
    for (let size = SEARCH_WINDOWS.firstTickets * max; ; size *= 4) {
      const part = qb.where("tickets.number", down ? "<" : ">", edge);
      if (size > SEARCH_WINDOWS.maxTickets) {
        const rest = part.where(sql<boolean>`tickets.id = any(array${ids})`);
        rows.push(...(await rest.limit(max - rows.length).execute()));
        return rows;
      }
      // Within the numbers there are: a cursor near the column's limit must not overflow it.
      const next = down ? Math.max(edge - size, 0) : Math.min(edge + size, highest);
      const window = part.where(has as never).where("tickets.number", down ? ">=" : "<=", next);
      rows.push(...(await window.limit(max - rows.length).execute()));
      if (rows.length >= max || (down ? next <= 1 : next >= highest)) return rows;
      edge = next;
    }
  };
  const rows =
    sort === "due"
      ? await byNextDue(dueCursor, limit + 1)
      : windowed
        ? ctx.database.dialect === "postgres"
          ? await byNumberWindows(limit + 1)
          : await byWindows(limit + 1)
        : await qb.limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor(
          sort === "updated"
            ? { s: sort, u: last.updated_at, i: last.id }
            : sort === "sentiment"
              ? { s: sort, n: last.number, v: Number(last.sentiment) }
              : sort === "due"
                ? { s: sort, n: last.number, d: last.next_due_at ?? null }
                : { s: sort, n: last.number },
        )
      : null;
  const unread = await unreadTicketIds(
    ctx.database.db,
    actor,
    page.map((r) => ({ id: r.id, lastCustomerMessageAt: r.last_customer_message_at ?? null })),
  );
  return {
    items: page.map((r) => ({
      reference: formatReference(r.number),
      subject: r.subject,
      type: r.type,
      status: r.status as TicketStatus,
      priority: r.priority as TicketPriority,
      channel: r.channel,
      contact: { id: r.contact_id, name: r.contact_name, email: r.contact_email },
      assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name ?? "" } : null,
      company: r.company_id ? { id: r.company_id, name: r.company_name ?? "" } : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      sentiment: sentimentOf(r),
      unread: unread.has(r.id),
      waitingForUs: r.last_message_by === "contact" && r.status !== "waiting",
      nextDueAt: r.next_due_at ?? null,
    })),
    nextCursor,
  };
}
