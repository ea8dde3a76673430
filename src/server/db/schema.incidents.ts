import type { Generated } from "kysely";

// Row shapes of incidents (migration 0033_incidents): the incident, the companies it concerns, the
// tickets linked to it and the contacts to tell when it is resolved. DB in schema.ts lists them.

export type IncidentStatus = "investigating" | "identified" | "monitoring" | "resolved";

export interface IncidentTable {
  id: string;
  workspace_id: string;
  title: string;
  /** What customers read in the portal's banner. */
  message: string;
  status: IncidentStatus;
  /** JSON array of the affected products' names (free tags, shown to customers). */
  products: Generated<string>;
  created_by_agent_id: string | null;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
}

export interface IncidentCompanyTable {
  incident_id: string;
  company_id: string;
  workspace_id: string;
  /** "declared": an agent chose it (an incident with none concerns everyone); "reported": a contact said so. */
  source: "declared" | "reported";
  created_at: string;
}

export interface IncidentTicketTable {
  incident_id: string;
  ticket_id: string;
  workspace_id: string;
  linked_by_agent_id: string | null;
  created_at: string;
}

export interface IncidentContactTable {
  incident_id: string;
  contact_id: string;
  workspace_id: string;
  /** "affected": the contact said "this affects me too"; "ticket": the contact of a linked ticket. */
  source: "affected" | "ticket";
  created_at: string;
  /** When the resolution's email was queued for them: never twice. */
  notified_at: string | null;
}

export interface IncidentDB {
  incidents: IncidentTable;
  incident_companies: IncidentCompanyTable;
  incident_tickets: IncidentTicketTable;
  incident_contacts: IncidentContactTable;
}
