import { validationFailed } from "../errors.ts";
import { addDays, daysBetween } from "./zone.ts";

// The dashboard's date range: whole local days, from and to inclusive ('YYYY-MM-DD'), at most
// 366 days; by default the last 30 days up to today. The previous period is as many days,
// ending the day before `from`.

export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

export interface DayRange {
  from: string;
  to: string;
}

/** The presets the dashboard offers, each ending today. */
export const PRESETS = [
  { key: "7d", label: "Last 7 days", days: 7 },
  { key: "30d", label: "Last 30 days", days: 30 },
  { key: "90d", label: "Last 90 days", days: 90 },
  { key: "12m", label: "Last 12 months", days: 365 },
] as const;

export const presetRange = (today: string, days: number): DayRange => ({
  from: addDays(today, -(days - 1)),
  to: today,
});

const isDay = (s: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** The range a query asks for; 400 with the field at fault when it is not one. */
export function readDayRange(
  q: { from?: string | undefined; to?: string | undefined },
  today: string,
): DayRange {
  if (q.from !== undefined && !isDay(q.from)) throw validationFailed({ from: "must be a date (YYYY-MM-DD)" });
  if (q.to !== undefined && !isDay(q.to)) throw validationFailed({ to: "must be a date (YYYY-MM-DD)" });
  const to = q.to ?? (q.from !== undefined && q.from > today ? q.from : today);
  const from = q.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw validationFailed({ to: "must be on or after the start date" });
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) {
    throw validationFailed({ to: `must be at most ${MAX_RANGE_DAYS} days after the start date` });
  }
  return { from, to };
}

/** The period just before: as many days, ending the day before `from`. */
export function previousRange(r: DayRange): DayRange {
  const length = daysBetween(r.from, r.to) + 1;
  return { from: addDays(r.from, -length), to: addDays(r.from, -1) };
}
