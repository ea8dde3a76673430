import type { Generated } from "kysely";

// Row shapes of the customer's work (migration 0015): onboarding plans and tasks, forms and their
// answers, company properties' history, documents and the company timeline. Apart from schema.ts
// only to keep each file readable; DB there lists these tables too.

export type TaskActor = "team" | "customer";
/** The team's state of a task: never on a customer path. */
export type TaskStatus = "todo" | "in_progress" | "review" | "blocked" | "done";
/** What the customer sees of a task. */
export type TaskPortalStatus = "not_started" | "in_progress" | "waiting_on_you" | "complete";
export type OnFormSubmit = "done" | "review";

export interface FormTable {
  id: string;
  workspace_id: string;
  name: string;
  description: Generated<string>;
  /** The request type whose public submit form it extends; null for a task form. */
  request_type: string | null;
  current_version: Generated<number>;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface FormVersionTable {
  form_id: string;
  version: number;
  workspace_id: string;
  /** JSON array of fields (forms/form.schemas.ts). */
  fields: string;
  created_by_agent_id: string | null;
  created_at: string;
}

export interface PlanTemplateTable {
  id: string;
  workspace_id: string;
  name: string;
  description: Generated<string>;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PlanTemplateTaskTable {
  id: string;
  workspace_id: string;
  template_id: string;
  position: number;
  title: string;
  description: Generated<string>;
  due_offset_days: number | null;
  actor: TaskActor;
  form_id: string | null;
  on_form_submit: Generated<OnFormSubmit>;
  portal_visible: Generated<boolean>;
  created_at: string;
}

export type PlanStatus = "active" | "completed" | "archived";

export interface PlanTable {
  id: string;
  workspace_id: string;
  company_id: string;
  template_id: string | null;
  name: string;
  status: Generated<PlanStatus>;
  created_by_agent_id: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface TaskTable {
  id: string;
  workspace_id: string;
  company_id: string;
  plan_id: string;
  position: number;
  title: string;
  description: Generated<string>;
  actor: TaskActor;
  due_at: string | null;
  form_id: string | null;
  on_form_submit: Generated<OnFormSubmit>;
  /** The team's side (internal): status, assignee, note. */
  status: Generated<TaskStatus>;
  assignee_agent_id: string | null;
  internal_note: Generated<string>;
  /** The customer's side. */
  portal_visible: Generated<boolean>;
  portal_status: Generated<TaskPortalStatus>;
  portal_start: string | null;
  portal_complete: string | null;
  portal_assignee_contact_id: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface TaskTicketTable {
  task_id: string;
  ticket_id: string;
  workspace_id: string;
  created_at: string;
}

export interface TaskReminderTable {
  contact_id: string;
  /** The day (YYYY-MM-DD, UTC) the reminder went out. */
  sent_on: string;
  workspace_id: string;
  tasks: number;
  created_at: string;
}

export interface FormResponseTable {
  id: string;
  workspace_id: string;
  form_id: string;
  form_version: number;
  company_id: string | null;
  task_id: string | null;
  ticket_id: string | null;
  contact_id: string | null;
  status: "draft" | "submitted";
  /** JSON object: field key → answer. */
  answers: Generated<string>;
  submitted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface TicketFieldTable {
  ticket_id: string;
  key: string;
  workspace_id: string;
  label: string;
  value: string;
}

export interface CompanyPropertyChangeTable {
  id: string;
  workspace_id: string;
  company_id: string;
  name: string;
  /** null: the property was removed. */
  value: string | null;
  actor_type: "agent" | "contact" | "system";
  actor_id: string | null;
  form_response_id: string | null;
  created_at: string;
}

export interface DocumentTable {
  id: string;
  workspace_id: string;
  company_id: string;
  title: string;
  folder: Generated<string>;
  /** JSON array of strings. */
  tags: Generated<string>;
  source: "customer" | "team";
  status: "draft" | "published";
  current_version: Generated<number>;
  /** Bytes of every version, for the company's quota. */
  size_bytes: Generated<number>;
  created_by_type: "agent" | "contact";
  created_by_id: string | null;
  published_at: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DocumentVersionTable {
  id: string;
  workspace_id: string;
  document_id: string;
  version: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  thumb_key: string | null;
  scan_status: "clean" | "unscanned" | null;
  uploaded_by_type: "agent" | "contact";
  uploaded_by_id: string | null;
  created_at: string;
}

export interface CompanyEventTable {
  id: string;
  workspace_id: string;
  company_id: string;
  actor_type: "agent" | "contact" | "system";
  actor_id: string | null;
  type: string;
  /** JSON; customer-safe when customer_visible. */
  data: Generated<string>;
  customer_visible: Generated<boolean>;
  created_at: string;
}

export interface WorkDB {
  forms: FormTable;
  form_versions: FormVersionTable;
  plan_templates: PlanTemplateTable;
  plan_template_tasks: PlanTemplateTaskTable;
  plans: PlanTable;
  tasks: TaskTable;
  task_tickets: TaskTicketTable;
  task_reminders: TaskReminderTable;
  form_responses: FormResponseTable;
  ticket_fields: TicketFieldTable;
  company_property_changes: CompanyPropertyChangeTable;
  documents: DocumentTable;
  document_versions: DocumentVersionTable;
  company_events: CompanyEventTable;
}
