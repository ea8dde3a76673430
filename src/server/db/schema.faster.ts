// Row shapes of working faster in the queue (migration 0031): an agent's last view of a ticket,
// for the unread marker. Joined into DB in schema.ts.

export interface TicketReadTable {
  agent_id: string;
  ticket_id: string;
  workspace_id: string;
  read_at: string;
}

export interface FasterDB {
  ticket_reads: TicketReadTable;
}
