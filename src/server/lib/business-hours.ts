// A workspace's business hours in its time zone, and due dates counted in them: "within 1
// business day" is the next moment by which that many working hours have passed.

import { localParts, offsetAt } from "./zoned-time.ts";

export interface BusinessHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** "HH:MM", 24-hour clock, in the workspace's time zone. */
  open: string;
  close: string;
}

export const DEFAULT_BUSINESS_HOURS = '{"days":[1,2,3,4,5],"open":"09:00","close":"17:00"}';

/** workspaces.business_hours as stored; a malformed value reads as the default. */
export function parseBusinessHours(json: string): BusinessHours {
  try {
    const v = JSON.parse(json) as Partial<BusinessHours>;
    const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
    if (
      Array.isArray(v.days) &&
      v.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7) &&
      typeof v.open === "string" &&
      hhmm.test(v.open) &&
      typeof v.close === "string" &&
      hhmm.test(v.close) &&
      v.open < v.close
    ) {
      return { days: [...new Set(v.days)].sort(), open: v.open, close: v.close };
    }
  } catch {
    // the default below
  }
  return JSON.parse(DEFAULT_BUSINESS_HOURS) as BusinessHours;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The instant a wall-clock time of a calendar day has in `timeZone`: of the two guesses from the
 * offsets around it, the earlier that shows it, else the later (a time skipped by a change to
 * summer time reads as the same number of minutes after the change).
 */
function instantOf(y: number, mo: number, d: number, minutes: number, timeZone: string): number {
  const naive = Date.UTC(y, mo - 1, d, 0, minutes);
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  const candidates = [first, second].sort((a, b) => a - b);
  for (const c of candidates) {
    if (c + offsetAt(c, timeZone) === naive) return c;
  }
  return Math.max(first, second);
}

/**
 * The moment by which `days` business days of working time have passed after `start`, counting
 * only the open hours of open days in `timeZone` (one business day = one day's open hours).
 * A start outside the hours counts from the next opening; an end at a closing stays there
 * (Friday 16:00 plus one 9–17 day is Monday 16:00; Saturday 10:00 is Monday 17:00).
 */
export function addBusinessDays(start: Date, days: number, hours: BusinessHours, timeZone: string): Date {
  const openMin = minutesOf(hours.open);
  const closeMin = minutesOf(hours.close);
  let remaining = Math.round(days * (closeMin - openMin) * 60_000);
  if (remaining <= 0 || hours.days.length === 0) return new Date(start.getTime());
  const open = new Set(hours.days);
  const cursor = start.getTime();
  const w = localParts(start, timeZone);
  // Walk calendar days in the zone (UTC dates as plain counters: no zone rules apply to them).
  let day = Date.UTC(w.year, w.month - 1, w.day);
  // A year of closed days is far more than any real schedule; the bound keeps a bad value finite.
  for (let i = 0; i < 400 + days * 7; i++) {
    const cal = new Date(day);
    const y = cal.getUTCFullYear();
    const mo = cal.getUTCMonth() + 1;
    const d = cal.getUTCDate();
    const iso = ((cal.getUTCDay() + 6) % 7) + 1;
    if (open.has(iso)) {
      const from = Math.max(cursor, instantOf(y, mo, d, openMin, timeZone));
      const until = instantOf(y, mo, d, closeMin, timeZone);
      if (from < until) {
        if (until - from >= remaining) return new Date(from + remaining);
        remaining -= until - from;
      }
    }
    day += 86_400_000;
  }
  return new Date(cursor);
}

/** "YYYY-MM-DDTHH:MM" as the workspace's clock shows it (a form's datetime-local), as an instant; null if malformed. */
export function zonedInstant(local: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)$/.exec(local);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as number[];
  if ((mo as number) < 1 || (mo as number) > 12 || (d as number) < 1 || (d as number) > 31) return null;
  return new Date(
    instantOf(y as number, mo as number, d as number, (h as number) * 60 + (mi as number), timeZone),
  );
}

// ---- Minutes of working time (SLA targets): open hours of open days, holidays closed. ----

/** A workspace's working calendar: its hours, its zone and its holidays ('YYYY-MM-DD', local days). */
export interface WorkCalendar {
  hours: BusinessHours;
  timeZone: string;
  holidays: ReadonlySet<string>;
}

const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The open intervals [from, until) of the working calendar's days, from the local day of `start`
 * on, as instants; calls `visit` for each until it answers true. Bounded by `maxDays` calendar days.
 */
function eachOpenInterval(
  start: Date,
  cal: WorkCalendar,
  maxDays: number,
  visit: (from: number, until: number) => boolean,
): void {
  const openMin = minutesOf(cal.hours.open);
  const closeMin = minutesOf(cal.hours.close);
  const open = new Set(cal.hours.days);
  if (open.size === 0) return;
  const w = localParts(start, cal.timeZone);
  let day = Date.UTC(w.year, w.month - 1, w.day);
  for (let i = 0; i < maxDays; i++, day += 86_400_000) {
    const c = new Date(day);
    const iso = ((c.getUTCDay() + 6) % 7) + 1;
    if (!open.has(iso) || cal.holidays.has(dayKey(day))) continue;
    const y = c.getUTCFullYear();
    const mo = c.getUTCMonth() + 1;
    const d = c.getUTCDate();
    if (visit(instantOf(y, mo, d, openMin, cal.timeZone), instantOf(y, mo, d, closeMin, cal.timeZone)))
      return;
  }
}

/**
 * The moment by which `minutes` minutes of working time have passed after `start` (an SLA's
 * "4 business hours"): closed hours, closed weekdays and holidays do not count, in the calendar's
 * zone, across daylight-saving changes. A start outside the hours counts from the next opening.
 */
export function addBusinessMinutes(start: Date, minutes: number, cal: WorkCalendar): Date {
  let remaining = Math.round(minutes * 60_000);
  if (remaining <= 0) return new Date(start.getTime());
  const cursor = start.getTime();
  let answer = cursor;
  // Far more days than any real schedule needs; the bound keeps a calendar with nothing open finite.
  eachOpenInterval(start, cal, 800 + Math.ceil(minutes / 60) * 2, (open, close) => {
    const from = Math.max(cursor, open);
    if (from >= close) return false;
    if (close - from >= remaining) {
      answer = from + remaining;
      return true;
    }
    remaining -= close - from;
    return false;
  });
  return new Date(answer);
}

/** Minutes of working time between two moments, to the millisecond (0 when `to` is not after `from`). */
export function businessMinutesBetween(from: Date, to: Date, cal: WorkCalendar): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  const days = Math.ceil((b - a) / 86_400_000) + 2;
  eachOpenInterval(from, cal, days, (open, close) => {
    if (open >= b) return true;
    const lo = Math.max(a, open);
    const hi = Math.min(b, close);
    if (hi > lo) total += hi - lo;
    return false;
  });
  return total / 60_000;
}
