import type { Generated, Kysely, Transaction } from "kysely";
import type { ApiKeysDB } from "./schema.apikeys.ts";
import type { AuditDB } from "./schema.audit.ts";
import type { FasterDB } from "./schema.faster.ts";
import type { IncidentDB } from "./schema.incidents.ts";
import type { MacrosDB } from "./schema.macros.ts";
import type { PortalDB } from "./schema.portal.ts";
import type { RoutingDB } from "./schema.routing.ts";
import type {
  CommentSentimentColumns,
  TicketSentimentColumns,
  WorkspaceSentimentColumns,
} from "./schema.sentiment.ts";
import type { SlaDB } from "./schema.sla.ts";
import type { SurveyDB } from "./schema.surveys.ts";
import type { WebhooksDB } from "./schema.webhooks.ts";
import type { WorkspaceWidgetColumns } from "./schema.widget.ts";
import type { WorkDB } from "./schema.work.ts";

// Row shapes as the application reads and writes them. Timestamps are ISO-8601 strings on
// both databases (PostgreSQL's timestamptz is parsed back to ISO in connection.ts); booleans
// come back as 0/1 from SQLite, so readers pass them through Boolean().
// Longer than 400 lines: every table's row type in one place, as Kysely's DB interface wants them.

export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  brand_name: string | null;
  logo_url: string | null;
  primary_color: string | null;
  support_email: string | null;
  /** Sites allowed to frame the submit form: null any, else https origins space-separated ("" none). */
  embed_origins: string | null;
  /** Who may use the portal (migration 0013): anyone, signed-in customers, or invited contacts only. */
  portal_access: PortalAccessLevel;
  /** Whether customers see the name of the agent a request is assigned to. */
  show_assignee: boolean;
  /** Document limits (migration 0015): one file, and all of one company's documents. */
  document_max_bytes: number;
  document_quota_bytes: number;
  /** IANA time zone (migration 0017): days, reports and business-hour due dates are in it. */
  time_zone: string;
  /** JSON { days: ISO weekdays, open: "HH:MM", close: "HH:MM" } (lib/business-hours.ts). */
  business_hours: string;
  /** Days kept (migration 0021; null: forever): sent emails' content, raw incoming mail, KB misses, events. */
  retention_outbox_days: number | null;
  retention_inbound_days: number | null;
  retention_search_misses_days: number | null;
  retention_events_days: number | null;
  /** The portal's settings (migration 0022; workspaces/portal-settings.ts reads them with defaults). */
  /** Off: customers see a branded "portal closed" page and the API says so; agents are unaffected. */
  portal_enabled: boolean;
  /** The language of customers who chose none and whose browser asks for none we have (i18n/locales.ts). */
  default_locale: string;
  secondary_color: string | null;
  /** A key of FONTS (workspaces/brand-fonts.ts); null: the system stack. */
  font: string | null;
  /** The portal's own CSS, stored as sanitised (scoped to the portal, no imports, no outside url()). */
  custom_css: string | null;
  /** JSON { <BrandAssetKind>: { sha256, width, height } } (migration 0024; brand-assets.ts keeps it). */
  brand_images: string;
  /** JSON { home|requests|kb|submit: { show?: boolean, label?: string } }; "{}": every page, default labels. */
  portal_nav: string;
  /** JSON { <locale>: { one: string, other: string } }: the word for "ticket"; "{}": the catalogue's. */
  ticket_words: string;
  /** JSON { <email kind>: { <locale>: { subject?: string, intro?: string } } }: customer emails' wording. */
  email_templates: string;
  /** The workspace's own host (help.acme.com), lowercase; served at / once verified. */
  custom_domain: string | null;
  /** The token the admin publishes (well-known path or DNS TXT) to prove the domain is theirs. */
  custom_domain_token: string | null;
  custom_domain_verified_at: string | null;
  /** Migration 0027 (routing/assignment-settings.ts): manual, round_robin or least_open. */
  assignment_mode: string;
  /** JSON { <ticket type>: <team id> }: a new ticket of that type belongs to that team. */
  assignment_teams: string;
  /** Customers see the expected response time of their request's SLA policy (migration 0029). */
  show_response_time?: boolean;
  created_at: string;
  updated_at: string;
}

export interface TicketSequenceTable {
  workspace_id: string;
  last_number: number;
}

export interface AgentTable {
  id: string;
  workspace_id: string;
  email: string;
  email_normalized: string;
  name: string;
  role: "admin" | "agent";
  password_hash: string;
  active: boolean;
  last_login_at: string | null;
  /** Migration 0026: away agents get no new tickets; capacity caps open assigned tickets (null: none). */
  availability: Generated<"online" | "away">;
  capacity: number | null;
  /** JSON { <notification kind>: { app?: boolean, email?: boolean } }; "{}": the defaults. */
  notify_prefs: Generated<string>;
  /** The agent's own IANA zone for the app's times; null: the browser's. */
  time_zone: string | null;
  created_at: string;
  updated_at: string;
}

/** A team of agents (migration 0026); a ticket belongs to at most one. */
export interface TeamTable {
  id: string;
  workspace_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface TeamMemberTable {
  team_id: string;
  agent_id: string;
  workspace_id: string;
}

/** One agent's notification, shown in the app's bell (migration 0026; the unread ones indexed: 0028). */
export interface NotificationTable {
  id: string;
  workspace_id: string;
  agent_id: string;
  kind: string;
  ticket_id: string | null;
  /** JSON: what the line says (reference, subject, who), fixed when it was sent. */
  data: Generated<string>;
  read_at: string | null;
  created_at: string;
}

export interface AgentSessionTable {
  id: string;
  workspace_id: string;
  agent_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** A signed-in customer's session; the key is the SHA-256 of the cookie's token (migration 0009). */
export interface CustomerSessionTable {
  token_hash: string;
  workspace_id: string;
  contact_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  revoked_at: string | null;
}

export interface CompanyTable {
  id: string;
  workspace_id: string;
  name: string;
  /** For agents only; never on a customer path. */
  notes: Generated<string>;
  /** JSON object of custom properties. */
  properties: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** An email domain of a company: a new contact whose verified email is on it joins when auto_join. */
export interface CompanyDomainTable {
  workspace_id: string;
  /** Lower case, without "@". */
  domain: string;
  company_id: string;
  auto_join: Generated<boolean>;
  created_at: string;
}

/** Who may use a workspace's portal. */
export type PortalAccessLevel = "public" | "account" | "invited";

/** What a contact may reach on the signed-in portal: nothing, their own requests, or their company's. */
export type PortalAccess = "none" | "own" | "company";

export interface ContactTable {
  id: string;
  workspace_id: string;
  company_id: string | null;
  email: string;
  email_normalized: string;
  name: string;
  /** Defaults to 'none' (migration 0009). */
  portal_access: Generated<PortalAccess>;
  /** scrypt (passwords.ts); null until the contact chooses a password. */
  password_hash: string | null;
  email_verified_at: string | null;
  phone: string | null;
  last_sign_in_at: string | null;
  /** When they last opened their documents: newer ones are "new since your last visit". */
  documents_seen_at: string | null;
  /** Unsubscribed from surveys (migration 0017): none is sent again. */
  surveys_unsubscribed_at: string | null;
  /** Erased on request (migration 0021): personal data gone, the tickets' shape kept. */
  erased_at: string | null;
  /** The contact's chosen language and time zone (migration 0022); null: the browser's, else the workspace's. */
  locale: string | null;
  time_zone: string | null;
  created_at: string;
  updated_at: string;
}

export type ContactImportStatus = "previewed" | "running" | "done" | "failed";

/** A CSV import of contacts (migration 0014): checked and previewed, then imported at once. */
export interface ContactImportTable {
  id: string;
  workspace_id: string;
  agent_id: string | null;
  file_name: string;
  status: ContactImportStatus;
  skip_invalid: Generated<boolean>;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  error_rows: Generated<number>;
  created_contacts: Generated<number>;
  updated_contacts: Generated<number>;
  unchanged_contacts: Generated<number>;
  created_companies: Generated<number>;
  added_domains: Generated<number>;
  skipped_rows: Generated<number>;
  /** JSON: [{ row, field, message }]. */
  errors: Generated<string>;
  /** JSON: the valid rows as read; null once the import has finished. */
  rows: string | null;
  failure: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export type CustomerTokenPurpose = "invite" | "magic_link" | "password_reset" | "verify_email";

/** A customer's one-time link, stored as the SHA-256 of its token. */
export interface CustomerTokenTable {
  token_hash: string;
  workspace_id: string;
  contact_id: string;
  purpose: CustomerTokenPurpose;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A colleague of the ticket's company copied in: they follow it and see it on the portal. */
export interface TicketCcTable {
  ticket_id: string;
  contact_id: string;
  workspace_id: string;
  added_by_contact_id: string | null;
  created_at: string;
}

export interface TicketTable {
  id: string;
  workspace_id: string;
  number: number;
  contact_id: string;
  company_id: string | null;
  subject: string;
  description: string;
  type: string;
  status: string;
  portal_status: string | null;
  priority: string;
  channel: string;
  assignee_id: string | null;
  email_thread_id: string | null;
  resolution: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  /** The team's first public answer (migration 0017), set once. */
  first_response_at: string | null;
  follow_up_of_id: string | null;
  /** The team it belongs to (migration 0026); null: none. */
  team_id: string | null;
  /** The language it was written in (migration 0025): the page's at submission; null from email. */
  locale: string | null;
  /** SLA timers (migration 0029, lib/sla.ts): the policy's dues, the pause, breaches, the sweep's next look. */
  sla_policy_id?: string | null;
  first_response_due_at?: string | null;
  next_response_due_at?: string | null;
  resolution_due_at?: string | null;
  next_response_from_at?: string | null;
  sla_paused_at?: string | null;
  sla_paused_minutes?: number;
  first_response_breached_at?: string | null;
  next_response_breached_at?: string | null;
  resolution_breached_at?: string | null;
  /** Comma-separated SLA kinds warned about in their current cycle. */
  sla_warned?: string;
  /** The earliest pending due while the clock runs: the queue's "next deadline". */
  next_due_at?: string | null;
  sla_check_at?: string | null;
  created_at: string;
  updated_at: string;
  /**
   * Migration 0031: who wrote the last public message ('contact' or 'agent'), when the customer
   * last wrote, and the ticket this one was merged into. Optional here only because the columns
   * have defaults a new ticket takes.
   */
  last_message_by?: "contact" | "agent";
  last_customer_message_at?: string | null;
  merged_into_id?: string | null;
}

export interface CommentTable {
  id: string;
  workspace_id: string;
  ticket_id: string;
  author_type: "agent" | "contact" | "system";
  author_agent_id: string | null;
  author_contact_id: string | null;
  body: string;
  internal: boolean;
  channel: string;
  email_message_id: string | null;
  created_at: string;
}

export interface TicketEventTable {
  id: string;
  workspace_id: string;
  ticket_id: string;
  actor_type: "agent" | "contact" | "system";
  actor_id: string | null;
  type: string;
  data: string;
  customer_visible: boolean;
  created_at: string;
}

export interface AttachmentTable {
  id: string;
  workspace_id: string;
  ticket_id: string | null;
  comment_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  uploaded_by_type: string;
  uploaded_by_id: string | null;
  created_at: string;
  /** SHA-256 of the uploader's key while the upload is unattached; null once attached. */
  claim_hash: string | null;
  attached_at: string | null;
  /** The malware scan: 'clean', 'unscanned' (accepted while the scanner could not answer), or null (no scanner). */
  scan_status: "clean" | "unscanned" | null;
  /** The sealed thumbnail of an image (migration 0015), made when it is uploaded (thumbnail.ts). */
  thumb_key: string | null;
}

export interface TrackingTokenTable {
  token_hash: string;
  workspace_id: string;
  ticket_id: string;
  email_normalized: string;
  created_at: string;
  expires_at: string;
}

export interface IdempotencyKeyTable {
  workspace_id: string;
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: string;
}

export interface TicketSearchTable {
  id: string;
  workspace_id: string;
  ticket_id: string;
  body: string;
}

export interface OutboxEmailTable {
  id: string;
  workspace_id: string;
  ticket_id: string | null;
  /** What the email is: see email/outbox.ts. */
  kind: string;
  /** "customer" or "agent": who reads it (customer mail never carries internal notes). */
  audience: "customer" | "agent";
  to_address: string;
  to_name: string | null;
  /** RFC 5322 Message-ID with its angle brackets; stable across retries. */
  message_id: string;
  subject: string;
  /** The rendered text and HTML of rows from before template_data; "" once it is kept. */
  body_text: string;
  body_html: string;
  /** JSON: the template's inputs (email.templates.ts, by kind), rendered when sent or shown. */
  template_data: string | null;
  /** JSON: from, replyTo, inReplyTo, references, autoSubmitted. */
  headers: string;
  /** suppressed: never sent, on purpose (last_error says why: a cap, a sender failing DMARC). */
  status: "pending" | "sent" | "failed" | "suppressed";
  attempts: number;
  next_attempt_at: string;
  /** A sender holds the row until then; another process may take it over after. */
  locked_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  /** Retention removed the content (migration 0021); Message-ID and ticket stay for threading. */
  content_pruned_at: string | null;
  created_at: string;
}

export interface EmailReplyTokenTable {
  token_hash: string;
  workspace_id: string;
  ticket_id: string;
  created_at: string;
}

export interface InboundEmailTable {
  id: string;
  workspace_id: string;
  /** The Message-ID without brackets, as sent; or sha256:<hex> of the raw message when it has none. */
  message_id: string;
  /** The raw message, sealed in the file store. */
  storage_key: string;
  size_bytes: number;
  via: "smtp" | "imap";
  envelope_from: string | null;
  /** The SMTP client's address and HELO name (null from IMAP): what SPF is checked against. */
  client_ip: string | null;
  client_helo: string | null;
  /** What the sender check found ("verified: dmarc=pass …"); null until processed, or when not needed. */
  sender_check: string | null;
  /** JSON array of the envelope recipients. */
  recipients: string;
  from_address: string | null;
  subject: string | null;
  status: "received" | "processed" | "ignored" | "failed";
  outcome: string | null;
  ticket_id: string | null;
  comment_id: string | null;
  error: string | null;
  /** Processing tries that failed for a reason other than the mail itself (the database, the store). */
  attempts: number;
  received_at: string;
  processed_at: string | null;
  /** The sealed raw message was deleted (retention or an erasure; migration 0021). */
  raw_deleted_at: string | null;
}

export interface AgentInvitationTable {
  token_hash: string;
  workspace_id: string;
  agent_id: string;
  /** An invitation to choose a first password, or a link to choose a new one. */
  purpose: Generated<"invite" | "password_reset">;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface KbSettingsTable {
  workspace_id: string;
  search_language: string;
  not_found_text: string | null;
  updated_at: string;
}

export interface KbCategoryTable {
  id: string;
  workspace_id: string;
  name: string;
  slug: string;
  description: string;
  position: number;
  show_on_portal: boolean;
  article_sort: "manual" | "newest" | "title" | "helpful";
  created_at: string;
  updated_at: string;
}

export interface KbArticleTable {
  id: string;
  workspace_id: string;
  category_id: string | null;
  slug: string;
  title: string;
  /** Markdown as written; body_html is its sanitised rendering, body_text the plain words. */
  body: string;
  body_html: string;
  body_text: string;
  /** JSON array of strings. */
  tags: string;
  status: "draft" | "published";
  visibility: "public" | "workspace" | "internal";
  position: number;
  author_id: string | null;
  helpful_yes: number;
  helpful_no: number;
  /** Reads on the portal, agents not counted (migration 0032). */
  view_count?: number;
  published_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface KbFeedbackTable {
  id: string;
  workspace_id: string;
  article_id: string;
  helpful: boolean;
  comment: string | null;
  created_at: string;
}

export interface KbSearchMissTable {
  workspace_id: string;
  query: string;
  count: number;
  last_at: string;
}

export interface KbDeflectionEventTable {
  id: string;
  workspace_id: string;
  visit_id: string;
  type: "shown" | "clicked" | "dismissed" | "submitted";
  article_id: string | null;
  created_at: string;
}

export interface KbTermTable {
  workspace_id: string;
  term: string;
  articles: number;
}

/** SQLite only: the contentless FTS5 tables (porter for English, plain for other languages). */
export interface KbSearchFtsTable {
  rowid: number;
  title: string;
  tags: string;
  body: string;
}

/** SQLite only: the FTS5 tables of titles and tags alone, the first tier of the ranking. */
export interface KbSearchHeadsTable {
  rowid: number;
  title: string;
  tags: string;
}

/**
 * PostgreSQL only (migration 0041): each article's title-and-tag vector (`heads`, not typed here,
 * like kb_articles' own vectors) with the columns of the readers' scope, under the articles' names.
 */
export interface KbArticleHeadsTable {
  article_id: string;
  workspace_id: string;
  status: KbArticleTable["status"];
  visibility: KbArticleTable["visibility"];
  category_id: string | null;
}

/** SQLite only: the FTS rowid of each article. */
export interface KbSearchDocTable {
  id: Generated<number>;
  article_id: string;
  workspace_id: string;
}

export interface DB
  extends WorkDB,
    SurveyDB,
    AuditDB,
    PortalDB,
    IncidentDB,
    RoutingDB,
    MacrosDB,
    FasterDB,
    SlaDB,
    WebhooksDB,
    ApiKeysDB {
  workspaces: WorkspaceTable & WorkspaceSentimentColumns & WorkspaceWidgetColumns;
  ticket_sequences: TicketSequenceTable;
  agents: AgentTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  notifications: NotificationTable;
  agent_sessions: AgentSessionTable;
  customer_sessions: CustomerSessionTable;
  companies: CompanyTable;
  company_domains: CompanyDomainTable;
  customer_tokens: CustomerTokenTable;
  ticket_ccs: TicketCcTable;
  contacts: ContactTable;
  contact_imports: ContactImportTable;
  tickets: TicketTable & TicketSentimentColumns;
  comments: CommentTable & CommentSentimentColumns;
  ticket_events: TicketEventTable;
  attachments: AttachmentTable;
  tracking_tokens: TrackingTokenTable;
  idempotency_keys: IdempotencyKeyTable;
  ticket_search: TicketSearchTable;
  outbox_emails: OutboxEmailTable;
  email_reply_tokens: EmailReplyTokenTable;
  inbound_emails: InboundEmailTable;
  agent_invitations: AgentInvitationTable;
  kb_settings: KbSettingsTable;
  kb_categories: KbCategoryTable;
  kb_articles: KbArticleTable;
  kb_feedback: KbFeedbackTable;
  kb_search_misses: KbSearchMissTable;
  kb_deflection_events: KbDeflectionEventTable;
  kb_terms: KbTermTable;
  kb_search_porter: KbSearchFtsTable;
  kb_search_plain: KbSearchFtsTable;
  kb_search_heads_porter: KbSearchHeadsTable;
  kb_search_heads_plain: KbSearchHeadsTable;
  kb_search_docs: KbSearchDocTable;
  kb_article_heads: KbArticleHeadsTable;
}

export type Db = Kysely<DB>;
export type Tx = Transaction<DB> | Kysely<DB>;
