import { systemActor, systemActorIn } from "../actors.ts";
import { addAgent } from "../agents/agent.service.ts";
import { createCustomerSession } from "../auth/customer-session.service.ts";
import type { PortalAccess } from "../db/schema.ts";
import { pruneInboundRaw, storeInbound } from "../email/inbound.store.ts";
import { cookieName } from "../http/shared/cookies.ts";
import { newId } from "../ids.ts";
import type { Workspace } from "../workspaces/workspace.branding.ts";
import { createWorkspace } from "../workspaces/workspace.service.ts";
import type { TestEnv } from "./harness.ts";

export const PASSWORD = "correct horse battery staple";

let seq = 0;
const unique = () => `${process.pid.toString(36)}${(++seq).toString(36)}`;

export async function makeWorkspace(t: TestEnv, slug = `ws-${unique()}`) {
  return createWorkspace(t.ctx, systemActor("test"), { slug, name: `Workspace ${slug}` });
}

export async function makeAgent(
  t: TestEnv,
  workspaceId: string,
  opts: { role?: "admin" | "agent"; email?: string; name?: string } = {},
) {
  const email = opts.email ?? `agent-${unique()}@example.test`;
  return addAgent(
    t.ctx,
    { ...systemActor("test"), workspaceId },
    { email, name: opts.name ?? `Agent ${email}`, role: opts.role ?? "agent", password: PASSWORD },
  );
}

export interface SignedInAgent {
  id: string;
  email: string;
  cookie: string;
  csrf: string;
  /** Headers for a cookie-authenticated write. */
  headers: Record<string, string>;
}

export async function signIn(
  t: TestEnv,
  workspace: string,
  email: string,
  password = PASSWORD,
): Promise<SignedInAgent> {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/auth/sign-in",
    payload: { workspace, email, password },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const name = cookieName(t.ctx.config, "portico_session");
  const cookie = res.cookies.find((c) => c.name === name);
  if (!cookie) throw new Error("no session cookie");
  const body = res.json() as { csrfToken: string; agent: { id: string } };
  const cookieHeader = `${name}=${cookie.value}`;
  return {
    id: body.agent.id,
    email,
    cookie: cookieHeader,
    csrf: body.csrfToken,
    headers: { cookie: cookieHeader, "x-csrf-token": body.csrfToken },
  };
}

/** A workspace with a signed-in admin and agent. */
export async function makeTeam(t: TestEnv) {
  const ws = await makeWorkspace(t);
  const adminRow = await makeAgent(t, ws.id, { role: "admin", name: "Ada Admin" });
  const agentRow = await makeAgent(t, ws.id, { role: "agent", name: "Sam Agent" });
  return {
    ws,
    admin: await signIn(t, ws.slug, adminRow.email),
    agent: await signIn(t, ws.slug, agentRow.email),
  };
}

export interface Submitted {
  reference: string;
  trackingUrl: string;
  token: string;
}

export async function submitTicket(
  t: TestEnv,
  slug: string,
  body: Partial<{ name: string; email: string; subject: string; description: string; type: string }> = {},
  headers: Record<string, string> = {},
): Promise<Submitted> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/public/portals/${slug}/tickets`,
    headers,
    payload: {
      name: "Casey Customer",
      email: "casey@customer.test",
      subject: "The printer is on fire",
      ...body,
    },
  });
  if (res.statusCode !== 201) throw new Error(`submit failed: ${res.statusCode} ${res.body}`);
  const r = res.json() as { reference: string; trackingUrl: string };
  return { ...r, token: new URL(r.trackingUrl, "http://x").searchParams.get("t") as string };
}

export const trackUrl = (slug: string, s: Submitted, token = s.token) =>
  `/api/public/portals/${slug}/tickets/${s.reference}?t=${encodeURIComponent(token)}`;

export interface SignedInCustomer {
  contactId: string;
  companyId: string | null;
  name: string;
  email: string;
  token: string;
  cookie: string;
  csrf: string;
  /** Headers for a cookie-authenticated write. */
  headers: Record<string, string>;
}

/** A contact with portal access (optionally of a company) and a customer session for them. */
export async function makeCustomer(
  t: TestEnv,
  workspaceId: string,
  opts: { access?: PortalAccess; company?: string; companyId?: string; name?: string; email?: string } = {},
): Promise<SignedInCustomer> {
  const now = t.ctx.now().toISOString();
  const db = t.ctx.database.db;
  let companyId: string | null = opts.companyId ?? null;
  if (opts.company) {
    companyId = newId();
    await db
      .insertInto("companies")
      .values({
        id: companyId,
        workspace_id: workspaceId,
        name: opts.company,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const email = opts.email ?? `customer-${unique()}@customer.test`;
  const name = opts.name ?? `Customer ${email}`;
  const contactId = newId();
  await db
    .insertInto("contacts")
    .values({
      id: contactId,
      workspace_id: workspaceId,
      company_id: companyId,
      email,
      email_normalized: email,
      name,
      portal_access: opts.access ?? "own",
      created_at: now,
      updated_at: now,
    })
    .execute();
  const s = await createCustomerSession(t.ctx, { workspaceId, contactId });
  const cookie = `${cookieName(t.ctx.config, "portico_customer")}=${s.token}`;
  return {
    contactId,
    companyId,
    name,
    email,
    token: s.token,
    cookie,
    csrf: s.csrfToken,
    headers: { cookie, "x-csrf-token": s.csrfToken },
  };
}

/**
 * What a browser holds after opening a form shown before any session (sign-in, setup, an
 * invitation): the pre-session cookie, and the `_csrf` field the page carries with it.
 */
export async function openPreSessionForm(
  t: TestEnv,
  url: string,
): Promise<{ cookie: string; csrf: string; headers: Record<string, string> }> {
  const res = await t.app.inject({ url });
  const name = cookieName(t.ctx.config, "portico_form");
  const cookie = res.cookies.find((c) => c.name === name);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!cookie || !csrf) throw new Error(`no pre-session token on ${url}: ${res.statusCode}`);
  const header = `${name}=${cookie.value}`;
  return {
    cookie: header,
    csrf,
    headers: { cookie: header, "content-type": "application/x-www-form-urlencoded" },
  };
}

/**
 * An incoming message stored, processed, then pruned as the daily retention job does: its row
 * keeps the storage key and is marked, its file is gone. Answers the storage key.
 */
export async function prunedInbound(t: TestEnv, ws: Workspace): Promise<string> {
  const raw = Buffer.from(`Message-ID: <pruned-${newId()}@mail.test>\r\nSubject: Old\r\n\r\nHello\r\n`);
  const { id } = await storeInbound(t.ctx, ws, raw, {
    via: "smtp",
    envelopeFrom: "x@mail.test",
    recipients: [],
  });
  const db = t.ctx.database.db;
  await db
    .updateTable("inbound_emails")
    .set({ status: "processed", processed_at: t.ctx.now().toISOString() })
    .where("id", "=", id)
    .execute();
  const later = new Date(t.ctx.now().getTime() + 1000).toISOString();
  const pruned = await pruneInboundRaw(t.ctx, systemActorIn("retention", ws.id), {
    before: later,
    limit: 10,
  });
  if (pruned !== 1) throw new Error(`pruned ${pruned} messages, not the one stored`);
  const row = await db
    .selectFrom("inbound_emails")
    .select(["storage_key", "raw_deleted_at"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const still = await t.ctx.files.store.get(row.storage_key);
  still?.destroy();
  if (!row.raw_deleted_at || still)
    throw new Error("the pruned message is not marked, or its file is still stored");
  return row.storage_key;
}
