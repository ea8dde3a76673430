// Days and months on a workspace's clock: the local date of an instant in an IANA time zone, the
// instant a local day or month starts, and plain arithmetic on 'YYYY-MM-DD' and 'YYYY-MM'. An
// unknown time zone reads as UTC. Daylight-saving changes are handled: a local day may last 23
// or 25 hours. Built on zoned-time.ts.

import * as zoned from "./zoned-time.ts";

export { addDays, addMonths } from "./zoned-time.ts";

/** The local date ('YYYY-MM-DD') of an instant in the time zone. */
export const localDay = (instant: Date, timeZone: string): string =>
  zoned.localDate(zoned.localParts(instant, zoned.zoneOrUtc(timeZone)));

/** The local month ('YYYY-MM') of an instant in the time zone. */
export const localMonth = (instant: Date, timeZone: string) => localDay(instant, timeZone).slice(0, 7);

/** The instant a local day starts (its midnight, or the first moment after a skipped one). */
export const startOfLocalDay = (day: string, timeZone: string): Date =>
  zoned.startOfLocalDay(day, zoned.zoneOrUtc(timeZone));

export const MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$";
export const isMonth = (s: string) => new RegExp(MONTH_PATTERN).test(s);

/** A local month as instants: from its first moment (inclusive) to the next month's (exclusive). */
export function monthRange(month: string, timeZone: string): { from: string; to: string } {
  return {
    from: startOfLocalDay(`${month}-01`, timeZone).toISOString(),
    to: startOfLocalDay(`${zoned.addMonths(month, 1)}-01`, timeZone).toISOString(),
  };
}
