import { type Static, Type } from "typebox";
import { OneOf } from "../lib/schema.ts";

// What the document operations take and answer, declared once (routes, OpenAPI, services).

export const PortalDocumentSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  folder: Type.String(),
  source: OneOf(["customer", "team"] as const, "customer: uploaded by the company; team: a deliverable"),
  version: Type.Integer(),
  fileName: Type.String(),
  size: Type.Integer({ description: "Bytes" }),
  typeLabel: Type.String(),
  updatedAt: Type.String({ format: "date-time" }),
  /** Added or changed since the customer last opened their documents. */
  isNew: Type.Boolean(),
});
export type PortalDocumentSummary = Static<typeof PortalDocumentSummary>;

/** The portal home's documents section: the latest, and how many are new since the last visit. */
export const PortalDocumentsSummary = Type.Object({
  latest: Type.Array(PortalDocumentSummary),
  newCount: Type.Integer(),
});
export type PortalDocumentsSummary = Static<typeof PortalDocumentsSummary>;
