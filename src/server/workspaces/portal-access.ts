import type { AgentActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import type { PortalAccessLevel, WorkspaceTable } from "../db/schema.ts";
import { forbidden } from "../errors.ts";
import type { Workspace } from "./workspace.branding.ts";
import { updateWorkspaceAudited } from "./workspace.service.ts";

// Who may use a workspace's portal (seed 001): anyone (public, with an optional sign-in), signed-in
// customers only (account: they may register themselves), or invited contacts only. The level is
// read from the workspace row on every request, so a change holds at once for every page and API.

export const PORTAL_ACCESS_LEVELS = [
  "public",
  "account",
  "invited",
] as const satisfies readonly PortalAccessLevel[];

/** Under 'account' and 'invited' submitting, tracking and the knowledge base need a signed-in customer. */
export const signInRequired = (ws: Pick<Workspace, "portal_access">): boolean =>
  ws.portal_access !== "public";

/** Self-registration is open only where an account is required but nobody needs an invitation. */
export const selfRegistrationOpen = (ws: Pick<Workspace, "portal_access">): boolean =>
  ws.portal_access === "account";

export interface PortalAccessSettings {
  portalAccess: PortalAccessLevel;
  showAssignee: boolean;
}

export const portalAccessOf = (ws: Workspace): PortalAccessSettings => ({
  portalAccess: ws.portal_access,
  showAssignee: Boolean(ws.show_assignee),
});

/** Admins only. Takes effect with the next request of every customer: nothing keeps the old level. */
export async function updatePortalAccess(
  ctx: AppContext,
  actor: AgentActor,
  patch: Partial<PortalAccessSettings>,
): Promise<Workspace> {
  if (actor.role !== "admin") throw forbidden("Only admins change who can use the portal.");
  const set: Partial<WorkspaceTable> = {};
  if (patch.portalAccess !== undefined) set.portal_access = patch.portalAccess;
  if (patch.showAssignee !== undefined) set.show_assignee = patch.showAssignee;
  return updateWorkspaceAudited(ctx, actor, set, (row) => ({
    action: "settings.portal_access",
    summary: `Portal access: ${row.portal_access}${row.show_assignee ? ", assignee shown" : ""}`,
    details: patch,
  }));
}
