// A workspace's business hours in its time zone, and due dates counted in them: "within 1
// business day" is the next moment by which that many working hours have passed.

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

/**
 * The moment by which `days` business days of working time have passed after `start`, counting
 * only the open hours of open days in `timeZone` (one business day = one day's open hours).
 */
export function addBusinessDays(start: Date, days: number, hours: BusinessHours, timeZone: string): Date {
  void start;
  void days;
  void hours;
  void timeZone;
  throw new Error("addBusinessDays: not built yet");
}
