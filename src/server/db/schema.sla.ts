// SLA policies and a workspace's holidays (migration 0029). Apart from schema.ts only to keep each
// file readable; DB there lists these tables too. The tickets' timer columns are in TicketTable.

export interface SlaPolicyTable {
  id: string;
  workspace_id: string;
  name: string;
  priority: string;
  /** Narrowed to one ticket type; null: any. */
  ticket_type: string | null;
  /** Narrowed to one company; null: any. */
  company_id: string | null;
  /** Targets in minutes; null: no target of that kind. */
  first_response_minutes: number | null;
  next_response_minutes: number | null;
  resolution_minutes: number | null;
  /** Counted in the workspace's business hours (less holidays) or around the clock. */
  clock: "business" | "calendar";
  created_at: string;
  updated_at: string;
}

/** A day the workspace is closed, in its own zone ('YYYY-MM-DD'). */
export interface WorkspaceHolidayTable {
  workspace_id: string;
  day: string;
  name: string;
  created_at: string;
}

export interface SlaDB {
  sla_policies: SlaPolicyTable;
  workspace_holidays: WorkspaceHolidayTable;
}
