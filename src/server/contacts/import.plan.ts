import type { AgentActor } from "../actors.ts";
import { companiesVisibleTo, companyDomainsVisibleTo } from "../companies/company.access.ts";
import type { Tx } from "../db/schema.ts";
import { contactsVisibleTo } from "./contact.access.ts";
import type { ImportRow } from "./import.csv.ts";

// What importing a file's rows would do to the workspace as it is now: which contacts are new,
// which change and how, which companies and domains are added. The preview shows it; the import
// works it out again inside its transaction and carries it out.

export interface ExistingContact {
  id: string;
  name: string;
  phone: string | null;
  company_id: string | null;
}

/** A company by its key (the name in lower case): one of the workspace's, or one to add. */
export type CompanyRef = { kind: "existing"; id: string } | { kind: "new"; key: string };

export interface RowPlan {
  row: ImportRow;
  action: "create" | "update" | "unchanged";
  existing: ExistingContact | undefined;
  company: CompanyRef | null;
  /** For an update: only what changes (an empty cell never clears a value). */
  changes: { name?: string; phone?: string; company?: CompanyRef };
}

export interface ImportPlan {
  rows: RowPlan[];
  /** Companies to add: key → the name as first spelled in the file. */
  newCompanies: Map<string, string>;
  /** Domains to add (none of the workspace's companies has them yet): domain → company. */
  newDomains: Map<string, CompanyRef>;
  counts: { newContacts: number; updatedContacts: number; unchangedContacts: number };
}

const CHUNK = 500;
export const companyKey = (name: string) => name.trim().normalize("NFC").toLowerCase();

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function planImport(tx: Tx, actor: AgentActor, rows: ImportRow[]): Promise<ImportPlan> {
  const existing = new Map<string, ExistingContact>();
  for (const part of chunks(rows.map((r) => r.emailNormalized))) {
    const found = await contactsVisibleTo(tx, actor)
      .select(["id", "name", "phone", "company_id", "email_normalized"])
      .where("email_normalized", "in", part)
      .execute();
    for (const c of found) existing.set(c.email_normalized, c);
  }

  // Matched by name ignoring case, in JavaScript so that it is the same on both databases
  // (SQLite's lower() folds ASCII only); the oldest company wins where names repeat.
  const companies = new Map<string, string>();
  if (rows.some((r) => r.company)) {
    const all = await companiesVisibleTo(tx, actor)
      .select(["id", "name"])
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    for (const c of all) {
      const key = companyKey(c.name);
      if (!companies.has(key)) companies.set(key, c.id);
    }
  }

  const allDomains = [...new Set(rows.flatMap((r) => r.domains))];
  const takenDomains = new Set<string>();
  for (const part of chunks(allDomains)) {
    const found = await companyDomainsVisibleTo(tx, actor)
      .select("domain")
      .where("domain", "in", part)
      .execute();
    for (const d of found) takenDomains.add(d.domain);
  }

  const newCompanies = new Map<string, string>();
  const newDomains = new Map<string, CompanyRef>();
  const counts = { newContacts: 0, updatedContacts: 0, unchangedContacts: 0 };
  const plans = rows.map((row): RowPlan => {
    let company: CompanyRef | null = null;
    if (row.company) {
      const key = companyKey(row.company);
      const id = companies.get(key);
      if (id) company = { kind: "existing", id };
      else {
        if (!newCompanies.has(key)) newCompanies.set(key, row.company);
        company = { kind: "new", key };
      }
      for (const d of row.domains) {
        if (!takenDomains.has(d) && !newDomains.has(d)) newDomains.set(d, company);
      }
    }
    const c = existing.get(row.emailNormalized);
    if (!c) {
      counts.newContacts += 1;
      return { row, action: "create", existing: undefined, company, changes: {} };
    }
    const changes: RowPlan["changes"] = {};
    if (row.name && row.name !== c.name) changes.name = row.name;
    if (row.phone && row.phone !== (c.phone ?? "")) changes.phone = row.phone;
    if (company && (company.kind === "new" || company.id !== c.company_id)) changes.company = company;
    const action = Object.keys(changes).length ? "update" : "unchanged";
    if (action === "update") counts.updatedContacts += 1;
    else counts.unchangedContacts += 1;
    return { row, action, existing: c, company, changes };
  });
  return { rows: plans, newCompanies, newDomains, counts };
}
