import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// Every query on a guarded table starts in that table's access file, which scopes it by the
// actor (`*.access.ts`). This test reads the source and fails on a select, update or delete of
// a guarded table anywhere else. Inserts may stand where the change is made: a new row belongs
// to the workspace its caller already resolved through an access function.

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Each guarded table and the one file (relative to src/server) that may query it. */
const ACCESS_FILES: Record<string, string> = {
  tickets: "tickets/ticket.access.ts",
  ticket_ccs: "tickets/ticket.access.ts",
  comments: "tickets/comment.access.ts",
  ticket_events: "tickets/event.access.ts",
  contacts: "contacts/contact.access.ts",
  contact_imports: "contacts/import.access.ts",
  companies: "companies/company.access.ts",
  company_domains: "companies/company.access.ts",
  company_events: "companies/company.access.ts",
  company_property_changes: "companies/company.access.ts",
  plans: "onboarding/plan.access.ts",
  tasks: "onboarding/plan.access.ts",
  task_tickets: "onboarding/plan.access.ts",
  task_reminders: "onboarding/plan.access.ts",
  plan_templates: "onboarding/plan.access.ts",
  plan_template_tasks: "onboarding/plan.access.ts",
  forms: "forms/form.access.ts",
  form_versions: "forms/form.access.ts",
  form_responses: "forms/form.access.ts",
  ticket_fields: "forms/form.access.ts",
  documents: "documents/document.access.ts",
  document_versions: "documents/document.access.ts",
  attachments: "files/file.access.ts",
  brand_assets: "workspaces/brand-assets.access.ts",
  workspace_redirects: "workspaces/redirect.access.ts",
  kb_articles: "kb/kb.access.ts",
  kb_categories: "kb/kb.access.ts",
  kb_article_heads: "kb/kb.access.ts",
  outbox_emails: "email/outbox.access.ts",
  surveys: "surveys/survey.access.ts",
  kb_article_health: "surveys/survey.access.ts",
  kb_article_alerts: "surveys/survey.access.ts",
  monthly_reports: "surveys/survey.access.ts",
  agent_tasks: "tasks/agent-task.access.ts",
  audit_events: "audit/audit.access.ts",
  notifications: "notifications/notification.access.ts",
  teams: "notifications/notification.access.ts",
  team_members: "notifications/notification.access.ts",
  incidents: "incidents/incident.access.ts",
  incident_companies: "incidents/incident.access.ts",
  incident_tickets: "incidents/incident.access.ts",
  incident_contacts: "incidents/incident.access.ts",
  macros: "macros/macro.access.ts",
  kb_images: "kb/kb-image.access.ts",
  ticket_reads: "tickets/ticket-read.access.ts",
  sla_policies: "sla/sla.access.ts",
  workspace_holidays: "sla/sla.access.ts",
  webhook_endpoints: "webhooks/webhook.access.ts",
  webhook_deliveries: "webhooks/webhook.access.ts",
  webhook_attempts: "webhooks/webhook.access.ts",
  api_keys: "apikeys/api-key.access.ts",
};

/**
 * Queries that may stand outside their access file, each with its reason. An entry
 * is "file: statement(table)", and one that no longer occurs fails the test too.
 */
const EXCEPTIONS = new Map<string, string>([
  [
    "tickets/ticket.search.ts: sql(tickets)",
    "the search index's own insert (SQLite) reads the number of the ticket its transaction has just written, by that ticket's id, to order the index by it; it acts for no one and answers nothing",
  ],
  [
    "ops/migrate-data.search.ts: sql(kb_articles)",
    "portico migrate-data (an operator's one-off move to PostgreSQL) rebuilds every article's search vectors in one statement, on a target no process serves yet, acting for no one",
  ],
]);

const STATEMENT = new RegExp(
  `\\b(selectFrom|updateTable|deleteFrom)\\(\\s*["'\`](${Object.keys(ACCESS_FILES).join("|")})(?:\\s+as\\s+\\w+)?["'\`]`,
  "g",
);
// Raw SQL in a template: FROM/UPDATE/DELETE FROM/JOIN a guarded table by name.
const RAW = new RegExp(`\\b(?:from|update|join)\\s+(${Object.keys(ACCESS_FILES).join("|")})\\b`, "gi");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "test" ? [] : sourceFiles(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$|\.test-support\.ts$/.test(e.name) ? [p] : [];
  });
}

function findBypasses(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SERVER)) {
    const rel = path.relative(SERVER, file).split(path.sep).join("/");
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(STATEMENT)) {
      const [, statement, table] = m as unknown as [string, string, string];
      if (ACCESS_FILES[table] !== rel) found.push(`${rel}: ${statement}(${table})`);
    }
    // Kysely's sql`…`, and SQL handed to a driver directly (pg's query, node:sqlite's prepare).
    for (const m of text.matchAll(/sql`([^`]*)`|\.(?:query|prepare)\(\s*(?:`([^`]*)`|"([^"]*)")/g)) {
      for (const r of (m[1] ?? m[2] ?? m[3] ?? "").matchAll(RAW)) {
        const table = (r[1] ?? "").toLowerCase();
        if (ACCESS_FILES[table] !== rel) found.push(`${rel}: sql(${table})`);
      }
    }
  }
  return found;
}

test("every select, update and delete of a guarded table is in its access file", () => {
  const outside = findBypasses().filter((b) => !EXCEPTIONS.has(b));
  assert.deepEqual(
    [...new Set(outside)],
    [],
    "start these queries from the table's access function (see ACCESS_FILES), or list them in EXCEPTIONS with the reason",
  );
});

test("every listed exception still exists (the list only shrinks)", () => {
  const found = new Set(findBypasses());
  assert.deepEqual(
    [...EXCEPTIONS.keys()].filter((e) => !found.has(e)),
    [],
  );
});

test("the scan finds a query outside its access file", () => {
  // The test above is only as good as its pattern: it must see the shapes the code uses.
  const sample = `db.selectFrom("tickets as t"); tx.updateTable('comments'); db.deleteFrom(\`attachments\`)`;
  assert.deepEqual(
    [...sample.matchAll(STATEMENT)].map((m) => `${m[1]}(${m[2]})`),
    ["selectFrom(tickets)", "updateTable(comments)", "deleteFrom(attachments)"],
  );
  assert.equal([..."select 1 from tickets t join comments c".matchAll(RAW)].length, 2);
});
