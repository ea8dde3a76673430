import type { PortalAccess } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { makeCustomer, makeTeam, type SignedInCustomer, submitTicket } from "./factories.ts";
import type { TestEnv } from "./harness.ts";

// The signed-in portal's tests share one small world: two companies and a contact without one
// in workspace A, a company in workspace B, requests of each, and on A's requests an agent's
// public reply beside an internal note, internal events and a file on that note, each carrying
// a marker that must never reach a customer.

export const NOTE_MARKER = "SECRET-NOTE-PORTAL-91x";
export const NOTE_FILE = "SECRET-FILE-PORTAL-42.txt";
export const BETA_MARKER = "BETA-ONLY-MARKER-55";
export const B_MARKER = "OTHER-WORKSPACE-MARKER-31";

export interface PortalCustomer extends SignedInCustomer {
  get: (url: string) => Promise<Awaited<ReturnType<TestEnv["app"]["inject"]>>>;
}

export async function makeCompany(t: TestEnv, workspaceId: string, name: string): Promise<string> {
  const id = newId();
  const now = t.ctx.now().toISOString();
  await t.ctx.database.db
    .insertInto("companies")
    .values({ id, workspace_id: workspaceId, name, created_at: now, updated_at: now })
    .execute();
  return id;
}

/** A signed-in contact of a company (or of none), with its portal access. */
export async function customerIn(
  t: TestEnv,
  workspaceId: string,
  companyId: string | null,
  access: PortalAccess,
  name: string,
): Promise<PortalCustomer> {
  const c = await makeCustomer(t, workspaceId, { access, name });
  if (companyId) await moveContact(t, c.contactId, companyId);
  return {
    ...c,
    companyId,
    get: (url: string) => t.app.inject({ url, headers: { cookie: c.cookie } }),
  };
}

export async function moveContact(t: TestEnv, contactId: string, companyId: string | null) {
  await t.ctx.database.db
    .updateTable("contacts")
    .set({ company_id: companyId })
    .where("id", "=", contactId)
    .execute();
}

export async function setAccess(t: TestEnv, contactId: string, access: PortalAccess) {
  await t.ctx.database.db
    .updateTable("contacts")
    .set({ portal_access: access })
    .where("id", "=", contactId)
    .execute();
}

export async function openRequest(
  t: TestEnv,
  slug: string,
  c: { email: string; name: string },
  subject: string,
) {
  return (await submitTicket(t, slug, { email: c.email, name: c.name, subject })).reference;
}

export async function makeWorld(t: TestEnv) {
  const a = await makeTeam(t);
  const b = await makeTeam(t);
  const acme = await makeCompany(t, a.ws.id, "Acme");
  const beta = await makeCompany(t, a.ws.id, "Beta");
  const manager = await customerIn(t, a.ws.id, acme, "company", "Mia Manager");
  const own = await customerIn(t, a.ws.id, acme, "own", "Otto Own");
  const colleague = await customerIn(t, a.ws.id, acme, "own", "Cleo Colleague");
  const betaManager = await customerIn(t, a.ws.id, beta, "company", "Ben Beta");
  const betaOwn = await customerIn(t, a.ws.id, beta, "own", "Bea Beta");
  const solo = await customerIn(t, a.ws.id, null, "own", "Sol Solo");
  const bCorp = await makeCompany(t, b.ws.id, "Bcorp");
  const other = await customerIn(t, b.ws.id, bCorp, "company", "Xena Other");

  const tickets = {
    own: await openRequest(t, a.ws.slug, own, "Otto's printer"),
    manager: await openRequest(t, a.ws.slug, manager, "Mia's invoice"),
    colleague: await openRequest(t, a.ws.slug, colleague, "Cleo's laptop"),
    beta: await openRequest(t, a.ws.slug, betaOwn, `${BETA_MARKER} Beta's server`),
    solo: await openRequest(t, a.ws.slug, solo, "Sol's question"),
  };
  // Workspace B numbers from TKT-0001 too, and has more requests than A.
  const bTickets: string[] = [];
  for (let i = 0; i < 7; i++) {
    bTickets.push(await openRequest(t, b.ws.slug, other, `${B_MARKER} request ${i}`));
  }

  const agentWrite = (method: "POST" | "PATCH", url: string, payload: object) =>
    t.app.inject({ method, url: `/api/workspace${url}`, headers: a.agent.headers, payload });
  const notes: Record<string, string> = {};
  for (const ref of [tickets.own, tickets.beta]) {
    await agentWrite("POST", `/tickets/${ref}/replies`, { body: `We are looking into ${ref}.` });
    const note = await agentWrite("POST", `/tickets/${ref}/notes`, { body: `${NOTE_MARKER} about ${ref}` });
    notes[ref] = (note.json() as { entry: { id: string } }).entry.id;
    await agentWrite("PATCH", `/tickets/${ref}`, { priority: "urgent", assigneeId: a.agent.id });
  }
  // A file on the internal note of Otto's request.
  const ticketOwn = await t.ctx.database.db
    .selectFrom("tickets")
    .select("id")
    .where("workspace_id", "=", a.ws.id)
    .where("number", "=", Number(tickets.own.slice(4)))
    .executeTakeFirstOrThrow();
  const noteFileId = newId();
  await t.ctx.database.db
    .insertInto("attachments")
    .values({
      id: noteFileId,
      workspace_id: a.ws.id,
      ticket_id: ticketOwn.id,
      comment_id: notes[tickets.own] as string,
      file_name: NOTE_FILE,
      content_type: "text/plain",
      size_bytes: 5,
      sha256: "0".repeat(64),
      storage_key: `missing-${noteFileId}`,
      uploaded_by_type: "agent",
      uploaded_by_id: a.agent.id,
      created_at: t.ctx.now().toISOString(),
      claim_hash: null,
      attached_at: t.ctx.now().toISOString(),
      scan_status: null,
    })
    .execute();

  return {
    a,
    b,
    acme,
    beta,
    bCorp,
    manager,
    own,
    colleague,
    betaManager,
    betaOwn,
    solo,
    other,
    tickets,
    bTickets,
    noteFileId,
    ticketOwnId: ticketOwn.id,
  };
}
export type World = Awaited<ReturnType<typeof makeWorld>>;
