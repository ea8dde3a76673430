import { randomBytes } from "node:crypto";
import { type Insertable, sql } from "kysely";
import { hashToken } from "../../src/server/auth/tokens.ts";
import type { Db, TicketEventTable, TicketTable } from "../../src/server/db/schema.ts";
import type {
  CompanyEventTable,
  DocumentTable,
  DocumentVersionTable,
  FormResponseTable,
  TaskTable,
} from "../../src/server/db/schema.work.ts";
import { newId } from "../../src/server/ids.ts";
import { TICKET_TYPES } from "../../src/shared/tickets.ts";
import { pick, prng, weighted } from "./corpus.ts";
import { insertSearchRowsSqlite, type SearchRow } from "./search-rows.ts";
import { PROBLEMS, PRODUCTS, SEARCH_TERM, SENTENCES } from "./words.ts";

// "The busy company": one company of the bench workspace with everything the portal home's five
// sections read: BUSY.tickets requests of its contacts (with their events), an active plan of
// BUSY.tasks tasks (team and customer, some with a form, some overdue), a form with answers,
// BUSY.documents documents of one version each (storage keys that point nowhere: the home lists
// documents, it never reads a file), BUSY.events timeline events, and its manager signed in.

export const BUSY = { tickets: 500, tasks: 50, documents: 200, events: 100, contacts: 50 } as const;

const DAY_MS = 86400_000;
const STATUS_WEIGHTS: [TicketTable["status"], number][] = [
  ["open", 25],
  ["in_progress", 15],
  ["waiting", 10],
  ["resolved", 20],
  ["closed", 30],
];
const FOLDERS = ["Contracts", "Invoices", "Reports", "Onboarding", "Designs"];

export interface BusyCompany {
  companyId: string;
  /** Session token of the company's manager (portal access "company"). */
  manager: string;
  tickets: number;
  searchMatches: number;
}

/** Rows of one table, several INSERTs when the bound parameters would pass SQLite's limit. */
async function insertAll<R extends object>(rows: R[], insert: (chunk: R[]) => Promise<unknown>) {
  if (rows.length === 0) return;
  const perStatement = Math.floor(30_000 / Object.keys(rows[0] as object).length);
  for (let i = 0; i < rows.length; i += perStatement) await insert(rows.slice(i, i + perStatement));
}

/**
 * Seeds the busy company in one transaction. Its tickets take the numbers after `lastNumber`
 * (the workspace's sequence follows); `agentIds` are the team it assigns tasks and tickets to.
 */
export async function seedBusyCompany(
  db: Db,
  opts: { workspaceId: string; agentIds: string[]; lastNumber: number; postgres: boolean; now: Date },
): Promise<BusyCompany> {
  const { workspaceId: ws, agentIds, postgres, now } = opts;
  const rand = prng(1616);
  const iso = (ms: number) => new Date(ms).toISOString();
  const nowMs = now.getTime();
  const since = nowMs - 200 * DAY_MS;
  const companyId = newId();

  const contacts = Array.from({ length: BUSY.contacts }, (_, i) => {
    const email = `busy${i + 1}@busy.example`;
    return {
      id: newId(),
      workspace_id: ws,
      company_id: companyId,
      email,
      email_normalized: email,
      name: i === 0 ? "Morgan Manager" : `Busy Customer ${i + 1}`,
      password_hash: null,
      email_verified_at: i === 0 ? now.toISOString() : null,
      phone: null,
      last_sign_in_at: null,
      // The manager last looked at the documents 30 days ago: the newer ones count as new.
      documents_seen_at: i === 0 ? iso(nowMs - 30 * DAY_MS) : null,
      created_at: iso(since),
      updated_at: iso(since),
      portal_access: i === 0 ? ("company" as const) : ("none" as const),
    };
  });
  const manager = contacts[0] as (typeof contacts)[number];

  const tickets: Insertable<TicketTable>[] = [];
  const events: TicketEventTable[] = [];
  const search: SearchRow[] = [];
  let searchMatches = 0;
  for (let i = 0; i < BUSY.tickets; i++) {
    const id = newId();
    const contact = pick(rand, contacts);
    const created = since + (i / BUSY.tickets) * 200 * DAY_MS + rand() * DAY_MS;
    const updated = Math.min(nowMs - 60_000, created + rand() * 5 * DAY_MS);
    const status = weighted(rand, STATUS_WEIGHTS);
    const done = status === "resolved" || status === "closed";
    const subject = `The ${pick(rand, PRODUCTS)} ${pick(rand, PROBLEMS)}`;
    const description = `${pick(rand, SENTENCES)} ${pick(rand, SENTENCES)}`;
    const content = `${subject}\n${description}`;
    if (content.toLowerCase().includes(SEARCH_TERM)) searchMatches++;
    tickets.push({
      id,
      workspace_id: ws,
      number: opts.lastNumber + i + 1,
      contact_id: contact.id,
      company_id: companyId,
      subject,
      description,
      type: pick(rand, TICKET_TYPES),
      status,
      portal_status: null,
      priority: "medium",
      channel: "portal",
      assignee_id: status === "open" ? null : pick(rand, agentIds),
      email_thread_id: `<ticket-${id}@portico>`,
      resolution: done ? "Fixed on our side; please try again." : null,
      resolved_at: done ? iso(updated) : null,
      closed_at: status === "closed" ? iso(updated) : null,
      first_response_at: done ? iso(created + (updated - created) / 4) : null,
      follow_up_of_id: null,
      locale: null,
      created_at: iso(created),
      updated_at: iso(updated),
    });
    const event = (type: TicketEventTable["type"], at: number, data: object, agent: boolean) =>
      events.push({
        id: newId(),
        workspace_id: ws,
        ticket_id: id,
        actor_type: agent ? "agent" : "contact",
        actor_id: agent ? pick(rand, agentIds) : contact.id,
        type,
        data: JSON.stringify(data),
        customer_visible: true,
        created_at: iso(at),
      });
    event("created", created, { channel: "portal" }, false);
    if (status !== "open") {
      const to = done ? "resolved" : status;
      event(done ? "resolved" : "status_changed", updated, { from: "open", to }, true);
    }
    search.push({
      id: newId(),
      workspace_id: ws,
      ticket_id: id,
      body: content,
      number: opts.lastNumber + i + 1,
    });
  }

  const formId = newId();
  const planId = newId();
  const tasks: Insertable<TaskTable>[] = [];
  for (let i = 0; i < BUSY.tasks; i++) {
    const customer = i % 5 !== 1 && i % 5 !== 3;
    const done = i < 15;
    // Due dates: the first ones in the past (done or overdue), then the next days, then later.
    const dueAt = i % 7 === 6 ? null : iso(nowMs + (i - 20) * 2 * DAY_MS);
    tasks.push({
      id: newId(),
      workspace_id: ws,
      company_id: companyId,
      plan_id: planId,
      position: i + 1,
      title: `${customer ? "Send us" : "We set up"} the ${pick(rand, PRODUCTS)} (step ${i + 1})`,
      description: pick(rand, SENTENCES),
      actor: customer ? "customer" : "team",
      due_at: dueAt,
      form_id: customer && i % 4 === 0 ? formId : null,
      on_form_submit: i % 8 === 0 ? "review" : "done",
      status: done ? "done" : i < 20 ? "in_progress" : i % 9 === 0 ? "blocked" : "todo",
      assignee_agent_id: pick(rand, agentIds),
      internal_note: `Internal only: margin is thin on step ${i + 1}`,
      portal_visible: i % 10 !== 9,
      portal_status: done
        ? "complete"
        : i < 20
          ? customer
            ? "waiting_on_you"
            : "in_progress"
          : "not_started",
      portal_start: null,
      portal_complete: null,
      portal_assignee_contact_id: customer ? manager.id : null,
      completed_at: done ? iso(nowMs - (40 - i) * DAY_MS) : null,
      created_at: iso(since),
      updated_at: iso(nowMs - (50 - i) * DAY_MS),
    });
  }
  const formTasks = tasks.filter((t) => t.form_id !== null);
  const responses: Insertable<FormResponseTable>[] = formTasks.slice(0, 5).map((t, i) => ({
    id: newId(),
    workspace_id: ws,
    form_id: formId,
    form_version: 1,
    company_id: companyId,
    task_id: t.id,
    ticket_id: null,
    contact_id: manager.id,
    status: i < 3 ? "submitted" : "draft",
    answers: JSON.stringify({ legal_name: "Busy Company Ltd", vat: `GB${100000 + i}`, seats: 40 + i }),
    submitted_at: i < 3 ? iso(nowMs - (20 - i) * DAY_MS) : null,
    created_at: iso(nowMs - 25 * DAY_MS),
    updated_at: iso(nowMs - (20 - i) * DAY_MS),
  }));

  const documents: Insertable<DocumentTable>[] = [];
  const versions: DocumentVersionTable[] = [];
  for (let i = 0; i < BUSY.documents; i++) {
    const id = newId();
    const team = i % 3 !== 0;
    const at = since + (i / BUSY.documents) * 199 * DAY_MS;
    const size = 20_000 + Math.floor(rand() * 2_000_000);
    const published = !team || i % 10 !== 2;
    documents.push({
      id,
      workspace_id: ws,
      company_id: companyId,
      title: `${pick(rand, FOLDERS).slice(0, -1)} ${i + 1}: the ${pick(rand, PRODUCTS)}`,
      folder: pick(rand, FOLDERS),
      tags: JSON.stringify(i % 4 === 0 ? ["2026", "signed"] : ["2026"]),
      source: team ? "team" : "customer",
      status: published ? "published" : "draft",
      current_version: 1,
      size_bytes: size,
      created_by_type: team ? "agent" : "contact",
      created_by_id: team ? pick(rand, agentIds) : pick(rand, contacts).id,
      published_at: published ? iso(at) : null,
      deleted_at: null,
      created_at: iso(at),
      updated_at: iso(at),
    });
    versions.push({
      id: newId(),
      workspace_id: ws,
      document_id: id,
      version: 1,
      file_name: `document-${i + 1}.pdf`,
      content_type: "application/pdf",
      size_bytes: size,
      sha256: randomBytes(32).toString("hex"),
      storage_key: `bench/not-stored/${id}`,
      thumb_key: null,
      scan_status: "clean",
      uploaded_by_type: team ? "agent" : "contact",
      uploaded_by_id: documents[i]?.created_by_id ?? null,
      created_at: iso(at),
    });
  }

  const companyEvents: Insertable<CompanyEventTable>[] = [];
  const eventTypes = [
    "task_started",
    "task_completed",
    "form_submitted",
    "document_uploaded",
    "document_published",
  ];
  for (let i = 0; i < BUSY.events; i++) {
    const type = i === 0 ? "plan_applied" : (eventTypes[i % eventTypes.length] as string);
    const task = tasks[i % tasks.length] as Insertable<TaskTable>;
    const doc = documents[i % documents.length] as Insertable<DocumentTable>;
    const onDocument = type.startsWith("document_");
    companyEvents.push({
      id: newId(),
      workspace_id: ws,
      company_id: companyId,
      actor_type: type === "document_uploaded" || type === "form_submitted" ? "contact" : "agent",
      actor_id: type === "document_uploaded" || type === "form_submitted" ? manager.id : pick(rand, agentIds),
      type,
      data: JSON.stringify(
        type === "plan_applied"
          ? { plan: "Onboarding" }
          : onDocument
            ? { document: doc.title, documentId: doc.id, version: 1 }
            : {
                task: task.title,
                taskId: task.id,
                ...(type === "form_submitted" ? { form: "Company details" } : {}),
              },
      ),
      customer_visible: i % 10 !== 5,
      created_at: iso(since + (i / BUSY.events) * 199 * DAY_MS),
    });
  }

  const token = randomBytes(32).toString("base64url");
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto("companies")
      .values({
        id: companyId,
        workspace_id: ws,
        name: "The Busy Company",
        created_at: iso(since),
        updated_at: iso(since),
      })
      .execute();
    await insertAll(contacts, (c) => tx.insertInto("contacts").values(c).execute());
    await insertAll(tickets, (c) => tx.insertInto("tickets").values(c).execute());
    await insertAll(events, (c) => tx.insertInto("ticket_events").values(c).execute());
    if (postgres) {
      await insertAll(search, (c) =>
        sql`insert into ticket_search (id, workspace_id, ticket_id, document) values ${sql.join(
          c.map((r) => sql`(${r.id}, ${r.workspace_id}, ${r.ticket_id}, to_tsvector('simple', ${r.body}))`),
        )}`.execute(tx),
      );
    } else {
      await insertAll(search, (c) => insertSearchRowsSqlite(tx, c));
    }
    await tx
      .updateTable("ticket_sequences")
      .set({ last_number: opts.lastNumber + BUSY.tickets })
      .where("workspace_id", "=", ws)
      .execute();
    await tx
      .insertInto("forms")
      .values({
        id: formId,
        workspace_id: ws,
        name: "Company details",
        request_type: null,
        archived_at: null,
        created_at: iso(since),
        updated_at: iso(since),
      })
      .execute();
    await tx
      .insertInto("form_versions")
      .values({
        form_id: formId,
        version: 1,
        workspace_id: ws,
        fields: JSON.stringify([
          { key: "legal_name", label: "Legal name", type: "text", required: true },
          { key: "vat", label: "VAT number", type: "text", required: false },
          { key: "seats", label: "Seats", type: "number", required: true },
        ]),
        created_by_agent_id: agentIds[0] ?? null,
        created_at: iso(since),
      })
      .execute();
    await tx
      .insertInto("plans")
      .values({
        id: planId,
        workspace_id: ws,
        company_id: companyId,
        template_id: null,
        name: "Onboarding",
        status: "active",
        created_by_agent_id: agentIds[0] ?? null,
        created_at: iso(since),
        updated_at: iso(nowMs - DAY_MS),
        completed_at: null,
      })
      .execute();
    await insertAll(tasks, (c) => tx.insertInto("tasks").values(c).execute());
    await insertAll(responses, (c) => tx.insertInto("form_responses").values(c).execute());
    await insertAll(documents, (c) => tx.insertInto("documents").values(c).execute());
    await insertAll(versions, (c) => tx.insertInto("document_versions").values(c).execute());
    await insertAll(companyEvents, (c) => tx.insertInto("company_events").values(c).execute());
    // Signed in as the sign-in writes it.
    await tx
      .insertInto("customer_sessions")
      .values({
        token_hash: hashToken(token),
        workspace_id: ws,
        contact_id: manager.id,
        created_at: now.toISOString(),
        expires_at: iso(nowMs + 7 * DAY_MS),
        last_seen_at: now.toISOString(),
      })
      .execute();
  });
  return { companyId, manager: token, tickets: BUSY.tickets, searchMatches };
}
