// Days in a workspace's time zone. A day is the local calendar day; its start is the instant of
// local midnight. Offsets come from Intl, so they follow the zone's daylight-saving rules; the
// SQL that buckets timestamps by day gets the offsets as a few segments (see offsetSegments).

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an unknown one falls back to UTC everywhere here). */
export function isKnownZone(zone: string): boolean {
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in minutes (east positive). */
export function offsetMinutes(zone: string, at: number): number {
  if (zone === "UTC" || !isKnownZone(zone)) return 0;
  const parts: Record<string, number> = {};
  for (const p of formatterOf(zone).formatToParts(new Date(at))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return Math.round((asUtc - Math.floor(at / 1000) * 1000) / 60_000);
}

/** 'YYYY-MM-DD' of the local day an instant falls on. */
export function localDay(zone: string, at: number): string {
  return new Date(at + offsetMinutes(zone, at) * 60_000).toISOString().slice(0, 10);
}

/** The instant local midnight starts a day ('YYYY-MM-DD'). */
export function startOfDay(zone: string, day: string): number {
  const guess = Date.parse(`${day}T00:00:00.000Z`);
  const first = guess - offsetMinutes(zone, guess) * 60_000;
  const second = guess - offsetMinutes(zone, first) * 60_000;
  return second;
}

/** The day after (or n days after) a 'YYYY-MM-DD' day. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from one 'YYYY-MM-DD' to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/** Monday of the week of a 'YYYY-MM-DD' day. */
export function mondayOf(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  return addDays(day, -((d.getUTCDay() + 6) % 7));
}

/** A stretch of time with one offset: until `until` (exclusive, ISO; null: the end). */
export interface OffsetSegment {
  until: string | null;
  offset: number;
}

/**
 * The zone's offsets over [from, to): one segment per daylight-saving change (at most two in a
 * year's range). Each change is found to the minute by bisection between two day boundaries.
 */
export function offsetSegments(zone: string, from: number, to: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  let offset = offsetMinutes(zone, from);
  let at = from;
  while (at < to) {
    const next = Math.min(at + DAY_MS, to);
    const o = offsetMinutes(zone, next);
    if (o !== offset) {
      let lo = at;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetMinutes(zone, mid) === offset) lo = mid;
        else hi = mid;
      }
      segments.push({ until: new Date(hi).toISOString(), offset });
      offset = o;
    }
    at = next;
  }
  segments.push({ until: null, offset });
  return segments;
}
