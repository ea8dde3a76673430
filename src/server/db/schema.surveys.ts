// Row shapes of surveys and what they lead to (migration 0017): survey rows with their hashed
// one-time tokens, the workspace's survey settings, the agents' follow-up tasks, the daily health
// of knowledge-base articles, the monthly improvement reports and the durable scheduler's jobs.
// Apart from schema.ts only to keep each file readable; DB there lists these tables too.

export type SurveyKind = "csat" | "nps" | "ces" | "still_fixed";
export type SurveyStatus = "scheduled" | "sent" | "answered" | "expired" | "skipped";
export type SurveyTrigger = "resolution" | "closed_type" | "plan_completed" | "schedule";

export interface SurveyTable {
  id: string;
  workspace_id: string;
  kind: SurveyKind;
  contact_id: string;
  company_id: string | null;
  ticket_id: string | null;
  plan_id: string | null;
  /** The agent the answer is about: the ticket's assignee when it was resolved. */
  agent_id: string | null;
  trigger: SurveyTrigger;
  status: SurveyStatus;
  /** Why a survey was not sent: 'quiet' (asked recently), 'unsubscribed', 'stale', 'reopened'… */
  skip_reason: string | null;
  /** sha256 of the one-time answer link's token (auth/tokens.ts hashToken). */
  token_hash: string | null;
  /** sha256 of the unsubscribe link's token. */
  unsubscribe_token_hash: string | null;
  send_at: string;
  sent_at: string | null;
  expires_at: string | null;
  /** CSAT 1–5, NPS 0–10, CES 1–7; null for "Still fixed?". */
  score: number | null;
  /** "Still fixed?": 'yes' or 'no'. */
  answer: "yes" | "no" | null;
  comment: string | null;
  answered_at: string | null;
  answered_via: "email" | "portal" | null;
  created_at: string;
  /**
   * "Still fixed?" (migration 0019): the ticket's resolved_at it asks about; its answer acts on
   * the ticket only while that is still the ticket's resolution. Null for other kinds.
   */
  ticket_resolved_at?: string | null;
  /** "Still fixed?" answered (migration 0019): what the answer did to the ticket. */
  answer_outcome?: StillFixedOutcome | null;
}

/** Closed the ticket, reopened it, opened a follow-up of the closed ticket, or only recorded. */
export type StillFixedOutcome = "closed" | "reopened" | "follow_up" | "recorded";

export interface SurveySettingsTable {
  workspace_id: string;
  csat_enabled: boolean;
  csat_delivery: "resolution_email" | "separate_email";
  /** With separate_email: how long after the resolution (0–60 minutes). */
  csat_delay_minutes: number;
  nps_enabled: boolean;
  nps_first_days: number;
  nps_every_days: number;
  ces_enabled: boolean;
  ces_after_plan: boolean;
  /** JSON array of ticket types whose closing asks for CES. */
  ces_ticket_types: string;
  /** Days after a resolution to ask "Still fixed?"; 0 is off. */
  still_fixed_days: number;
  /** A contact is asked at most one survey within this many days. */
  quiet_days: number;
  /** CSAT at or below this makes a follow-up task (default 2). */
  csat_follow_up_max: number;
  /** NPS at or below this is a detractor (default 6). */
  nps_detractor_max: number;
  cs_lead_agent_id: string | null;
  slack_webhook_url: string | null;
  kb_no_rate_pct: number;
  kb_no_days: number;
  kb_min_votes: number;
  /** JSON array of agent ids; empty means the workspace's admins. */
  report_agent_ids: string;
  updated_at: string;
}

export interface AgentTaskTable {
  id: string;
  workspace_id: string;
  agent_id: string | null;
  title: string;
  body: string;
  due_at: string | null;
  status: "open" | "done";
  done_at: string | null;
  done_by_agent_id: string | null;
  ticket_id: string | null;
  contact_id: string | null;
  company_id: string | null;
  survey_id: string | null;
  source: "csat" | "nps" | "manual";
  created_at: string;
}

export interface KbArticleHealthTable {
  workspace_id: string;
  article_id: string;
  /** 'YYYY-MM-DD' in the workspace's time zone. */
  day: string;
  votes: number;
  no_votes: number;
  over: boolean;
}

export interface KbArticleAlertTable {
  article_id: string;
  workspace_id: string;
  article_updated_at: string;
  alerted_at: string;
  recovered_at: string | null;
}

export interface MonthlyReportTable {
  id: string;
  workspace_id: string;
  /** 'YYYY-MM' of the month reported on. */
  month: string;
  /** JSON: insights/monthly-report.ts MonthlyReport. */
  data: string;
  created_at: string;
}

export interface ScheduledJobTable {
  id: string;
  workspace_id: string | null;
  kind: string;
  key: string;
  /** JSON. */
  payload: string;
  run_at: string;
  status: "pending" | "done" | "skipped" | "failed";
  attempts: number;
  locked_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  finished_at: string | null;
  created_at: string;
}

export interface SurveyDB {
  surveys: SurveyTable;
  survey_settings: SurveySettingsTable;
  agent_tasks: AgentTaskTable;
  kb_article_health: KbArticleHealthTable;
  kb_article_alerts: KbArticleAlertTable;
  monthly_reports: MonthlyReportTable;
  scheduled_jobs: ScheduledJobTable;
}
