import { sql } from "kysely";
import { DOCUMENT_MAX_BYTES, DOCUMENT_QUOTA_BYTES } from "../../shared/files.ts";
import type { AgentActor, CustomerActor, SystemActor } from "../actors.ts";
import { type AgentView, checkNewAgent, insertAgent, type NewAgent } from "../agents/agent.service.ts";
import { type AuditEntry, recordAudit } from "../audit/audit.ts";
import { fieldsRefused } from "../auth/passwords.ts";
import { type AppContext, nowIso } from "../context.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { PreparedRead, ReadCache, readOne } from "../db/prepared.ts";
import type { Tx, WorkspaceTable } from "../db/schema.ts";
import { AppError, conflict, forbidden, notFound, validationFailed } from "../errors.ts";
import { newId } from "../ids.ts";
import { DEFAULT_BUSINESS_HOURS } from "../lib/business-hours.ts";
import { sanitizeCustomCss } from "../lib/css-sanitize.ts";
import { normalizeEmail } from "../lib/email-address.ts";
import { publicHttpsUrlProblem } from "../lib/public-https-url.ts";
import { DEFAULT_RETENTION } from "../lib/retention.ts";
import { sameRow } from "../lib/same-row.ts";
import { FONT_KEYS, isFontKey } from "./brand-fonts.ts";
import { PORTAL_DEFAULTS } from "./portal-settings.ts";
import type { Workspace } from "./workspace.branding.ts";

export const SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$";
const RESERVED_SLUGS = new Set([
  "api",
  "admin",
  "app",
  "assets",
  "portal",
  "static",
  "setup",
  "www",
  "workspace",
]);

export const BRAND_NAME_MAX = 80;
const COLOR = /^#[0-9a-fA-F]{6}$/;

export function checkSlug(slug: string): string | null {
  if (!new RegExp(SLUG_PATTERN).test(slug)) {
    return "must be 1–40 lowercase letters, digits or hyphens, not starting or ending with a hyphen";
  }
  if (RESERVED_SLUGS.has(slug)) return "is reserved";
  return null;
}

function checkNewWorkspace(input: { slug: string; name: string }): Record<string, string> {
  const fields: Record<string, string> = {};
  const slugError = checkSlug(input.slug);
  if (slugError) fields.slug = slugError;
  if (!input.name.trim()) fields.name = "is required";
  return fields;
}

async function insertWorkspace(
  ctx: AppContext,
  tx: Tx,
  input: { slug: string; name: string },
): Promise<Workspace> {
  const now = nowIso(ctx);
  const ws: Workspace = {
    id: newId(),
    slug: input.slug,
    name: input.name.trim(),
    brand_name: null,
    logo_url: null,
    primary_color: null,
    support_email: null,
    portal_access: "public",
    show_assignee: false,
    document_max_bytes: DOCUMENT_MAX_BYTES,
    document_quota_bytes: DOCUMENT_QUOTA_BYTES,
    embed_origins: null,
    time_zone: "UTC",
    business_hours: DEFAULT_BUSINESS_HOURS,
    ...DEFAULT_RETENTION,
    ...PORTAL_DEFAULTS,
    assignment_mode: "manual",
    assignment_teams: "{}",
    created_at: now,
    updated_at: now,
  };
  try {
    await tx.insertInto("workspaces").values(ws).execute();
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict("slug_taken", "That workspace slug is taken.", { slug: "is taken" });
    throw err;
  }
  await tx.insertInto("ticket_sequences").values({ workspace_id: ws.id, last_number: 0 }).execute();
  return ws;
}

export async function createWorkspace(
  ctx: AppContext,
  _actor: SystemActor,
  input: { slug: string; name: string },
): Promise<Workspace> {
  const fields = checkNewWorkspace(input);
  if (Object.keys(fields).length) throw validationFailed(fields);
  return ctx.database.db.transaction().execute((tx) => insertWorkspace(ctx, tx, input));
}

/**
 * A workspace and its first admin, all or nothing: every field is checked before anything is
 * written, and both rows go in one transaction.
 */
/** Everything wrong with a new workspace and its admin, at once ("admin.email" for the admin's). */
export function newWorkspaceErrors(input: {
  slug: string;
  name: string;
  admin: NewAgent;
}): Record<string, string> {
  const fields: Record<string, string> = checkNewWorkspace(input);
  for (const [k, v] of Object.entries(checkNewAgent(input.admin) ?? {})) fields[`admin.${k}`] = v;
  return fields;
}

export async function createWorkspaceWithAdmin(
  ctx: AppContext,
  _actor: SystemActor,
  input: { slug: string; name: string; admin: NewAgent },
  opts: { onlyIfFirst?: boolean } = {},
): Promise<{ workspace: Workspace; admin: AgentView }> {
  const fields = newWorkspaceErrors(input);
  if (Object.keys(fields).length) throw fieldsRefused(fields);
  return ctx.database.db.transaction().execute(async (tx) => {
    if (opts.onlyIfFirst) {
      // First-run setup: two browsers racing must not both create a workspace. SQLite's
      // transactions already take the write lock at BEGIN; PostgreSQL needs the table lock.
      if (ctx.database.dialect === "postgres") {
        await sql`lock table workspaces in share row exclusive mode`.execute(tx);
      }
      const row = await tx
        .selectFrom("workspaces")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      if (Number(row.n) > 0) throw new AppError(409, "setup_done", "Portico is already set up.");
    }
    const workspace = await insertWorkspace(ctx, tx, input);
    const admin = await insertAgent(ctx, tx, workspace.id, { ...input.admin, role: "admin" });
    return { workspace, admin };
  });
}

const SLUG = new RegExp(SLUG_PATTERN);
/** Every public request starts here (a submission, the tracking page): prepared. */
const WORKSPACE_BY_SLUG = new PreparedRead(
  ["slug"],
  (db, p) => db.selectFrom("workspaces").selectAll().where("slug", "=", p.slug),
  { name: "workspace_by_slug" },
);

/**
 * Every portal request reads its workspace (its brand, who may use the portal): kept until the
 * database changes (ReadCache, on PostgreSQL too), so a change of settings holds from the next request.
 * A row read again unchanged is answered as the object kept before, so the translators and pages
 * worked out from it (by the row object: translatorFor) outlive other requests' commits.
 */
const WORKSPACES_BY_SLUG = new ReadCache<Workspace | undefined>(1000, {
  onPostgres: true,
  share: 0.05,
  unchanged: sameRow,
});

export async function findWorkspaceBySlug(ctx: AppContext, slug: string): Promise<Workspace | undefined> {
  if (!SLUG.test(slug)) return undefined;
  return WORKSPACES_BY_SLUG.get(ctx.database, slug, async () => {
    const [ws] = await readOne(ctx.database, WORKSPACE_BY_SLUG.bind(ctx.database, { slug }));
    return ws;
  });
}

export async function getWorkspaceBySlug(ctx: AppContext, slug: string): Promise<Workspace> {
  const ws = await findWorkspaceBySlug(ctx, slug);
  if (!ws) throw notFound("No such portal.");
  return ws;
}

export async function getWorkspace(ctx: AppContext, actor: AgentActor | CustomerActor): Promise<Workspace> {
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", actor.workspaceId)
    .executeTakeFirst();
  if (!ws) throw notFound();
  return ws;
}

/**
 * Changes the actor's workspace row and records the change in the audit log, in one transaction
 * (the entry made from the updated row; its target is the workspace unless it names one).
 * `updated_at` is set here. `check` runs first in the same transaction (a uniqueness test).
 * 404 when the workspace is gone.
 */
export async function updateWorkspaceAudited(
  ctx: AppContext,
  actor: AgentActor,
  set: Partial<WorkspaceTable>,
  entryOf: (row: Workspace) => AuditEntry,
  check?: (tx: Tx) => Promise<void>,
): Promise<Workspace> {
  const updated = await ctx.database.db.transaction().execute(async (tx) => {
    if (check) await check(tx);
    const row = await tx
      .updateTable("workspaces")
      .set({ ...set, updated_at: nowIso(ctx) })
      .where("id", "=", actor.workspaceId)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordAudit(ctx, tx, actor, entryOf(row));
    return row;
  });
  if (!updated) throw notFound();
  return updated;
}

export async function countWorkspaces(ctx: AppContext): Promise<number> {
  const row = await ctx.database.db
    .selectFrom("workspaces")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface BrandingPatch {
  brandName?: string | null;
  logoUrl?: string | null;
  primaryColor?: string | null;
  secondaryColor?: string | null;
  font?: string | null;
  customCss?: string | null;
  supportEmail?: string | null;
}

export async function updateBranding(
  ctx: AppContext,
  actor: AgentActor,
  patch: BrandingPatch,
): Promise<Workspace> {
  if (actor.role !== "admin") throw forbidden("Only admins change the white-label settings.");
  const fields: Record<string, string> = {};
  const set: Partial<WorkspaceTable> = {};
  if (patch.brandName !== undefined) {
    if (patch.brandName && [...patch.brandName.trim()].length > BRAND_NAME_MAX) {
      fields.brandName = `must be at most ${BRAND_NAME_MAX} characters`;
    }
    set.brand_name = patch.brandName?.trim() || null;
  }
  if (patch.logoUrl !== undefined) {
    const problem = patch.logoUrl ? publicHttpsUrlProblem(patch.logoUrl) : null;
    if (problem) fields.logoUrl = problem;
    set.logo_url = patch.logoUrl || null;
  }
  if (patch.primaryColor !== undefined) {
    if (patch.primaryColor && !COLOR.test(patch.primaryColor))
      fields.primaryColor = "must be a colour like #1a2b3c";
    set.primary_color = patch.primaryColor?.toLowerCase() || null;
  }
  if (patch.secondaryColor !== undefined) {
    if (patch.secondaryColor && !COLOR.test(patch.secondaryColor))
      fields.secondaryColor = "must be a colour like #1a2b3c";
    set.secondary_color = patch.secondaryColor?.toLowerCase() || null;
  }
  if (patch.font !== undefined) {
    if (patch.font && !isFontKey(patch.font)) fields.font = `must be one of: ${FONT_KEYS.join(", ")}`;
    set.font = patch.font || null;
  }
  if (patch.customCss !== undefined) {
    const r = sanitizeCustomCss(patch.customCss ?? "");
    if (r.ok) set.custom_css = r.css || null;
    else fields.customCss = `line ${r.line}: ${r.message}`;
  }
  if (patch.supportEmail !== undefined) {
    const given = patch.supportEmail?.trim();
    if (given && !normalizeEmail(given)) {
      fields.supportEmail = "must be a valid email address";
    } else if (given?.slice(0, given.lastIndexOf("@")).includes("+")) {
      // Replies come back to support+<token>@…: the address itself carries no tag.
      fields.supportEmail = "must not contain + (replies use support+…@ addresses of their own)";
    }
    set.support_email = given ? given.toLowerCase() : null;
  }
  if (Object.keys(fields).length) throw validationFailed(fields);
  if (Object.keys(set).length === 0) return getWorkspace(ctx, actor);
  const supportEmail = set.support_email;
  return updateWorkspaceAudited(
    ctx,
    actor,
    set,
    () => ({
      action: "settings.branding",
      summary: `Branding changed: ${Object.keys(set).join(", ")}`,
      // The stylesheet itself can be long: the log says it changed and how long it is now.
      details:
        set.custom_css === undefined
          ? set
          : { ...set, custom_css: `${(set.custom_css ?? "").length} characters` },
    }),
    async (tx) => {
      if (!supportEmail) return;
      // Mail to a support address reaches one workspace: it cannot be another's too.
      const taken = await tx
        .selectFrom("workspaces")
        .select("id")
        .where(sql<string>`lower(support_email)`, "=", supportEmail)
        .where("id", "!=", actor.workspaceId)
        .executeTakeFirst();
      if (taken) {
        throw conflict("support_email_taken", "Another workspace on this server uses that support email.", {
          supportEmail: "is already the support email of another workspace here",
        });
      }
    },
  );
}
