import { randomBytes } from "node:crypto";
import type { Insertable } from "kysely";
import { sql } from "kysely";
import { systemActor } from "../../src/server/actors.ts";
import { hashToken } from "../../src/server/auth/tokens.ts";
import { loadConfig } from "../../src/server/config.ts";
import type {
  AgentTable,
  ContactTable,
  Db,
  TicketEventTable,
  TicketTable,
  TrackingTokenTable,
} from "../../src/server/db/schema.ts";
import { newId } from "../../src/server/ids.ts";
import { closeContext, createContext } from "../../src/server/main.ts";
import { updateSurveySettings } from "../../src/server/surveys/survey-settings.service.ts";
import { createWorkspaceWithAdmin } from "../../src/server/workspaces/workspace.service.ts";
import { formatReference, TICKET_TYPES } from "../../src/shared/tickets.ts";
import { pick, prng, weighted } from "./corpus.ts";
import { fmtInt } from "./format.ts";
import { insertSearchRowsSqlite, type SearchRow } from "./search-rows.ts";
import { BUSY, type BusyCompany, seedBusyCompany } from "./seed-work.ts";
import { PROBLEMS, PRODUCTS, SEARCH_TERM, SENTENCES } from "./words.ts";

/** A seeded contact: every column but those the database fills in (portal access). */
type ContactRow = Omit<ContactTable, "portal_access">;

// Seeding: a workspace, its admin and agents, contacts and BENCH_TICKETS tickets written through
// Kysely in batches, each batch one transaction. Every ticket gets what submitPortalTicket writes:
// the ticket, its "created" event, its search row and a tracking token; then the sequence.

export const SLUG = "bench";
export const ADMIN_EMAIL = "admin@bench.test";
export const ADMIN_PASSWORD = "bench-password-0123";
/** Companies seeded (BENCH_COMPANIES, default 10,000); contacts are spread over them in turn. */
const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 10_000);

const STATUS_WEIGHTS: [TicketTable["status"], number][] = [
  ["open", 25],
  ["in_progress", 15],
  ["waiting", 10],
  ["resolved", 20],
  ["closed", 30],
];
const PRIORITY_WEIGHTS: [TicketTable["priority"], number][] = [
  ["low", 20],
  ["medium", 50],
  ["high", 20],
  ["urgent", 10],
];

/** How many different tickets the "many tickets" tracking row cycles through. */
const RECENT_TRACKED = 5_000;
const BATCH = 5_000;
const PROGRESS_EVERY = 10_000;
const DAY_MS = 86400_000;

/** INSERTs of as many rows as stay under both databases' bound-parameter limits (SQLite: 32,766). */
export async function insertChunked<R extends object>(
  rows: R[],
  insert: (chunk: R[]) => Promise<unknown>,
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.floor(30_000 / Object.keys(rows[0] as object).length);
  for (let i = 0; i < rows.length; i += perStatement) await insert(rows.slice(i, i + perStatement));
}

export interface SeedOutcome {
  workspaceId: string;
  tickets: number;
  contacts: number;
  searchMatches: number;
  statusOpen: number;
  seconds: number;
  ticketsPerSecond: number;
  databaseVersion: string;
  /** Tracking links of the newest tickets whose tokens have not expired (at most RECENT_TRACKED). */
  recent: { reference: string; token: string }[];
  companies: number;
  /** Session tokens of two signed-in customers of the same company: its manager, and one who sees their own requests. */
  customers: { manager: string; own: string };
  /** The company whose portal home has all five sections full (seed-work.ts). */
  busy: BusyCompany;
}

/** What every batch of tickets draws from and adds to. */
interface Seeding {
  db: Db;
  postgres: boolean;
  workspaceId: string;
  count: number;
  rand: () => number;
  seedNow: Date;
  /** The seeded year's first millisecond; ticket n is created in the n-th step of the year. */
  origin: number;
  step: number;
  assignees: string[];
  contactIds: string[];
  contactRows: ContactRow[];
  searchMatches: number;
  statusOpen: number;
  recent: { reference: string; token: string }[];
}

export async function setupAndSeed(env: Record<string, string>, count: number): Promise<SeedOutcome> {
  const ctx = await createContext(loadConfig(env));
  try {
    const { workspace: ws, admin } = await createWorkspaceWithAdmin(ctx, systemActor("cli"), {
      slug: SLUG,
      name: "Bench Support",
      admin: { email: ADMIN_EMAIL, name: "Ada Admin", role: "admin", password: ADMIN_PASSWORD },
    });
    // No NPS sweep: with NPS on (the default) a server started after 10:00 UTC would ask
    // thousands of the seeded customers at once, and send those emails while it is measured.
    await updateSurveySettings(
      ctx,
      { kind: "agent", workspaceId: ws.id, agentId: admin.id, role: "admin" },
      { npsEnabled: false },
    );
    const db: Db = ctx.database.db;
    const postgres = ctx.database.dialect === "postgres";
    const databaseVersion = postgres
      ? (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]?.v
      : (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]?.v;

    // Four more agents, so the queue's assignee join finds someone; the admin's hash is reused
    // rather than paying for four more scrypt hashes.
    const adminRow = await db
      .selectFrom("agents")
      .select("password_hash")
      .where("id", "=", admin.id)
      .executeTakeFirstOrThrow();
    const started = performance.now();
    const seedNow = new Date();
    const agents: Insertable<AgentTable>[] = [1, 2, 3, 4].map((i) => ({
      id: newId(),
      workspace_id: ws.id,
      email: `agent${i}@bench.test`,
      email_normalized: `agent${i}@bench.test`,
      name: `Agent ${i}`,
      role: "agent",
      password_hash: adminRow.password_hash,
      active: true,
      last_login_at: null,
      created_at: seedNow.toISOString(),
      updated_at: seedNow.toISOString(),
    }));
    await db.insertInto("agents").values(agents).execute();

    const yearMs = 365 * DAY_MS;
    const origin = seedNow.getTime() - yearMs;
    const companyIds = await seedCompanies(db, ws.id, Math.min(COMPANIES, Math.ceil(count / 10)), origin);
    const contactRows = await seedContacts(db, ws.id, count, origin, companyIds);
    const s: Seeding = {
      db,
      postgres,
      workspaceId: ws.id,
      count,
      rand: prng(42),
      seedNow,
      origin,
      step: yearMs / count,
      assignees: [admin.id, ...agents.map((a) => a.id)],
      contactIds: contactRows.map((c) => c.id),
      contactRows,
      searchMatches: 0,
      statusOpen: 0,
      recent: [],
    };
    for (let from = 1; from <= count; from += BATCH) {
      const to = Math.min(count, from + BATCH - 1);
      await seedBatch(s, from, to);
      const crossed = Math.floor(to / PROGRESS_EVERY) > Math.floor((from - 1) / PROGRESS_EVERY);
      if (crossed || to === count) {
        const sec = (performance.now() - started) / 1000;
        console.log(
          `  seeded ${fmtInt(to).padStart(fmtInt(count).length)} / ${fmtInt(count)} tickets  (${sec.toFixed(1)} s, ${fmtInt(to / sec)}/s)`,
        );
      }
    }
    const busy = await seedBusyCompany(db, {
      workspaceId: ws.id,
      agentIds: s.assignees,
      lastNumber: count,
      postgres,
      now: seedNow,
    });
    s.searchMatches += busy.searchMatches;
    console.log(
      `  the busy company: ${fmtInt(busy.tickets)} tickets, a plan of ${BUSY.tasks} tasks, ${BUSY.documents} documents, ${BUSY.events} timeline events`,
    );
    const seconds = (performance.now() - started) / 1000;
    if (postgres) {
      // A bulk load leaves no statistics; autovacuum would gather them in the middle of the
      // measurements. Gather them now, as a database that grew over months would have them.
      const t = performance.now();
      await sql`vacuum analyze`.execute(db);
      console.log(`  vacuum analyze: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const customers = await seedCustomerSessions(db, ws.id, contactRows, seedNow);
    return {
      workspaceId: ws.id,
      companies: companyIds.length,
      customers,
      busy,
      tickets: count + busy.tickets,
      contacts: contactRows.length,
      searchMatches: s.searchMatches,
      statusOpen: s.statusOpen,
      seconds,
      ticketsPerSecond: count / seconds,
      databaseVersion: databaseVersion ?? "?",
      recent: s.recent,
    };
  } finally {
    await closeContext(ctx);
  }
}

/** Companies named in turn; each gets the contacts whose index falls on it. */
async function seedCompanies(db: Db, workspaceId: string, count: number, origin: number): Promise<string[]> {
  const at = new Date(origin).toISOString();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId(),
    workspace_id: workspaceId,
    name: `Company ${i + 1}`,
    created_at: at,
    updated_at: at,
  }));
  await db.transaction().execute(async (tx) => {
    await insertChunked(rows, (c) => tx.insertInto("companies").values(c).execute());
  });
  console.log(`  ${fmtInt(count)} companies`);
  return rows.map((r) => r.id);
}

/**
 * Two contacts of the first company signed in to the portal (sessions written as the sign-in
 * writes them): its manager, who sees the company's requests, and a colleague who sees their own.
 */
async function seedCustomerSessions(
  db: Db,
  workspaceId: string,
  contactRows: ContactRow[],
  now: Date,
): Promise<{ manager: string; own: string }> {
  const first = contactRows[0]?.company_id;
  const [manager, own] = contactRows.filter((c) => c.company_id !== null && c.company_id === first);
  if (!manager || !own) throw new Error("the first company has fewer than two contacts");
  const tokens = {
    manager: randomBytes(32).toString("base64url"),
    own: randomBytes(32).toString("base64url"),
  };
  await db.transaction().execute(async (tx) => {
    for (const [contact, access, token] of [
      [manager, "company", tokens.manager],
      [own, "own", tokens.own],
    ] as const) {
      await tx
        .updateTable("contacts")
        .set({ portal_access: access, email_verified_at: now.toISOString() })
        .where("id", "=", contact.id)
        .execute();
      await tx
        .insertInto("customer_sessions")
        .values({
          token_hash: hashToken(token),
          workspace_id: workspaceId,
          contact_id: contact.id,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + 7 * DAY_MS).toISOString(),
          last_seen_at: now.toISOString(),
        })
        .execute();
    }
  });
  return tokens;
}

/** Contacts: one for every five tickets, so most customers have several; spread over the companies. */
async function seedContacts(
  db: Db,
  workspaceId: string,
  count: number,
  origin: number,
  companyIds: string[],
): Promise<ContactRow[]> {
  const contactCount = Math.max(1, Math.ceil(count / 5));
  const contactRows: ContactRow[] = [];
  for (let i = 1; i <= contactCount; i++) {
    const email = `customer${i}@example${i % 97}.test`;
    contactRows.push({
      id: newId(),
      workspace_id: workspaceId,
      company_id: companyIds.length ? (companyIds[(i - 1) % companyIds.length] as string) : null,
      email,
      email_normalized: email,
      name: `Customer ${i}`,
      password_hash: null,
      email_verified_at: null,
      phone: null,
      last_sign_in_at: null,
      documents_seen_at: null,
      surveys_unsubscribed_at: null,
      erased_at: null,
      locale: null,
      time_zone: null,
      created_at: new Date(origin).toISOString(),
      updated_at: new Date(origin).toISOString(),
    });
  }
  for (let i = 0; i < contactRows.length; i += 10_000) {
    const batch = contactRows.slice(i, i + 10_000);
    await db.transaction().execute(async (tx) => {
      await insertChunked(batch, (c) => tx.insertInto("contacts").values(c).execute());
    });
  }
  console.log(`  ${fmtInt(contactCount)} contacts`);
  return contactRows;
}

/** Tickets from..to (their numbers) with their events, tokens and search rows, in one transaction. */
async function seedBatch(s: Seeding, from: number, to: number): Promise<void> {
  const { rand, workspaceId } = s;
  const tickets: Insertable<TicketTable>[] = [];
  const events: TicketEventTable[] = [];
  const tokens: TrackingTokenTable[] = [];
  const search: SearchRow[] = [];
  for (let n = from; n <= to; n++) {
    const id = newId();
    const contactIndex = Math.floor(rand() * s.contactIds.length);
    const contactId = s.contactIds[contactIndex] as string;
    const created = s.origin + (n - 1) * s.step + rand() * s.step;
    const updated = Math.min(s.seedNow.getTime(), created + rand() * 5 * DAY_MS);
    const product = pick(rand, PRODUCTS);
    const subject = `The ${product} ${pick(rand, PROBLEMS)}`;
    const description = `${pick(rand, SENTENCES)} Also our ${pick(rand, PRODUCTS)} ${pick(rand, PROBLEMS)}. ${pick(rand, SENTENCES)}`;
    const status = weighted(rand, STATUS_WEIGHTS);
    if (status === "open") s.statusOpen++;
    const done = status === "resolved" || status === "closed";
    const createdIso = new Date(created).toISOString();
    const updatedIso = new Date(updated).toISOString();
    const content = `${subject}\n${description}`;
    if (content.toLowerCase().includes(SEARCH_TERM)) s.searchMatches++;
    tickets.push({
      id,
      workspace_id: workspaceId,
      number: n,
      contact_id: contactId,
      company_id: (s.contactRows[contactIndex] as ContactRow).company_id,
      subject,
      description,
      type: pick(rand, TICKET_TYPES),
      status,
      portal_status: null,
      priority: weighted(rand, PRIORITY_WEIGHTS),
      channel: "portal",
      assignee_id: status === "open" && rand() < 0.5 ? null : pick(rand, s.assignees),
      email_thread_id: `<ticket-${id}@portico>`,
      resolution: done ? "Fixed on our side; please try again." : null,
      resolved_at: done ? updatedIso : null,
      closed_at: status === "closed" ? updatedIso : null,
      first_response_at: done ? new Date(created + (updated - created) / 4).toISOString() : null,
      follow_up_of_id: null,
      locale: null,
      created_at: createdIso,
      updated_at: updatedIso,
    });
    events.push({
      id: newId(),
      workspace_id: workspaceId,
      ticket_id: id,
      actor_type: "contact",
      actor_id: contactId,
      type: "created",
      data: JSON.stringify({ channel: "portal" }),
      customer_visible: true,
      created_at: createdIso,
    });
    const rawToken = randomBytes(32).toString("base64url");
    // The newest tickets' links stay valid for the run: kept for the "many tickets" row.
    if (created > s.seedNow.getTime() - 29 * DAY_MS) {
      s.recent.push({ reference: formatReference(n), token: rawToken });
      if (s.recent.length > RECENT_TRACKED) s.recent.shift();
    }
    tokens.push({
      token_hash: hashToken(rawToken),
      workspace_id: workspaceId,
      ticket_id: id,
      email_normalized: (s.contactRows[contactIndex] as ContactRow).email_normalized,
      created_at: createdIso,
      expires_at: new Date(created + 30 * DAY_MS).toISOString(),
    });
    search.push({ id: newId(), workspace_id: workspaceId, ticket_id: id, body: content, number: n });
  }
  await s.db.transaction().execute(async (tx) => {
    await insertChunked(tickets, (c) => tx.insertInto("tickets").values(c).execute());
    await insertChunked(events, (c) => tx.insertInto("ticket_events").values(c).execute());
    await insertChunked(tokens, (c) => tx.insertInto("tracking_tokens").values(c).execute());
    if (s.postgres) {
      await insertChunked(search, (c) =>
        sql`insert into ticket_search (id, workspace_id, ticket_id, document) values ${sql.join(
          c.map((r) => sql`(${r.id}, ${r.workspace_id}, ${r.ticket_id}, to_tsvector('simple', ${r.body}))`),
        )}`.execute(tx),
      );
    } else {
      await insertChunked(search, (c) => insertSearchRowsSqlite(tx, c));
    }
    await tx
      .updateTable("ticket_sequences")
      .set({ last_number: to })
      .where("workspace_id", "=", workspaceId)
      .execute();
  });
}
