import { type Static, Type } from "typebox";
import { Line, OneOf, OptionalText } from "../lib/schema.ts";

// What the document operations take and answer, declared once (routes, OpenAPI, services).

const BADGE = Type.String({ description: 'The real type in a word, e.g. "PDF", "CSV", "PNG"' });
const THUMBNAIL = Type.Boolean({
  description: "An image with a thumbnail: GET …/thumbnail?version=N serves it (a small PNG or JPEG)",
});

const SOURCE = OneOf(["customer", "team"] as const, "customer: uploaded by the company; team: a deliverable");

/** The current version's file, as the list, the portal's summary and the full document show it. */
const CURRENT_FILE = {
  fileName: Type.String(),
  size: Type.Integer({ description: "Bytes of the current version" }),
  typeLabel: Type.String(),
  contentType: Type.String({ description: "The current version's real type, judged by the bytes at upload" }),
  badge: BADGE,
  thumbnail: THUMBNAIL,
};

export const PortalDocumentSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  folder: Type.String(),
  source: SOURCE,
  version: Type.Integer(),
  ...CURRENT_FILE,
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

export const DocumentVersionView = Type.Object({
  version: Type.Integer(),
  fileName: Type.String(),
  contentType: Type.String(),
  typeLabel: Type.String(),
  badge: BADGE,
  thumbnail: THUMBNAIL,
  size: Type.Integer({ description: "Bytes" }),
  uploadedBy: Type.String({ description: "Who uploaded it, as the reader may see it" }),
  createdAt: Type.String({ format: "date-time" }),
});
export type DocumentVersionView = Static<typeof DocumentVersionView>;

/** One document with its versions, newest first. */
export const DocumentView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  folder: Type.String(),
  tags: Type.Array(Type.String()),
  source: SOURCE,
  status: OneOf(["draft", "published"] as const, "A team deliverable is a draft until published"),
  version: Type.Integer({ description: "The current version" }),
  ...CURRENT_FILE,
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  publishedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  versions: Type.Array(DocumentVersionView),
});
export type DocumentView = Static<typeof DocumentView>;

export const DocumentList = Type.Object({
  documents: Type.Array(DocumentView),
  folders: Type.Array(Type.String(), { description: "Every folder in use, for the filter" }),
  tags: Type.Array(Type.String(), { description: "Every tag in use, for the filter" }),
  usedBytes: Type.Integer({ description: "What the company's documents take of its quota" }),
  quotaBytes: Type.Integer(),
  maxBytes: Type.Integer({ description: "The largest file accepted" }),
});
export type DocumentList = Static<typeof DocumentList>;

export const FOLDER_MAX = 80;
export const TITLE_MAX = 200;
export const TAG_MAX = 40;
export const TAGS_MAX = 10;

/** Upload query: the file is the raw body; the rest says where it goes. */
export const DocumentUploadQuery = Type.Object({
  name: Type.String({ maxLength: 1000, description: "The file's name, with its extension" }),
  title: Type.Optional(Type.String({ maxLength: TITLE_MAX, description: "Defaults to the file name" })),
  folder: Type.Optional(Type.String({ maxLength: FOLDER_MAX })),
  tags: Type.Optional(Type.String({ maxLength: 500, description: "Comma-separated" })),
  publish: Type.Optional(
    OneOf(["true", "false"] as const, "Agents: publish at once (default: a draft the customer cannot see)"),
  ),
  task: Type.Optional(
    Type.String({ maxLength: 40, description: "Portal: a task it answers; files it under Onboarding" }),
  ),
});
export type DocumentUploadQuery = Static<typeof DocumentUploadQuery>;

export const DocumentVersionQuery = Type.Object({
  name: Type.String({ maxLength: 1000, description: "The file's name, with its extension" }),
});

export const DocumentPatch = Type.Object(
  {
    title: Type.Optional(Line(TITLE_MAX)),
    folder: Type.Optional(OptionalText(FOLDER_MAX, "Empty: unfiled")),
    tags: Type.Optional(Type.Array(Line(TAG_MAX), { maxItems: TAGS_MAX })),
  },
  { additionalProperties: false },
);
export type DocumentPatch = Static<typeof DocumentPatch>;

export const DocumentListQuery = Type.Object({
  folder: Type.Optional(Type.String({ maxLength: FOLDER_MAX })),
  tag: Type.Optional(Type.String({ maxLength: TAG_MAX })),
});
export type DocumentListQuery = Static<typeof DocumentListQuery>;

/** Far above any real history, and within the version column's integer range on PostgreSQL. */
export const VERSION_MAX = 100_000;

export const DownloadQuery = Type.Object({
  version: Type.Optional(
    Type.Integer({ minimum: 1, maximum: VERSION_MAX, description: "A past version; the current by default" }),
  ),
});

export const DOWNLOAD_ANSWER = {
  description: "The file, always as an attachment",
  content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
};

export const THUMBNAIL_ANSWER = {
  description:
    "A small PNG or JPEG picture of an image version, made on the server; never the original. Not an image, or none could be made: 404",
  content: { "image/png": { schema: { type: "string", format: "binary" } } },
};
