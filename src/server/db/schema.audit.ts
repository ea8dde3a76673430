// The audit log of admins' actions (migration 0021): one row per change, written in the change's
// own transaction. Apart from schema.ts only to keep each file readable; DB there lists it too.

export interface AuditEventTable {
  id: string;
  workspace_id: string;
  /** The admin who acted (the CLI and the system are not audited); null only if that agent row is deleted. */
  actor_agent_id: string | null;
  /** A stable code such as settings.branding or contact.erased (AUDIT_ACTIONS in audit/audit.ts). */
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** One line for people. */
  summary: string;
  /** JSON: what changed, never a secret's value. */
  details: string;
  ip: string | null;
  created_at: string;
}

export interface AuditDB {
  audit_events: AuditEventTable;
}
