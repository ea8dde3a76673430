import type { WorkspaceTable } from "../db/schema.ts";
import { publicHttpsUrlProblem } from "../lib/public-https-url.ts";

// What a workspace looks like to its customers: the white-label fields and their defaults.
// Pure, so emails, pages and services read it without importing the workspace service.

export const DEFAULT_PRIMARY_COLOR = "#2563eb";

export type Workspace = WorkspaceTable;

export interface Branding {
  brandName: string;
  logoUrl: string | null;
  primaryColor: string;
  supportEmail: string | null;
}

/** What portal pages show: the white-label fields, each with its default when unset (seed 002). */
export function brandingOf(ws: Workspace): Branding {
  return {
    brandName: ws.brand_name ?? ws.name,
    // A logo saved before logos had to be public https addresses is not shown (pages would block it).
    logoUrl: ws.logo_url && !publicHttpsUrlProblem(ws.logo_url) ? ws.logo_url : null,
    primaryColor: ws.primary_color ?? DEFAULT_PRIMARY_COLOR,
    supportEmail: ws.support_email,
  };
}
