import type { Config } from "../config.ts";
import type { WorkspaceTable } from "../db/schema.ts";
import { verifiedDomainOf } from "./portal-settings.ts";

// The one place a link for customers is made absolute (emails, redirects, the Share panel). Once
// the workspace's custom domain is verified, its portal lives at https://<domain>/…; before, and
// without one, at PUBLIC_URL/portal/<slug>/… (this server on localhost when PUBLIC_URL is unset).

type PortalOf = Pick<WorkspaceTable, "slug" | "custom_domain" | "custom_domain_verified_at">;

/** Where this server is reached from outside: PUBLIC_URL, else this server on localhost. */
export const serverOrigin = (config: Pick<Config, "publicUrl" | "port">): string =>
  config.publicUrl ?? `http://localhost:${config.port}`;

/**
 * The absolute address of `path` in the workspace's portal. `path` is within the portal
 * ("/tickets/TKT-0042?t=…", "" for its home); a path already starting with the workspace's
 * "/portal/<slug>" (trackingPath and the like) is taken as the same page.
 */
export function portalUrl(config: Pick<Config, "publicUrl" | "port">, ws: PortalOf, path: string): string {
  const own = `/portal/${ws.slug}`;
  let rest = path;
  if (rest === own || rest.startsWith(`${own}/`) || rest.startsWith(`${own}?`)) rest = rest.slice(own.length);
  if (rest !== "" && !rest.startsWith("/") && !rest.startsWith("?")) rest = `/${rest}`;
  const domain = verifiedDomainOf(ws);
  if (domain) return `https://${domain}${rest === "" || rest.startsWith("?") ? `/${rest}` : rest}`;
  return `${serverOrigin(config)}${own}${rest}`;
}

/**
 * The same page as an API answer gives it (a submission's trackingUrl): absolute on the custom
 * domain once verified, else PUBLIC_URL's (a path on this server when PUBLIC_URL is unset).
 */
export function portalHref(config: Pick<Config, "publicUrl" | "port">, ws: PortalOf, path: string): string {
  return verifiedDomainOf(ws) ? portalUrl(config, ws, path) : `${config.publicUrl ?? ""}${path}`;
}
