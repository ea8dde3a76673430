import type { AgentActor, WorkspaceSystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";

// The numbers of a period, as the dashboard and the monthly report read them. Durations are in
// seconds; a median or percentile of nothing is null; rates are 0–1.

export interface Range {
  /** Inclusive, ISO instant. */
  from: string;
  /** Exclusive, ISO instant. */
  to: string;
}

export interface Durations {
  median: number | null;
  p90: number | null;
  count: number;
}

export interface PeriodSummary {
  range: Range;
  created: number;
  resolved: number;
  /** Open (not resolved or closed) at the end of the range. */
  backlog: number;
  firstResponse: Durations;
  resolution: Durations;
  csat: { average: number | null; count: number; satisfiedRate: number | null };
  /** NPS: % promoters (9–10) − % detractors (0–6), −100…100. */
  nps: { score: number | null; count: number; promoters: number; passives: number; detractors: number };
  ces: { average: number | null; count: number };
  /** Portal visits that saw suggestions and did not submit, over visits that saw suggestions. */
  deflection: { rate: number | null; visits: number };
  byType: { type: string; created: number; csatAverage: number | null; csatCount: number }[];
  byChannel: { channel: string; created: number }[];
  byAgent: {
    agentId: string;
    name: string;
    resolved: number;
    csatAverage: number | null;
    csatCount: number;
    firstResponseMedian: number | null;
  }[];
}

/** The summary of one range for the actor's workspace. */
export async function periodSummary(
  ctx: AppContext,
  actor: AgentActor | WorkspaceSystemActor,
  range: Range,
): Promise<PeriodSummary> {
  void ctx;
  void actor;
  void range;
  throw new Error("periodSummary: not built yet");
}
