import type { BrandAssetKind } from "../db/schema.portal.ts";
import type { WorkspaceTable } from "../db/schema.ts";
import { publicHttpsUrlProblem } from "../lib/public-https-url.ts";
import { type FontKey, isFontKey } from "./brand-fonts.ts";

// What a workspace looks like to its customers: the white-label fields and their defaults.
// Pure, so emails, pages and services read it without importing the workspace service.

export const DEFAULT_PRIMARY_COLOR = "#2563eb";

export type Workspace = WorkspaceTable;

export interface Branding {
  brandName: string;
  /** Deprecated: the uploaded logos (brandImagesOf) come first; this shows only without them. */
  logoUrl: string | null;
  primaryColor: string;
  /** The accent (links, focus rings, secondary buttons); the primary colour when unset. */
  secondaryColor: string;
  /** A key of FONTS (brand-fonts.ts). */
  font: FontKey;
  supportEmail: string | null;
}

/** What portal pages show: the white-label fields, each with its default when unset (seed 002). */
export function brandingOf(ws: Workspace): Branding {
  return {
    brandName: ws.brand_name ?? ws.name,
    // A logo saved before logos had to be public https addresses is not shown (pages would block it).
    logoUrl: ws.logo_url && !publicHttpsUrlProblem(ws.logo_url) ? ws.logo_url : null,
    primaryColor: ws.primary_color ?? DEFAULT_PRIMARY_COLOR,
    secondaryColor: ws.secondary_color ?? ws.primary_color ?? DEFAULT_PRIMARY_COLOR,
    font: isFontKey(ws.font) ? ws.font : "system",
    supportEmail: ws.support_email,
  };
}

export const BRAND_ASSET_KINDS = [
  "logo_light",
  "logo_dark",
  "favicon",
] as const satisfies readonly BrandAssetKind[];

export interface BrandImageRef {
  sha256: string;
  width: number;
  height: number;
}

/** The workspace's brand images (workspaces.brand_images, kept by brand-assets.ts), by kind. */
export function brandImagesOf(
  ws: Pick<Workspace, "brand_images">,
): Partial<Record<BrandAssetKind, BrandImageRef>> {
  let v: unknown;
  try {
    v = JSON.parse(ws.brand_images || "{}");
  } catch {
    return {};
  }
  const out: Partial<Record<BrandAssetKind, BrandImageRef>> = {};
  if (!v || typeof v !== "object") return out;
  for (const kind of BRAND_ASSET_KINDS) {
    const r = (v as Record<string, unknown>)[kind] as Partial<BrandImageRef> | undefined;
    if (r && typeof r.sha256 === "string" && /^[0-9a-f]{64}$/.test(r.sha256)) {
      out[kind] = { sha256: r.sha256, width: Number(r.width) || 0, height: Number(r.height) || 0 };
    }
  }
  return out;
}

/**
 * Where a brand image is served: its address carries its hash, so it is cached for ever and a
 * new image is a new address. The icon is served at each of its sizes.
 */
export function brandImageUrl(slug: string, kind: BrandAssetKind, ref: BrandImageRef, size?: number): string {
  return `/portal/${slug}/brand/${kind}-${ref.sha256.slice(0, 8)}${size ? `-${size}` : ""}.png`;
}

/** Each brand image's served address (the icon at its largest), or null. */
export function brandImageUrlsOf(
  ws: Pick<Workspace, "slug" | "brand_images">,
): Record<BrandAssetKind, string | null> {
  const images = brandImagesOf(ws);
  const url = (kind: BrandAssetKind, size?: number) => {
    const ref = images[kind];
    return ref ? brandImageUrl(ws.slug, kind, ref, size) : null;
  };
  return { logo_light: url("logo_light"), logo_dark: url("logo_dark"), favicon: url("favicon", 512) };
}
