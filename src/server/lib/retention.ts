// How long a workspace keeps its operational records, in days; null keeps them forever. The
// defaults of a new workspace (and of every workspace when migration 0021 added them).

export interface RetentionDays {
  retention_outbox_days: number | null;
  retention_inbound_days: number | null;
  retention_search_misses_days: number | null;
  retention_events_days: number | null;
}

export const DEFAULT_RETENTION: RetentionDays = {
  retention_outbox_days: 90,
  retention_inbound_days: 30,
  retention_search_misses_days: 180,
  retention_events_days: 365,
};

/** The most days a setting may say (ten years); more is "keep forever". */
export const RETENTION_MAX_DAYS = 3650;

/** The instant `days` days before `now`, as ISO; null keeps forever. */
export function cutoffOf(now: Date, days: number | null): string | null {
  if (days === null || days <= 0) return null;
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}
