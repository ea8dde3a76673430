import { parseReference } from "../../shared/tickets.ts";
import { systemActorIn } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { ticketsVisibleTo } from "../tickets/ticket.access.ts";
import { policiesVisibleTo } from "./sla.access.ts";

// What a customer is told about who handles their request and how soon: the expected response
// time of the request's SLA policy ("We usually reply within 4 business hours") when the workspace
// shows it, and the assignee's name when it shows assignees. Called by the portal's pages only for
// a request they already opened through its own access check (token or signed-in customer).

export interface CustomerExpectations {
  replyWithin: { minutes: number; business: boolean } | null;
  assigneeName: string | null;
}

const NONE: CustomerExpectations = { replyWithin: null, assigneeName: null };

export async function customerExpectations(
  ctx: AppContext,
  workspaceId: string,
  reference: string,
): Promise<CustomerExpectations> {
  // Workspaces are not a guarded table: its two switches are all this reads of it.
  const ws = await ctx.database.db
    .selectFrom("workspaces")
    .select(["id", "show_response_time", "show_assignee"])
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  if (!ws || (!ws.show_response_time && !ws.show_assignee)) return NONE;
  const number = parseReference(reference);
  if (number === null) return NONE;
  const system = systemActorIn("portal expectations", ws.id);
  const db = ctx.database.db;
  const t = await ticketsVisibleTo(db, system)
    .select(["tickets.sla_policy_id", "tickets.assignee_id", "tickets.status"])
    .where("tickets.number", "=", number)
    .executeTakeFirst();
  if (!t) return NONE;
  const open = t.status !== "resolved" && t.status !== "closed";
  const policy =
    ws.show_response_time && open && t.sla_policy_id
      ? await policiesVisibleTo(db, system)
          .select(["first_response_minutes", "next_response_minutes", "clock"])
          .where("id", "=", t.sla_policy_id)
          .executeTakeFirst()
      : undefined;
  const minutes = policy ? (policy.first_response_minutes ?? policy.next_response_minutes) : null;
  // Agents are not a guarded table; only the name leaves, and only where the workspace shows it.
  const assignee =
    ws.show_assignee && t.assignee_id
      ? await db
          .selectFrom("agents")
          .select("name")
          .where("workspace_id", "=", ws.id)
          .where("id", "=", t.assignee_id)
          .executeTakeFirst()
      : undefined;
  return {
    replyWithin: policy && minutes ? { minutes, business: policy.clock === "business" } : null,
    assigneeName: assignee?.name ?? null,
  };
}
