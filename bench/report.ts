import { fmtInt, fmtKb, fmtMs, fmtPct, round2, table } from "./lib/format.ts";
import type { Measured, Named } from "./lib/load.ts";
import type { MachineInfo } from "./lib/machine.ts";
import type { Metric } from "./lib/results.ts";
import type { SeedOutcome } from "./lib/seed.ts";
import type { Settings } from "./lib/settings.ts";
import { SEARCH_TERM } from "./lib/words.ts";
import { ANALYTICS_P99_MS } from "./scenarios/analytics.ts";
import { WORK_HOME_TARGET } from "./scenarios/portal-home-work.ts";
import type { SubmissionsResult } from "./scenarios/submissions.ts";
import type { PortalResult } from "./scenarios/submit-page.ts";
import { portalForFile } from "./scenarios/submit-page.ts";

// What bench/run.ts prints and saves once everything is measured.

export interface Target {
  name: string;
  value: string;
  status: string;
}

/** Every measurement beside the bare server's; returns each one's requests/s over bare's. */
export function printMeasurements(measured: Named[]): Record<string, number> {
  const bare = (measured.find((x) => x.key === "bare") as Named).m;
  console.log(
    table(
      ["", "req/s", "p50 ms", "p90 ms", "p99 ms", "vs bare req/s", "vs bare p50"],
      measured.map(({ key, label, m }) => [
        label,
        fmtInt(m.rps),
        fmtMs(m.p50),
        fmtMs(m.p90),
        fmtMs(m.p99),
        key === "bare" ? "" : fmtPct(m.rps / bare.rps),
        key === "bare" ? "" : `${(m.p50 / bare.p50).toFixed(1)}×`,
      ]),
    ),
  );
  const ratios: Record<string, number> = {};
  for (const { key, m } of measured) if (key !== "bare") ratios[`${key}_vs_bare`] = m.rps / bare.rps;
  return ratios;
}

/**
 * The targets (the throughput ones apply to SQLite only) and the submissions' check; a partial
 * run (--only) gets those of what it measured.
 */
export function targetsOf(
  engine: string,
  ratios: Record<string, number>,
  submissions: SubmissionsResult | undefined,
  portal: PortalResult | undefined,
  measured: Named[] = [],
): Target[] {
  const gate = engine === "sqlite";
  const status = (ok: boolean, applies = true) => (applies ? (ok ? "PASS" : "MISS") : "info");
  const targets: Target[] = [];
  const ratioTarget = (key: string, name: string, min: number) => {
    const ratio = ratios[`${key}_vs_bare`];
    if (ratio !== undefined) targets.push({ name, value: fmtPct(ratio), status: status(ratio >= min, gate) });
  };
  ratioTarget("tracking", "tracking read ≥ 50% of bare (SQLite)", 0.5);
  ratioTarget("portal_home", "signed-in portal home ≥ 25% of bare (SQLite)", 0.25);
  ratioTarget(
    "work_home",
    `portal home, five sections, busy company ≥ ${WORK_HOME_TARGET * 100}% of bare (SQLite)`,
    WORK_HOME_TARGET,
  );
  const year = measured.find((x) => x.key === "analytics_year");
  if (year) {
    targets.push({
      name: `analytics dashboard, a year of data, p99 < ${ANALYTICS_P99_MS} ms (SQLite)`,
      value: `${fmtMs(year.m.p99)} ms`,
      status: status(year.m.p99 < ANALYTICS_P99_MS, gate),
    });
  }
  if (submissions) {
    const submitRate = submissions.sub.rps;
    targets.push({
      name: "≥ 1,500 durable submissions/s (SQLite)",
      value: `${fmtInt(submitRate)}/s`,
      status: status(submitRate >= 1500, gate),
    });
  }
  if (portal) {
    targets.push({
      name: "submit page JavaScript ≤ 50 KB gzipped",
      value: fmtKb(portal.jsGzipBytes),
      status: status(portal.jsGzipBytes <= 50 * 1024),
    });
  }
  if (submissions) {
    targets.push({
      name: "every submission made exactly one ticket",
      value: `+${fmtInt(submissions.check.grew)} / ${fmtInt(submissions.sub.ok)}`,
      status: submissions.check.verified ? "OK" : "FAILED",
    });
  }
  return targets;
}

export function printTargets(engine: string, targets: Target[]): void {
  console.log(
    table(
      ["target", "measured", ""],
      targets.map((t) => [t.name, t.value, t.status]),
    ),
  );
  if (engine !== "sqlite")
    console.log("(the throughput targets are set for SQLite; on PostgreSQL they are shown for information)");
}

/** The flat map of numbers compared with the previous run's, each with its better direction. */
export function metricsOf(
  measured: Named[],
  ratios: Record<string, number>,
  seed: SeedOutcome,
  submissions: SubmissionsResult,
  portal: PortalResult,
): Record<string, Metric> {
  const metrics: Record<string, Metric> = {};
  for (const { key, m } of measured) {
    metrics[`${key}.rps`] = { value: m.rps, better: "higher" };
    metrics[`${key}.p50_ms`] = { value: m.p50, better: "lower" };
    metrics[`${key}.p99_ms`] = { value: m.p99, better: "lower" };
    if (m.cpuMsPerRequest !== undefined) {
      metrics[`${key}.cpu_ms_per_request`] = { value: m.cpuMsPerRequest, better: "lower" };
    }
  }
  for (const [k, v] of Object.entries(ratios)) metrics[`ratio.${k}`] = { value: v, better: "higher" };
  metrics["seed.tickets_per_s"] = { value: seed.ticketsPerSecond, better: "higher" };
  metrics["submit.emails_drain_per_s"] = { value: submissions.delivery.drainPerSecond, better: "higher" };
  metrics["portal.js_gzip_bytes"] = { value: portal.jsGzipBytes, better: "lower" };
  if (!("skipped" in portal.browser)) {
    metrics["portal.fcp_ms"] = { value: portal.browser.fcpMs, better: "lower" };
    metrics["portal.input_ms"] = { value: portal.browser.inputMs, better: "lower" };
  }
  return metrics;
}

const measurementForFile = (label: string, m: Measured) => ({
  label,
  rps: Math.round(m.rps),
  p50Ms: round2(m.p50),
  p90Ms: round2(m.p90),
  p99Ms: round2(m.p99),
  responses2xx: m.ok,
  non2xx: m.non2xx,
  errors: m.errors,
  seconds: round2(m.seconds),
  statusCodes: m.statusCodes,
});

/** bench/results/<engine>-latest.json: its keys are what the next run compares with. */
export function resultsJson(run: {
  engine: string;
  date: string;
  machine: MachineInfo;
  settings: Settings;
  seed: SeedOutcome;
  measured: Named[];
  submissions: SubmissionsResult;
  ratios: Record<string, number>;
  targets: Target[];
  portal: PortalResult;
  metrics: Record<string, Metric>;
}) {
  const { settings, seed, submissions } = run;
  return {
    engine: run.engine,
    date: run.date,
    machine: run.machine,
    settings: {
      tickets: settings.tickets,
      duration: settings.duration,
      warmup: settings.warmup,
      connections: settings.connections,
      pageLoads: settings.pageLoads,
      rateLimits: settings.redisUrl ? "redis" : "memory",
      databaseVersion: seed.databaseVersion,
    },
    seed: {
      tickets: seed.tickets,
      contacts: seed.contacts,
      companies: seed.companies,
      seconds: Math.round(seed.seconds * 10) / 10,
      ticketsPerSecond: Math.round(seed.ticketsPerSecond),
      searchTerm: SEARCH_TERM,
      searchMatches: seed.searchMatches,
      statusOpen: seed.statusOpen,
    },
    measurements: Object.fromEntries(
      run.measured.map(({ key, label, m }) => [key, measurementForFile(label, m)]),
    ),
    submissionCheck: submissions.check,
    submissionEmails: {
      sentDuringSubmissions: submissions.delivery.sentDuringSubmissions,
      waitingAtEnd: submissions.delivery.waitingAtEnd,
      drainPerSecond: Math.round(submissions.delivery.drainPerSecond),
    },
    ratios: Object.fromEntries(Object.entries(run.ratios).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
    targets: run.targets,
    portal: portalForFile(run.portal),
    metrics: Object.fromEntries(
      Object.entries(run.metrics).map(([k, m]) => [
        k,
        { value: Math.round(m.value * 1000) / 1000, better: m.better },
      ]),
    ),
  };
}
