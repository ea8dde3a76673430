import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { type Actor, unknownActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { BrandAssetKind, BrandAssetTable } from "../db/schema.portal.ts";
import type { DB, Tx } from "../db/schema.ts";
import { forbidden } from "../errors.ts";

// A workspace's brand images (brand_assets) are read and written through here only. They are
// public by nature (every portal page shows them), so anyone acting in a workspace may read its
// own; only its admins write them. A system actor reads its workspace's, or every workspace's.

export function brandAssetScope(actor: Actor) {
  return (eb: ExpressionBuilder<DB, "brand_assets">): Expression<SqlBool> => {
    switch (actor.kind) {
      case "agent":
      case "customer":
      case "visitor":
      case "token_holder":
        return eb("brand_assets.workspace_id", "=", actor.workspaceId);
      case "system":
        return actor.workspaceId === undefined
          ? eb.lit(true)
          : eb("brand_assets.workspace_id", "=", actor.workspaceId);
      default:
        return unknownActor(actor);
    }
  };
}

/** Only an admin of the workspace changes its brand images. */
function writerWorkspace(actor: Actor): string {
  switch (actor.kind) {
    case "agent":
      if (actor.role !== "admin") throw forbidden("Only admins change the branding.");
      return actor.workspaceId;
    case "customer":
    case "visitor":
    case "token_holder":
    case "system":
      throw forbidden("Only admins change the branding.");
    default:
      return unknownActor(actor);
  }
}

/** One brand image of the actor's workspace, with its bytes, when its hash matches. */
export async function findBrandAsset(
  ctx: AppContext,
  actor: Actor,
  kind: BrandAssetKind,
  sha8: string,
): Promise<BrandAssetTable | undefined> {
  const row = await ctx.database.db
    .selectFrom("brand_assets")
    .selectAll()
    .where(brandAssetScope(actor))
    .where("kind", "=", kind)
    .executeTakeFirst();
  return row?.sha256.startsWith(sha8) ? row : undefined;
}

/** Replaces the actor's workspace's image of its kind, in the caller's transaction. */
export async function putBrandAsset(
  tx: Tx,
  actor: Actor,
  row: Omit<BrandAssetTable, "workspace_id">,
): Promise<void> {
  const workspaceId = writerWorkspace(actor);
  await tx.deleteFrom("brand_assets").where(brandAssetScope(actor)).where("kind", "=", row.kind).execute();
  await tx
    .insertInto("brand_assets")
    .values({ ...row, workspace_id: workspaceId })
    .execute();
}

/** Every brand image of the actor's workspace, without bytes. */
export function brandAssetsVisibleTo(tx: Tx, actor: Actor) {
  return tx
    .selectFrom("brand_assets")
    .select(["kind", "sha256", "width", "height"])
    .where(brandAssetScope(actor));
}

/** Removes the actor's workspace's image of this kind; whether there was one. */
export async function deleteBrandAsset(tx: Tx, actor: Actor, kind: BrandAssetKind): Promise<boolean> {
  writerWorkspace(actor);
  const r = await tx
    .deleteFrom("brand_assets")
    .where(brandAssetScope(actor))
    .where("kind", "=", kind)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
