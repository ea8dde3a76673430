// Days and months on a workspace's clock: the local date of an instant in an IANA time zone, the
// instant a local day or month starts, and plain arithmetic on 'YYYY-MM-DD' and 'YYYY-MM'. An
// unknown time zone reads as UTC. Daylight-saving changes are handled: a local day may last 23
// or 25 hours.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-CA", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      f = formatterOf("UTC");
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in the time zone. */
function partsOf(instant: Date, timeZone: string) {
  const p: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
function offsetAt(instant: Date, timeZone: string): number {
  const p = partsOf(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The local date ('YYYY-MM-DD') of an instant in the time zone. */
export function localDay(instant: Date, timeZone: string): string {
  const p = partsOf(instant, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The local month ('YYYY-MM') of an instant in the time zone. */
export const localMonth = (instant: Date, timeZone: string) => localDay(instant, timeZone).slice(0, 7);

/** The instant a local day starts (its midnight, or the first moment after a skipped one). */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the offset at the answer across a change.
  let t = wall - offsetAt(new Date(wall), timeZone);
  t = wall - offsetAt(new Date(t), timeZone);
  return new Date(t);
}

/** The day `n` days after (or before) a 'YYYY-MM-DD'. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The month `n` months after (or before) a 'YYYY-MM'. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

export const MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$";
export const isMonth = (s: string) => new RegExp(MONTH_PATTERN).test(s);

/** A local month as instants: from its first moment (inclusive) to the next month's (exclusive). */
export function monthRange(month: string, timeZone: string): { from: string; to: string } {
  return {
    from: startOfLocalDay(`${month}-01`, timeZone).toISOString(),
    to: startOfLocalDay(`${addMonths(month, 1)}-01`, timeZone).toISOString(),
  };
}
