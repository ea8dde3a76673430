import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { forbidden, validationFailed } from "../errors.ts";
import type { Workspace } from "./workspace.branding.ts";
import { updateWorkspaceAudited } from "./workspace.service.ts";

// Which sites may show the workspace's submit form in a frame: any (the default), none, or a
// list of https origins. It becomes the submit page's CSP frame-ancestors and nothing else, so
// every entry is checked to be exactly an origin: nothing that could end or extend the policy.

export const EMBED_ORIGINS_MAX = 20;
export const EMBED_ORIGIN_EXAMPLE = "https://www.example.com";

// https, a host name (optionally *. for its subdomains, as CSP allows) or an IPv4 address, and
// an optional port. Lower case: origins are compared so.
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const ORIGIN = new RegExp(`^https://(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`);

/** An entry as typed → the origin it names (lower case, no trailing slash), or null. */
export function checkEmbedOrigin(raw: string): string | null {
  const origin = raw.trim().toLowerCase().replace(/\/$/, "");
  if (origin.length > 200 || !ORIGIN.test(origin)) return null;
  const port = /:(\d+)$/.exec(origin)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return origin;
}

/** The workspace's list: null when any site may embed the form, [] when none may. */
export function embedOriginsOf(ws: Pick<Workspace, "embed_origins">): string[] | null {
  if (ws.embed_origins === null) return null;
  // Checked again on the way out: the value goes into a header.
  return ws.embed_origins.split(" ").filter((o) => o !== "" && checkEmbedOrigin(o) === o);
}

export interface Embedding {
  allowedOrigins: string[] | null;
}

export function embeddingOf(ws: Workspace): Embedding {
  return { allowedOrigins: embedOriginsOf(ws) };
}

/**
 * Sets the list (admins). null lets any site embed the form, [] none. Every entry must be an
 * https origin; a refusal names each entry at fault (`allowedOrigins.2`) and quotes it.
 */
export async function updateEmbedding(
  ctx: AppContext,
  actor: AgentActor,
  allowedOrigins: string[] | null,
): Promise<Embedding> {
  if (actor.role !== "admin") throw forbidden("Only admins change which sites may embed the form.");
  let stored: string | null = null;
  if (allowedOrigins !== null) {
    const fields: Record<string, string> = {};
    const origins: string[] = [];
    allowedOrigins.forEach((raw, i) => {
      const origin = checkEmbedOrigin(raw);
      if (!origin) {
        fields[`allowedOrigins.${i}`] =
          `“${raw.trim().slice(0, 200)}” is not an https origin like ${EMBED_ORIGIN_EXAMPLE} (no path)`;
      } else if (!origins.includes(origin)) origins.push(origin);
    });
    if (origins.length > EMBED_ORIGINS_MAX) {
      fields.allowedOrigins = `must list at most ${EMBED_ORIGINS_MAX} sites`;
    }
    if (Object.keys(fields).length) throw validationFailed(fields);
    stored = origins.join(" ");
  }
  const ws = await updateWorkspaceAudited(ctx, actor, { embed_origins: stored }, () => ({
    action: "settings.embedding",
    summary:
      stored === null
        ? "Any site may embed the form"
        : stored
          ? `Sites: ${stored}`
          : "No site may embed the form",
    details: { allowedOrigins: stored === null ? null : stored.split(" ").filter(Boolean) },
  }));
  return embeddingOf(ws);
}
