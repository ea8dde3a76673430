// Routing (migration 0027): the round-robin cursors, one per workspace and scope ("" the whole
// workspace, else a team's id). Only routing/auto-assign.ts reads and writes them, as the system.

export interface AssignmentCursorTable {
  workspace_id: string;
  scope: string;
  /** The agent given the last ticket in this scope; null before the first. */
  last_agent_id: string | null;
}

export interface RoutingDB {
  assignment_cursors: AssignmentCursorTable;
}
