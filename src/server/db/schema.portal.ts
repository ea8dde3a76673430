// The portal's own rows (migration 0022): its brand images and the old addresses that keep
// redirecting. Apart from schema.ts only to keep each file readable; DB there lists it too.

export type BrandAssetKind = "logo_light" | "logo_dark" | "favicon";

/** A brand image, checked and resized on upload; small and public, so its bytes are in the row. */
export interface BrandAssetTable {
  id: string;
  workspace_id: string;
  kind: BrandAssetKind;
  content_type: string;
  /** Of the stored bytes: the served address carries it, so a new image is a new address. */
  sha256: string;
  width: number;
  height: number;
  byte_size: number;
  data_base64: string;
  created_at: string;
}

/** An old slug or custom domain of a workspace: links to it redirect to the current address. */
export interface WorkspaceRedirectTable {
  kind: "slug" | "domain";
  value: string;
  workspace_id: string;
  created_at: string;
}

export interface PortalDB {
  brand_assets: BrandAssetTable;
  workspace_redirects: WorkspaceRedirectTable;
}
