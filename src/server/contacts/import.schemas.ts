import { type Static, Type } from "typebox";
import { Line, Nullable, OneOf, OptionalText, StrictObject } from "../lib/schema.ts";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "./import.csv.ts";

// What the contact import's routes take and answer, declared once: validation, OpenAPI and the
// service's types.

export const IMPORT_STATUSES = ["previewed", "running", "done", "failed"] as const;

export const ImportUploadBody = StrictObject({
  fileName: Line(200, "The file's name, shown in the import's record"),
  // Bounded here by the route's body limit; the file's own limit (bytes) answers 413 file_too_large.
  csv: OptionalText(
    2 * MAX_IMPORT_BYTES,
    `The file's text (UTF-8), up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB and ${MAX_IMPORT_ROWS} rows under a header row`,
  ),
});
export type ImportUploadBody = Static<typeof ImportUploadBody>;

export const ImportCommitBody = StrictObject({
  skipInvalidRows: Type.Optional(
    Type.Boolean({
      description:
        "Import the valid rows of a file that has errors. Without it such a file is refused whole (409 import_has_errors).",
    }),
  ),
});
export type ImportCommitBody = Static<typeof ImportCommitBody>;

export const ImportRowError = Type.Object({
  row: Type.Integer({ description: "The row as a spreadsheet numbers it: the header is row 1" }),
  field: Type.String(),
  message: Type.String(),
});

export const ImportPreviewRow = Type.Object({
  row: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  company: Type.String(),
  domains: Type.Array(Type.String()),
  phone: Type.String(),
  action: OneOf(["create", "update", "unchanged"] as const),
});
export type ImportPreviewRow = Static<typeof ImportPreviewRow>;

export const ImportCounts = Type.Object({
  totalRows: Type.Integer(),
  errorRows: Type.Integer({ description: "Rows with at least one error" }),
  newContacts: Type.Integer(),
  updatedContacts: Type.Integer(),
  unchangedContacts: Type.Integer(),
  newCompanies: Type.Integer(),
  newDomains: Type.Integer(),
});
export type ImportCounts = Static<typeof ImportCounts>;

export const ImportView = Type.Object({
  id: Type.String(),
  fileName: Type.String(),
  status: OneOf(IMPORT_STATUSES),
  columns: Type.Array(Type.Object({ header: Type.String(), field: Nullable(Type.String()) }), {
    description: "How each column of the header was read; null: ignored (only in the preview's answer)",
  }),
  counts: Type.Object(
    { ...ImportCounts.properties, skippedRows: Type.Integer() },
    {
      description:
        "Before the import, what it would do at preview time; after it, what it did (skippedRows: rows with errors left out)",
    },
  ),
  processedRows: Type.Integer(),
  errors: Type.Array(ImportRowError, { description: "Up to 500 of them" }),
  preview: Type.Array(ImportPreviewRow, { description: "The first rows as they will be imported" }),
  failure: Nullable(Type.String()),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});
export type ImportView = Static<typeof ImportView>;
