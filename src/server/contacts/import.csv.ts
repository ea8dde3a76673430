import { CsvError, parse } from "csv-parse/sync";
import { NAME_MAX } from "../../shared/tickets.ts";
import { COMPANY_NAME_MAX, DOMAIN_PATTERN } from "../companies/company.schemas.ts";
import { AppError } from "../errors.ts";
import { normalizeEmail } from "../lib/email-address.ts";

// Reading a contacts CSV as other help desks export it (Zendesk, Freshdesk, Help Scout, a
// spreadsheet): the header says which column is which, by the usual names in any case; other
// columns are ignored. Each row is checked on its own, so the admin sees every problem at once.

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;
export const PHONE_MAX = 40;
/** Kept per import: enough to fix a file, small enough to store and show. */
export const MAX_STORED_ERRORS = 500;

export type ImportField = "name" | "firstName" | "lastName" | "email" | "company" | "domain" | "phone";

/** Header names as the exports spell them, lower case with runs of spaces, _ and - as one space. */
const HEADERS: Record<ImportField, string[]> = {
  name: ["name", "full name", "contact name", "customer name", "display name", "requester name"],
  firstName: ["first name", "firstname", "given name"],
  lastName: ["last name", "lastname", "surname", "family name"],
  email: ["email", "email address", "e mail", "e mail address", "primary email", "contact email", "emails"],
  company: [
    "company",
    "company name",
    "organization",
    "organisation",
    "organization name",
    "organisation name",
  ],
  domain: ["domain", "domains", "company domain", "company domains", "domain names", "email domain"],
  phone: ["phone", "phone number", "work phone", "telephone", "mobile", "mobile phone", "phone numbers"],
};

export interface ImportRow {
  /** The row as a spreadsheet numbers it: the header is row 1. */
  row: number;
  email: string;
  emailNormalized: string;
  /** Empty when the file gives none: an existing contact keeps theirs, a new one is named from the address. */
  name: string;
  company: string;
  domains: string[];
  phone: string;
}

export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface ParsedFile {
  /** Which of our fields each header column was read as. */
  columns: { header: string; field: ImportField | null }[];
  rows: ImportRow[];
  errors: RowError[];
  totalRows: number;
  /** Rows with at least one error. */
  errorRows: number;
}

const headerKey = (h: string) =>
  h
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");

/** The delimiter of the header line: comma, semicolon (spreadsheets in many locales) or tab. */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const unquoted = firstLine.replace(/"[^"]*"/g, "");
  let best = ",";
  let most = 0;
  for (const d of [",", ";", "\t"]) {
    const n = unquoted.split(d).length - 1;
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

// The same rule as a domain added on a company's page: ASCII labels (an IDN in its xn-- form).
const DOMAIN_RE = new RegExp(DOMAIN_PATTERN);
// Control characters and line breaks (tab aside): no cell may hold them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u0008\u000A-\u001F\u007F]/;

const codePoints = (s: string) => [...s].length;

/** Reads and checks the file. Refuses what cannot be read at all; row problems are listed, not thrown. */
export function parseContactCsv(text: string): ParsedFile {
  if (Buffer.byteLength(text, "utf8") > MAX_IMPORT_BYTES) {
    throw new AppError(
      413,
      "file_too_large",
      `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`,
      {
        fields: { file: "is too large" },
      },
    );
  }
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      delimiter: delimiterOf(text.replace(/^\uFEFF/, "")),
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (err) {
    if (err instanceof CsvError) {
      throw new AppError(400, "invalid_csv", `The file is not a CSV file we can read: ${err.message}`, {
        fields: { file: "cannot be read as CSV" },
      });
    }
    throw err;
  }
  const [header, ...data] = records;
  if (!header || data.length === 0) {
    throw new AppError(400, "empty_file", "The file has no rows under its header.", {
      fields: { file: "has no rows" },
    });
  }
  if (data.length > MAX_IMPORT_ROWS) {
    throw new AppError(
      413,
      "too_many_rows",
      `The file has ${data.length} rows; up to ${MAX_IMPORT_ROWS} can be imported at once. Split it and import each part.`,
      { fields: { file: "has too many rows" } },
    );
  }

  const index: Partial<Record<ImportField, number>> = {};
  const columns = header.map((h, i) => {
    const key = headerKey(h);
    const field =
      (Object.keys(HEADERS) as ImportField[]).find(
        (f) => HEADERS[f].includes(key) && index[f] === undefined,
      ) ?? null;
    if (field) index[field] = i;
    return { header: h.replace(/^\uFEFF/, "").trim(), field };
  });
  // A file with both "Work phone" and "Mobile phone" keeps the first; headers repeat rarely.
  if (index.email === undefined) {
    throw new AppError(
      400,
      "missing_email_column",
      "The file has no email column: its first row must name the columns, one of them Email.",
      { fields: { file: "has no email column" } },
    );
  }

  const errors: RowError[] = [];
  const rows: ImportRow[] = [];
  const seen = new Map<string, number>();
  const domainOwner = new Map<string, string>();
  let errorRows = 0;
  data.forEach((record, i) => {
    const row = i + 2;
    const cell = (f: ImportField) => {
      const at = index[f];
      return at === undefined ? "" : (record[at] ?? "").trim();
    };
    const rowErrors: RowError[] = [];
    const fail = (field: string, message: string) => rowErrors.push({ row, field, message });

    for (const f of Object.keys(index) as ImportField[]) {
      if (CONTROLS.test(cell(f))) fail(f, "contains line breaks or control characters");
    }
    const email = cell("email");
    const emailNormalized = email ? normalizeEmail(email) : null;
    if (!email) fail("email", "is empty");
    else if (!emailNormalized) fail("email", `“${email.slice(0, 100)}” is not an email address`);
    else {
      const first = seen.get(emailNormalized);
      if (first !== undefined) fail("email", `appears already in row ${first}`);
      else seen.set(emailNormalized, row);
    }

    const name = cell("name") || [cell("firstName"), cell("lastName")].filter(Boolean).join(" ");
    if (codePoints(name) > NAME_MAX) fail("name", `is longer than ${NAME_MAX} characters`);
    const company = cell("company");
    if (codePoints(company) > COMPANY_NAME_MAX)
      fail("company", `is longer than ${COMPANY_NAME_MAX} characters`);
    const phone = cell("phone");
    if (codePoints(phone) > PHONE_MAX) fail("phone", `is longer than ${PHONE_MAX} characters`);

    const domains = [
      ...new Set(
        cell("domain")
          .split(/[\s,;]+/)
          .map((d) =>
            d
              .toLowerCase()
              .replace(/^@/, "")
              .replace(/^https?:\/\//, "")
              .replace(/\/.*$/, "")
              .replace(/^www\./, "")
              .replace(/\.$/, ""),
          )
          .filter(Boolean),
      ),
    ];
    for (const d of domains) {
      if (!DOMAIN_RE.test(d)) fail("domain", `“${d.slice(0, 100)}” is not a domain name`);
      else if (!company) fail("domain", "needs a company in the same row");
      else {
        const owner = domainOwner.get(d);
        if (owner !== undefined && owner !== company.toLowerCase())
          fail("domain", `“${d}” is given to another company in this file`);
        else domainOwner.set(d, company.toLowerCase());
      }
    }

    if (rowErrors.length) {
      errorRows += 1;
      if (errors.length < MAX_STORED_ERRORS)
        errors.push(...rowErrors.slice(0, MAX_STORED_ERRORS - errors.length));
      return;
    }
    rows.push({ row, email, emailNormalized: emailNormalized as string, name, company, domains, phone });
  });
  return { columns, rows, errors, totalRows: data.length, errorRows };
}
