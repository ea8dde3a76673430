// Macros and the knowledge-base editor's images (migration 0032). Apart from schema.ts only to
// keep each file readable; DB there lists it too.

/** A saved reply: personal (shared 0, its owner's alone) or shared with the workspace (shared 1). */
export interface MacroTable {
  id: string;
  workspace_id: string;
  /** The agent who wrote it; a personal macro is theirs alone. */
  owner_id: string | null;
  shared: number;
  name: string;
  /** Plain text with {{placeholders}}, filled on the server when used. */
  body: string;
  set_status: string | null;
  set_priority: string | null;
  created_at: string;
  updated_at: string;
}

/** An image pasted into an article, stored sealed like an attachment. */
export interface KbImageTable {
  id: string;
  workspace_id: string;
  uploaded_by: string | null;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: string;
}

export interface MacrosDB {
  macros: MacroTable;
  kb_images: KbImageTable;
}
