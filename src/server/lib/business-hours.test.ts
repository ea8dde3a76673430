import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addBusinessDays, type BusinessHours, parseBusinessHours } from "./business-hours.ts";

// Due dates in working time: one business day is one day's open hours, counted only while the
// workspace is open, in its own time zone, across changes to and from summer time.

const nineToFive: BusinessHours = { days: [1, 2, 3, 4, 5], open: "09:00", close: "17:00" };
const due = (start: string, zone = "UTC", days = 1, hours = nineToFive) =>
  addBusinessDays(new Date(start), days, hours, zone).toISOString();

describe("addBusinessDays", () => {
  test("UTC, 9–17 Monday to Friday", () => {
    // 2026-12-04 is a Friday.
    assert.equal(due("2026-12-04T16:00:00Z"), "2026-12-07T16:00:00.000Z", "Fri 16:00 → Mon 16:00");
    assert.equal(due("2026-12-05T10:00:00Z"), "2026-12-07T17:00:00.000Z", "Sat 10:00 → Mon 17:00");
    assert.equal(due("2026-12-02T08:00:00Z"), "2026-12-02T17:00:00.000Z", "Wed 08:00 → Wed 17:00");
    assert.equal(due("2026-12-02T09:00:00Z"), "2026-12-02T17:00:00.000Z", "Wed 09:00 → Wed 17:00");
    assert.equal(due("2026-12-02T12:30:00Z"), "2026-12-03T12:30:00.000Z", "Wed 12:30 → Thu 12:30");
    assert.equal(due("2026-12-02T17:00:00Z"), "2026-12-03T17:00:00.000Z", "Wed 17:00 → Thu 17:00");
    assert.equal(due("2026-12-02T20:00:00Z"), "2026-12-03T17:00:00.000Z", "Wed 20:00 → Thu 17:00");
    assert.equal(due("2026-12-04T16:00:00Z", "UTC", 2), "2026-12-08T16:00:00.000Z", "two days");
  });

  test("a zone other than UTC: Tokyo (UTC+9) counts its own mornings", () => {
    // Friday 16:00 in Tokyo is 07:00 UTC.
    assert.equal(due("2026-12-04T07:00:00Z", "Asia/Tokyo"), "2026-12-07T07:00:00.000Z");
    // Friday 20:00 UTC is already Saturday 05:00 in Tokyo: due Monday 17:00 there.
    assert.equal(due("2026-12-04T20:00:00Z", "Asia/Tokyo"), "2026-12-07T08:00:00.000Z");
  });

  test("New York across the change to summer time (2026-03-08)", () => {
    // Friday 2026-03-06 16:00 EST = 21:00 UTC; Monday 16:00 EDT = 20:00 UTC.
    assert.equal(due("2026-03-06T21:00:00Z", "America/New_York"), "2026-03-09T20:00:00.000Z");
    // Saturday before the change → Monday 17:00 EDT.
    assert.equal(due("2026-03-07T15:00:00Z", "America/New_York"), "2026-03-09T21:00:00.000Z");
  });

  test("Berlin across the change back to winter time (2026-10-25), open seven days", () => {
    const everyDay: BusinessHours = { days: [1, 2, 3, 4, 5, 6, 7], open: "09:00", close: "17:00" };
    // Saturday 16:00 CEST = 14:00 UTC; Sunday 16:00 CET = 15:00 UTC (25 hours later on the wall).
    assert.equal(due("2026-10-24T14:00:00Z", "Europe/Berlin", 1, everyDay), "2026-10-25T15:00:00.000Z");
  });

  test("open hours that span the night of a change still count real hours", () => {
    const night: BusinessHours = { days: [1, 2, 3, 4, 5, 6, 7], open: "00:00", close: "06:00" };
    // Berlin, Sunday 2026-03-29: 02:00 → 03:00, so 00:00–06:00 holds only 5 real hours. From
    // Saturday 05:30 CET (04:30 UTC), six hours of work: half an hour on Saturday, five on
    // Sunday, the last half hour from Monday 00:00 CEST (Sunday 22:00 UTC).
    assert.equal(due("2026-03-28T04:30:00Z", "Europe/Berlin", 1, night), "2026-03-29T22:30:00.000Z");
  });

  test("a malformed setting reads as the default", () => {
    assert.deepEqual(parseBusinessHours("nonsense"), nineToFive);
    assert.deepEqual(parseBusinessHours('{"days":[1],"open":"18:00","close":"09:00"}'), nineToFive);
  });
});
