import { formatReference } from "../../shared/tickets.ts";
import type { Actor } from "../actors.ts";
import { contactsVisibleTo } from "../contacts/contact.access.ts";
import type { SentimentTrend } from "../db/schema.sentiment.ts";
import type { Tx } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { trendOf } from "../sentiment/sentiment.ts";
import { surveysVisibleTo } from "../surveys/survey.access.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import type { CustomerHealth } from "./handover.schemas.ts";

// A customer's health, computed from what Portico already holds: their open tickets, how many
// they have had, their latest CSAT and NPS answers, and how their messages read (sentiment/).
// Shown to agents with a bot handover's note and answer, and on its own for any contact.

const OPEN_STATUSES = ["open", "in_progress", "waiting"];
const NEWEST_OPEN = 5;
const SENTIMENT_TICKETS = 5;

const round2 = (n: number) => Math.round(n * 100) / 100;

async function lastAnswer(db: Tx, actor: Actor, contactId: string, kind: "csat" | "nps") {
  const row = await surveysVisibleTo(db, actor)
    .select(["surveys.score", "surveys.answered_at"])
    .where("surveys.contact_id", "=", contactId)
    .where("surveys.kind", "=", kind)
    .where("surveys.status", "=", "answered")
    .where("surveys.score", "is not", null)
    .where("surveys.answered_at", "is not", null)
    .orderBy("surveys.answered_at", "desc")
    .orderBy("surveys.id", "desc")
    .executeTakeFirst();
  return row?.score != null && row.answered_at
    ? { score: Number(row.score), at: new Date(row.answered_at).toISOString() }
    : null;
}

/** The newest ticket's own trend when the customer wrote there twice; else it against the two before. */
function sentimentOf(rows: { sentiment: number; sentiment_trend: SentimentTrend | null }[]) {
  const scores = rows.map((r) => Number(r.sentiment));
  const [latest, ...earlier] = scores;
  if (latest === undefined) return { latest: null, average: null, trend: null };
  const own = rows[0]?.sentiment_trend ?? null;
  return {
    latest: round2(latest),
    average: round2(scores.reduce((a, b) => a + b, 0) / scores.length),
    trend: own ?? trendOf(latest, earlier.slice(0, 2)),
  };
}

/**
 * The health of one contact the actor may see (404 otherwise, like a contact that does not exist).
 * Pass a transaction to count what it has just written (a handover's own ticket).
 */
export async function customerHealth(db: Tx, actor: Actor, contactId: string): Promise<CustomerHealth> {
  const contact = await contactsVisibleTo(db, actor)
    .select("contacts.id")
    .where("contacts.id", "=", contactId)
    .executeTakeFirst();
  if (!contact) throw notFound("No such contact.");
  const theirs = () => ticketsVisibleTo(db, actor).where("tickets.contact_id", "=", contactId);
  // One after another: inside a transaction the queries share its one connection.
  const counts = await theirs()
    .select((eb) => [
      eb.fn.countAll().as("total"),
      eb.fn.sum(eb.case().when("tickets.status", "in", OPEN_STATUSES).then(1).else(0).end()).as("open"),
    ])
    .executeTakeFirst();
  const open = await theirs()
    .select("tickets.number")
    .where("tickets.status", "in", OPEN_STATUSES)
    .orderBy("tickets.number", "desc")
    .limit(NEWEST_OPEN)
    .execute();
  const recent = await theirs()
    .select(["tickets.sentiment", "tickets.sentiment_trend"])
    .orderBy("tickets.number", "desc")
    .limit(SENTIMENT_TICKETS)
    .execute();
  const lastCsat = await lastAnswer(db, actor, contactId, "csat");
  const lastNps = await lastAnswer(db, actor, contactId, "nps");
  return {
    openTickets: { count: Number(counts?.open ?? 0), newest: open.map((t) => formatReference(t.number)) },
    totalTickets: Number(counts?.total ?? 0),
    lastCsat,
    lastNps,
    sentiment: sentimentOf(recent),
  };
}
