import assert from "node:assert/strict";
import { test } from "node:test";
import { isTimeZone, localDate, localMonth, localParts, zonedTime } from "./zoned-time.ts";

const iso = (d: Date) => d.toISOString();

test("localParts: the same moment is a different day on either side of the date line", () => {
  const m = new Date("2026-06-15T23:30:00Z");
  assert.deepEqual(localParts(m, "UTC"), { year: 2026, month: 6, day: 15, hour: 23, minute: 30, second: 0 });
  // Auckland is UTC+12 in June (winter), Los Angeles UTC-7 (summer time).
  assert.equal(localDate(localParts(m, "Pacific/Auckland")), "2026-06-16");
  assert.equal(localParts(m, "Pacific/Auckland").hour, 11);
  assert.equal(localDate(localParts(m, "America/Los_Angeles")), "2026-06-15");
  assert.equal(localParts(m, "America/Los_Angeles").hour, 16);
  assert.equal(localMonth(localParts(new Date("2026-12-31T12:00:00Z"), "Pacific/Auckland")), "2027-01");
  // Midnight reads as hour 0, not 24.
  assert.equal(localParts(new Date("2026-06-15T00:00:00Z"), "UTC").hour, 0);
});

test("zonedTime: a local wall-clock time to its moment, in and out of daylight saving", () => {
  assert.equal(iso(zonedTime(2026, 6, 16, 6, 0, "Pacific/Auckland")), "2026-06-15T18:00:00.000Z");
  assert.equal(iso(zonedTime(2026, 1, 16, 6, 0, "Pacific/Auckland")), "2026-01-15T17:00:00.000Z");
  assert.equal(iso(zonedTime(2026, 6, 15, 10, 0, "America/Los_Angeles")), "2026-06-15T17:00:00.000Z");
  assert.equal(iso(zonedTime(2026, 12, 15, 10, 0, "America/Los_Angeles")), "2026-12-15T18:00:00.000Z");
  assert.equal(iso(zonedTime(2026, 3, 1, 7, 0, "UTC")), "2026-03-01T07:00:00.000Z");
  assert.equal(iso(zonedTime(2026, 3, 1, 7, 0, "Asia/Kolkata")), "2026-03-01T01:30:00.000Z");
  // Days and months roll over.
  assert.equal(iso(zonedTime(2026, 13, 1, 0, 0, "UTC")), "2027-01-01T00:00:00.000Z");
  // Round trip over a year, every 7 hours, in zones with and without daylight saving.
  for (const tz of ["Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin", "Asia/Kathmandu"]) {
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7 * 3600_000) {
      const p = localParts(new Date(ms), tz);
      const back = zonedTime(p.year, p.month, p.day, p.hour, p.minute, tz).getTime();
      // A time shown twice (autumn) answers its first showing: at most an hour earlier.
      assert.ok(back === ms || back === ms - 3600_000, `${tz} ${new Date(ms).toISOString()}`);
      assert.deepEqual(localParts(new Date(back), tz), p);
    }
  }
});

test("zonedTime: a skipped time lands after the jump, a repeated one at its first showing", () => {
  // Los Angeles springs forward at 02:00 on 8 March 2026: 02:30 does not exist, 03:30 PDT does.
  assert.equal(iso(zonedTime(2026, 3, 8, 2, 30, "America/Los_Angeles")), "2026-03-08T10:30:00.000Z");
  // It falls back at 02:00 on 1 November: 01:30 is shown first in PDT (UTC-7).
  assert.equal(iso(zonedTime(2026, 11, 1, 1, 30, "America/Los_Angeles")), "2026-11-01T08:30:00.000Z");
  // Auckland falls back at 03:00 on 5 April 2026: 02:30 is shown first in NZDT (UTC+13).
  assert.equal(iso(zonedTime(2026, 4, 5, 2, 30, "Pacific/Auckland")), "2026-04-04T13:30:00.000Z");
  // And springs forward at 02:00 on 27 September: 02:30 lands at 03:30 NZDT.
  assert.equal(iso(zonedTime(2026, 9, 27, 2, 30, "Pacific/Auckland")), "2026-09-26T14:30:00.000Z");
});

test("isTimeZone: IANA names yes, anything else no", () => {
  assert.equal(isTimeZone("Pacific/Auckland"), true);
  assert.equal(isTimeZone("UTC"), true);
  assert.equal(isTimeZone("Mars/Olympus_Mons"), false);
  assert.equal(isTimeZone(""), false);
});
