// Wall-clock time in an IANA time zone, with nothing but Intl: the local date and time of a
// moment, and the moment of a local date and time. Days, reports and schedules of a workspace are
// counted in its own zone. The only place that asks Intl about a zone; also the plain calendar
// arithmetic on 'YYYY-MM-DD' days and 'YYYY-MM' months (no zone rules apply to those).

export interface LocalParts {
  year: number;
  /** 1 … 12. */
  month: number;
  day: number;
  /** 0 … 23. */
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    // Throws a RangeError for a zone Intl does not know.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    if (formats.size > 500) formats.clear();
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone itself if Intl knows it, else "UTC". */
export const zoneOrUtc = (timeZone: string) => (isTimeZone(timeZone) ? timeZone : "UTC");

/** The local date and time of `date` in `timeZone`. */
export function localParts(date: Date, timeZone: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatIn(timeZone).formatToParts(date)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return {
    year: p.year ?? 0,
    month: p.month ?? 0,
    day: p.day ?? 0,
    hour: p.hour ?? 0,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "YYYY-MM-DD" of local parts. */
export const localDate = (p: Pick<LocalParts, "year" | "month" | "day">) =>
  `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;

/** "YYYY-MM" of local parts. */
export const localMonth = (p: Pick<LocalParts, "year" | "month">) => `${pad(p.year, 4)}-${pad(p.month)}`;

/** How far the zone's clock is ahead of UTC at `ms`, in ms (seconds dropped). */
export function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(new Date(ms), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The moment when the clocks of `timeZone` show y-m-d hh:mm (month 1 … 12; out-of-range days and
 * months roll over as in Date.UTC). A time skipped by a daylight-saving change lands as much
 * later as the clocks jumped (02:30 on a spring-forward night is 03:30); a time shown twice is
 * its first occurrence.
 */
export function zonedTime(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): Date {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const shows = (ms: number) => offsetAt(ms, timeZone) + ms === wall;
  // Near an offset change either guess may be the later of two showings: an hour either side too.
  const fits = [first, second, first - 3600_000, second - 3600_000, first + 3600_000, second + 3600_000]
    .filter(shows)
    .sort((a, b) => a - b);
  return new Date(fits[0] ?? Math.max(first, second));
}

/**
 * The instant a local day ('YYYY-MM-DD') starts in `timeZone`: its midnight, found from the
 * offset at a first guess and then at that answer (the two differ across a change).
 */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  return new Date(t);
}

const DAY_MS = 86_400_000;

/** The day `n` days after (or before) a 'YYYY-MM-DD'. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from one 'YYYY-MM-DD' to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/** The month `n` months after (or before) a 'YYYY-MM'. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}
