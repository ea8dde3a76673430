import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import type { Actor, AgentActor } from "../actors.ts";
import { type AppContext, nowIso } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { sealIncoming, serveSealedFile } from "../files/file.intake.ts";
import { newId } from "../ids.ts";
import { insertKbImage, kbImagesVisibleTo } from "./kb-image.access.ts";

// Images pasted or dropped into an article: streamed, measured and judged by their bytes like
// every attachment (file.intake.ts), only raster images kept (no SVG: it can carry script),
// sealed in the file store and served from our own origin at /portal/{slug}/kb/images/{id}: to
// agents always, to everyone else while a published article they may read shows it.

export const KB_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
export const KB_IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const tooLarge = (name: string) =>
  new AppError(413, "file_too_large", `“${name}” is larger than 5 MB, the most an article image may be.`, {
    fields: { file: `“${name}” must be at most 5 MB` },
    headers: { connection: "close" },
  });

export interface KbImageUpload {
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** The image's address on the portal, from our own origin. */
  url: string;
  /** What the editor inserts at the cursor. */
  markdown: string;
}

export const kbImagePath = (slug: string, id: string) => `/portal/${slug}/kb/images/${id}`;

/** Alt text from a file name: its stem, without brackets that would end the Markdown. */
const altOf = (name: string) =>
  name
    .replace(/\.[^.]*$/, "")
    .replace(/[[\]\\]/g, " ")
    .trim()
    .slice(0, 100) || "image";

export async function uploadKbImage(
  ctx: AppContext,
  actor: AgentActor,
  slug: string,
  input: { name: string | undefined; body: Readable; declaredLength: number | undefined },
): Promise<KbImageUpload> {
  const sealed = await sealIncoming(ctx, { ...input, maxBytes: KB_IMAGE_MAX_BYTES, tooLarge });
  const id = newId();
  try {
    if (!KB_IMAGE_TYPES.includes(sealed.contentType)) {
      throw new AppError(415, "unsupported_type", `“${sealed.name}” is not a PNG, JPEG, GIF or WebP image.`, {
        fields: { file: "must be a PNG, JPEG, GIF or WebP image" },
      });
    }
    await insertKbImage(ctx.database.db, {
      id,
      workspace_id: actor.workspaceId,
      uploaded_by: actor.agentId,
      file_name: sealed.name,
      content_type: sealed.contentType,
      size_bytes: sealed.size,
      sha256: sealed.sha256,
      storage_key: sealed.storageKey,
      created_at: nowIso(ctx),
    }).execute();
  } catch (err) {
    await ctx.files.store.delete(sealed.storageKey).catch(() => {});
    throw err;
  }
  const url = kbImagePath(slug, id);
  return {
    id,
    name: sealed.name,
    contentType: sealed.contentType,
    size: sealed.size,
    url,
    markdown: `![${altOf(sealed.name)}](${url})`,
  };
}

/** Sends an image the actor may see; anything else is the same 404 as a missing one. */
export async function sendKbImage(ctx: AppContext, reply: FastifyReply, actor: Actor, id: string) {
  const row = await kbImagesVisibleTo(ctx.database.db, actor)
    .select(["id", "file_name", "content_type", "size_bytes", "storage_key"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound();
  reply.header("cache-control", actor.kind === "agent" ? "private, no-store" : "public, max-age=300");
  return serveSealedFile(ctx, reply, row);
}
