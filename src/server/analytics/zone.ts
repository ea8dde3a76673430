// Days in a workspace's time zone. A day is the local calendar day; its start is the instant of
// local midnight. Offsets come from Intl, so they follow the zone's daylight-saving rules; the
// SQL that buckets timestamps by day gets the offsets as a few segments (see offsetSegments).

import { addDays, isTimeZone, offsetAt, startOfLocalDay, zoneOrUtc } from "../lib/zoned-time.ts";

export { addDays, daysBetween } from "../lib/zoned-time.ts";

const DAY_MS = 86_400_000;

/** The zone's offset from UTC at an instant, in minutes (east positive); an unknown zone is UTC. */
export function offsetMinutes(zone: string, at: number): number {
  if (zone === "UTC" || !isTimeZone(zone)) return 0;
  return Math.round(offsetAt(at, zone) / 60_000);
}

/** 'YYYY-MM-DD' of the local day an instant falls on. */
export function localDay(zone: string, at: number): string {
  return new Date(at + offsetMinutes(zone, at) * 60_000).toISOString().slice(0, 10);
}

/** The instant local midnight starts a day ('YYYY-MM-DD'). */
export function startOfDay(zone: string, day: string): number {
  return startOfLocalDay(day, zoneOrUtc(zone)).getTime();
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
