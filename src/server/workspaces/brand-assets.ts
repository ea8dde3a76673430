import type { Readable } from "node:stream";
import type { Actor, AgentActor } from "../actors.ts";
import { recordAudit } from "../audit/audit.ts";
import { type AppContext, nowIso } from "../context.ts";
import type { BrandAssetKind } from "../db/schema.portal.ts";
import type { Tx } from "../db/schema.ts";
import { forbidden, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import {
  brandAssetsVisibleTo,
  deleteBrandAsset,
  findBrandAsset,
  putBrandAsset,
} from "./brand-assets.access.ts";
import { type IconSize, iconAtSize, prepareBrandImage, readBrandUpload } from "./brand-images.ts";
import type { Workspace } from "./workspace.branding.ts";

// Uploading, removing and serving a workspace's brand images (the logos for light and dark
// pages, the icon). Each change rewrites workspaces.brand_images from the rows in the same
// transaction, so the pages (which read only the workspace row) link exactly what is stored.

export const BRAND_ASSET_LABELS: Record<BrandAssetKind, string> = {
  logo_light: "Logo",
  logo_dark: "Logo for dark mode",
  favicon: "Icon",
};

async function syncBrandImages(ctx: AppContext, tx: Tx, actor: AgentActor): Promise<Workspace | undefined> {
  const rows = await brandAssetsVisibleTo(tx, actor).execute();
  const images = Object.fromEntries(
    rows.map((r) => [r.kind, { sha256: r.sha256, width: Number(r.width), height: Number(r.height) }]),
  );
  return tx
    .updateTable("workspaces")
    .set({ brand_images: JSON.stringify(images), updated_at: nowIso(ctx) })
    .where("id", "=", actor.workspaceId)
    .returningAll()
    .executeTakeFirst();
}

/** Checks, re-encodes and stores an uploaded brand image in place of the one before. */
export async function uploadBrandAsset(
  ctx: AppContext,
  actor: AgentActor,
  kind: BrandAssetKind,
  upload: { body: Readable; declaredLength?: number | undefined },
): Promise<Workspace> {
  if (actor.role !== "admin") {
    upload.body.resume();
    throw forbidden("Only admins change the branding.");
  }
  const bytes = await readBrandUpload(upload.body, upload.declaredLength);
  const image = await prepareBrandImage(kind, bytes);
  const ws = await ctx.database.db.transaction().execute(async (tx) => {
    await putBrandAsset(tx, actor, {
      id: newId(),
      kind,
      content_type: image.contentType,
      sha256: image.sha256,
      width: image.width,
      height: image.height,
      byte_size: image.bytes.length,
      data_base64: image.bytes.toString("base64"),
      created_at: nowIso(ctx),
    });
    const row = await syncBrandImages(ctx, tx, actor);
    if (row) {
      await recordAudit(ctx, tx, actor, {
        action: "settings.brand_image",
        summary: `${BRAND_ASSET_LABELS[kind]} uploaded (${image.width}×${image.height})`,
        details: { kind, sha256: image.sha256, width: image.width, height: image.height },
      });
    }
    return row;
  });
  if (!ws) throw notFound();
  return ws;
}

/** Removes a brand image; the portal falls back (the light logo, the brand's initial, no icon). */
export async function removeBrandAsset(
  ctx: AppContext,
  actor: AgentActor,
  kind: BrandAssetKind,
): Promise<Workspace> {
  if (actor.role !== "admin") throw forbidden("Only admins change the branding.");
  const ws = await ctx.database.db.transaction().execute(async (tx) => {
    const removed = await deleteBrandAsset(tx, actor, kind);
    const row = await syncBrandImages(ctx, tx, actor);
    if (row && removed) {
      await recordAudit(ctx, tx, actor, {
        action: "settings.brand_image",
        summary: `${BRAND_ASSET_LABELS[kind]} removed`,
        details: { kind, removed: true },
      });
    }
    return row;
  });
  if (!ws) throw notFound();
  return ws;
}

/** Icon sizes made from the stored square, kept for the process (a few KB each). */
const iconCache = new Map<string, Buffer>();
const ICON_CACHE_MAX = 200;

/**
 * A brand image's bytes when `sha8` names the stored one (an old address is a 404, never another
 * image), at a served size for the icon.
 */
export async function brandAssetBytes(
  ctx: AppContext,
  actor: Actor,
  kind: BrandAssetKind,
  sha8: string,
  size?: IconSize,
): Promise<Buffer | undefined> {
  const row = await findBrandAsset(ctx, actor, kind, sha8);
  if (!row) return undefined;
  const stored = Buffer.from(row.data_base64, "base64");
  if (!size || (kind === "favicon" && size === row.width)) return stored;
  const key = `${row.sha256}-${size}`;
  const hit = iconCache.get(key);
  if (hit) return hit;
  const scaled = await iconAtSize(stored, size);
  if (iconCache.size >= ICON_CACHE_MAX) iconCache.delete(iconCache.keys().next().value as string);
  iconCache.set(key, scaled);
  return scaled;
}
