import { type Selectable, sql } from "kysely";
import type { AgentActor, SystemActor } from "../actors.ts";
import { notManager } from "../companies/company.members.ts";
import type { AppContext } from "../context.ts";
import type { ContactImportTable, Tx } from "../db/schema.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { contactsWritableBy } from "./contact.access.ts";
import { importsDeletableBy, importsVisibleTo, importsWritableBy } from "./import.access.ts";
import { type ImportRow, parseContactCsv, type RowError } from "./import.csv.ts";
import { type CompanyRef, planImport } from "./import.plan.ts";
import type { ImportPreviewRow, ImportUploadBody, ImportView } from "./import.schemas.ts";

// Importing contacts from CSV, in two steps. The preview reads and checks the file, works out
// what it would do and keeps the valid rows; the import then carries it out in ONE transaction
// (every row or none), as worked out again at that moment. A file with errors is refused whole
// unless the admin chose to import its valid rows. Contacts are matched by email, so importing
// the same file again adds nothing; a cell that is empty never clears a value.

const PREVIEW_ROWS = 20;
const BATCH = 500;
/** A preview not imported within a day is forgotten; an import still "running" after an hour was cut off. */
const PREVIEW_TTL_MS = 24 * 60 * 60 * 1000;
const RUNNING_TTL_MS = 60 * 60 * 1000;

interface StoredRows {
  columns: ImportView["columns"];
  preview: ImportPreviewRow[];
  rows: ImportRow[];
}

/** Imports running in this process and how far they are (the database sees it only at the end on SQLite). */
const progress = new Map<string, number>();

function requireAdmin(actor: AgentActor) {
  if (actor.role !== "admin") throw forbidden("Only admins import contacts.");
}

export async function previewImport(
  ctx: AppContext,
  actor: AgentActor,
  body: ImportUploadBody,
): Promise<ImportView> {
  requireAdmin(actor);
  const file = parseContactCsv(body.csv);
  const plan = await planImport(ctx.database.db, actor, file.rows);
  const preview: ImportPreviewRow[] = plan.rows.slice(0, PREVIEW_ROWS).map((p) => ({
    row: p.row.row,
    name: p.row.name,
    email: p.row.email,
    company: p.row.company,
    domains: p.row.domains,
    phone: p.row.phone,
    action: p.action,
  }));
  const at = ctx.now().toISOString();
  const id = newId();
  const stored: StoredRows = { columns: file.columns, preview, rows: file.rows };
  await ctx.database.db
    .insertInto("contact_imports")
    .values({
      id,
      workspace_id: actor.workspaceId,
      agent_id: actor.agentId,
      file_name: body.fileName,
      status: "previewed",
      total_rows: file.totalRows,
      error_rows: file.errorRows,
      created_contacts: plan.counts.newContacts,
      updated_contacts: plan.counts.updatedContacts,
      unchanged_contacts: plan.counts.unchangedContacts,
      created_companies: plan.newCompanies.size,
      added_domains: plan.newDomains.size,
      errors: JSON.stringify(file.errors),
      rows: JSON.stringify(stored),
      created_at: at,
      updated_at: at,
    })
    .execute();
  return getImport(ctx, actor, id);
}

export async function getImport(ctx: AppContext, actor: AgentActor, id: string): Promise<ImportView> {
  requireAdmin(actor);
  const row = await importsVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("No such import.");
  return viewOf(row);
}

/** The admin's imports, newest first. */
export async function listImports(ctx: AppContext, actor: AgentActor, limit = 20): Promise<ImportView[]> {
  requireAdmin(actor);
  const rows = await importsVisibleTo(ctx.database.db, actor)
    .selectAll()
    .where("status", "<>", "previewed")
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...viewOf(r), errors: [], preview: [] }));
}

function viewOf(row: Selectable<ContactImportTable>): ImportView {
  const stored = row.rows ? (JSON.parse(row.rows) as StoredRows) : null;
  const live = progress.get(row.id);
  return {
    id: row.id,
    fileName: row.file_name,
    status: row.status,
    columns: stored?.columns ?? [],
    counts: {
      totalRows: Number(row.total_rows),
      errorRows: Number(row.error_rows),
      newContacts: Number(row.created_contacts),
      updatedContacts: Number(row.updated_contacts),
      unchangedContacts: Number(row.unchanged_contacts),
      newCompanies: Number(row.created_companies),
      newDomains: Number(row.added_domains),
      skippedRows: Number(row.skipped_rows),
    },
    processedRows:
      row.status === "running" && live !== undefined
        ? Math.max(live, Number(row.processed_rows))
        : Number(row.processed_rows),
    errors: JSON.parse(row.errors) as RowError[],
    preview: stored?.preview ?? [],
    failure: row.failure,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Imports a previewed file: all its valid rows in one transaction. Refuses (409) a file with
 * errors unless `skipInvalidRows`, and an import that already ran or is running. A failure
 * leaves nothing imported and the import marked failed, with the reason.
 */
export async function commitImport(
  ctx: AppContext,
  actor: AgentActor,
  id: string,
  opts: { skipInvalidRows?: boolean | undefined },
): Promise<ImportView> {
  requireAdmin(actor);
  const db = ctx.database.db;
  const current = await importsVisibleTo(db, actor)
    .select(["status", "error_rows", "rows"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!current) throw notFound("No such import.");
  if (current.status !== "previewed" || current.rows === null) {
    throw conflict("import_not_pending", "This file was imported already, or is being imported.");
  }
  const skip = opts.skipInvalidRows === true;
  if (Number(current.error_rows) > 0 && !skip) {
    throw conflict(
      "import_has_errors",
      `${current.error_rows} rows have errors. Correct the file and upload it again, or choose to import the valid rows only.`,
    );
  }
  const started = ctx.now().toISOString();
  // The claim: of two commits at once, one runs.
  const claimed = await importsWritableBy(db, actor)
    .set({ status: "running", skip_invalid: skip, updated_at: started })
    .where("id", "=", id)
    .where("status", "=", "previewed")
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) {
    throw conflict("import_not_pending", "This file was imported already, or is being imported.");
  }

  const { rows } = JSON.parse(current.rows) as StoredRows;
  progress.set(id, 0);
  const at = { rows: "" };
  try {
    await db.transaction().execute(async (tx) => {
      const done = await carryOut(ctx, tx, actor, id, rows, started, at);
      await importsWritableBy(tx, actor)
        .set({
          status: "done",
          processed_rows: rows.length,
          created_contacts: done.newContacts,
          updated_contacts: done.updatedContacts,
          unchanged_contacts: done.unchangedContacts,
          created_companies: done.newCompanies,
          added_domains: done.newDomains,
          skipped_rows: Number(current.error_rows),
          rows: null,
          updated_at: ctx.now().toISOString(),
          finished_at: ctx.now().toISOString(),
        })
        .where("id", "=", id)
        .execute();
    });
  } catch (err) {
    ctx.log.error({ err, importId: id }, "contact import failed");
    const where = at.rows ? ` while importing rows ${at.rows}` : "";
    await importsWritableBy(db, actor)
      .set({
        status: "failed",
        failure: `The import stopped${where} and nothing was imported: ${reasonOf(err)} Upload the file again to retry; contacts are matched by email, so nothing is added twice.`,
        processed_rows: 0,
        rows: null,
        updated_at: ctx.now().toISOString(),
        finished_at: ctx.now().toISOString(),
      })
      .where("id", "=", id)
      .execute();
  } finally {
    progress.delete(id);
  }
  return getImport(ctx, actor, id);
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "23505" || code === "ERR_SQLITE_ERROR" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    const message = String((err as Error).message ?? "");
    if (/unique/i.test(message))
      return "a contact or company was added with the same email or name meanwhile.";
  }
  return "the database refused a change (the server log has the details).";
}

/** The plan, worked out again inside the transaction, carried out in batches. */
async function carryOut(
  ctx: AppContext,
  tx: Tx,
  actor: AgentActor,
  id: string,
  rows: ImportRow[],
  now: string,
  at: { rows: string },
) {
  if (ctx.database.dialect === "postgres") {
    // Two imports into one workspace at once would each add the same new company: one waits.
    // (SQLite's one writer runs one transaction at a time already.)
    await sql`select pg_advisory_xact_lock(hashtext(${`contact import ${actor.workspaceId}`}))`.execute(tx);
  }
  const plan = await planImport(tx, actor, rows);
  const companyIds = new Map<string, string>();
  const companyId = (ref: CompanyRef) =>
    ref.kind === "existing" ? ref.id : (companyIds.get(ref.key) as string);

  const newCompanies = [...plan.newCompanies].map(([key, name]) => {
    const cid = newId();
    companyIds.set(key, cid);
    return { id: cid, workspace_id: actor.workspaceId, name, created_at: now, updated_at: now };
  });
  for (let i = 0; i < newCompanies.length; i += BATCH) {
    await tx
      .insertInto("companies")
      .values(newCompanies.slice(i, i + BATCH))
      .execute();
  }
  const domains = [...plan.newDomains].map(([domain, ref]) => ({
    workspace_id: actor.workspaceId,
    domain,
    company_id: companyId(ref),
    auto_join: false,
    created_at: now,
  }));
  for (let i = 0; i < domains.length; i += BATCH) {
    // A domain another company took meanwhile stays theirs.
    await tx
      .insertInto("company_domains")
      .values(domains.slice(i, i + BATCH))
      .onConflict((oc) => oc.columns(["workspace_id", "domain"]).doNothing())
      .execute();
  }

  for (let i = 0; i < plan.rows.length; i += BATCH) {
    const batch = plan.rows.slice(i, i + BATCH);
    at.rows = `${batch[0]?.row.row}–${batch.at(-1)?.row.row}`;
    const inserts = batch
      .filter((p) => p.action === "create")
      .map((p) => ({
        id: newId(),
        workspace_id: actor.workspaceId,
        company_id: p.company ? companyId(p.company) : null,
        email: p.row.email,
        email_normalized: p.row.emailNormalized,
        name: p.row.name || p.row.email.slice(0, p.row.email.indexOf("@")),
        phone: p.row.phone || null,
        created_at: now,
        updated_at: now,
      }));
    if (inserts.length) await tx.insertInto("contacts").values(inserts).execute();
    for (const p of batch) {
      if (p.action !== "update" || !p.existing) continue;
      await contactsWritableBy(tx, actor)
        .set({
          ...(p.changes.name !== undefined ? { name: p.changes.name } : {}),
          ...(p.changes.phone !== undefined ? { phone: p.changes.phone } : {}),
          // Moved to another company, a company manager keeps their own requests only (as when
          // an agent moves them): the new company's requests are given on purpose or not at all.
          ...(p.changes.company !== undefined
            ? { company_id: companyId(p.changes.company), portal_access: notManager }
            : {}),
          updated_at: now,
        })
        .where("contacts.id", "=", p.existing.id)
        .execute();
    }
    const processed = Math.min(i + BATCH, plan.rows.length);
    progress.set(id, processed);
    if (ctx.database.dialect === "postgres") {
      // Other processes answer the progress polls too; on PostgreSQL the pool has another
      // connection for it. (SQLite's one writer belongs to this transaction: this process's
      // own map is what its polls read.)
      await importsWritableBy(ctx.database.db, actor)
        .set({ processed_rows: processed })
        .where("id", "=", id)
        .execute();
    }
    // Let the polls and other requests in between batches.
    await new Promise((r) => setImmediate(r));
  }
  at.rows = "";
  return {
    ...plan.counts,
    newCompanies: plan.newCompanies.size,
    newDomains: plan.newDomains.size,
  };
}

/**
 * Forgets previews never imported (their rows are the file's data) after a day, and marks an
 * import failed that a stopped process left "running" (its transaction never committed).
 */
export async function sweepImports(ctx: AppContext, actor: SystemActor): Promise<void> {
  const now = ctx.now().getTime();
  await importsDeletableBy(ctx.database.db, actor)
    .where("status", "=", "previewed")
    .where("created_at", "<", new Date(now - PREVIEW_TTL_MS).toISOString())
    .execute();
  const cutOff = importsWritableBy(ctx.database.db, actor)
    .set({
      status: "failed",
      failure: "The server stopped during the import and nothing was imported. Upload the file again.",
      rows: null,
      processed_rows: 0,
      finished_at: new Date(now).toISOString(),
    })
    .where("status", "=", "running")
    .where("updated_at", "<", new Date(now - RUNNING_TTL_MS).toISOString());
  await (progress.size ? cutOff.where("id", "not in", [...progress.keys()]) : cutOff).execute();
}

/** Runs the sweep every hour; returns its stop. */
export function startImportSweeper(ctx: AppContext, actor: SystemActor): () => void {
  const run = () => {
    sweepImports(ctx, actor).catch((err: unknown) => ctx.log.warn({ err }, "contact import sweep failed"));
  };
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
