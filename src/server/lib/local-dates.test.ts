import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addDays,
  addMonths,
  isMonth,
  localDay,
  localMonth,
  monthRange,
  startOfLocalDay,
} from "./local-dates.ts";

test("the local day of an instant follows the time zone", () => {
  const i = new Date("2026-03-01T03:30:00.000Z");
  assert.equal(localDay(i, "UTC"), "2026-03-01");
  assert.equal(localDay(i, "America/New_York"), "2026-02-28");
  assert.equal(localDay(i, "Asia/Tokyo"), "2026-03-01");
  assert.equal(localMonth(i, "America/New_York"), "2026-02");
  assert.equal(localDay(i, "Not/A_Zone"), "2026-03-01", "an unknown zone reads as UTC");
});

test("a local day starts at its midnight, across daylight-saving changes", () => {
  assert.equal(startOfLocalDay("2026-10-01", "Europe/Berlin").toISOString(), "2026-09-30T22:00:00.000Z");
  // Berlin leaves summer time on 25 October 2026: that day lasts 25 hours.
  assert.equal(startOfLocalDay("2026-10-25", "Europe/Berlin").toISOString(), "2026-10-24T22:00:00.000Z");
  assert.equal(startOfLocalDay("2026-10-26", "Europe/Berlin").toISOString(), "2026-10-25T23:00:00.000Z");
  // New York springs forward on 8 March 2026.
  assert.equal(startOfLocalDay("2026-03-08", "America/New_York").toISOString(), "2026-03-08T05:00:00.000Z");
  assert.equal(startOfLocalDay("2026-03-09", "America/New_York").toISOString(), "2026-03-09T04:00:00.000Z");
  assert.equal(startOfLocalDay("2026-03-09", "UTC").toISOString(), "2026-03-09T00:00:00.000Z");
});

test("days and months add up across month and year ends", () => {
  assert.equal(addDays("2026-02-28", 1), "2026-03-01");
  assert.equal(addDays("2026-01-01", -1), "2025-12-31");
  assert.equal(addMonths("2026-01", -1), "2025-12");
  assert.equal(addMonths("2026-12", 1), "2027-01");
  assert.deepEqual(monthRange("2026-10", "Europe/Berlin"), {
    from: "2026-09-30T22:00:00.000Z",
    to: "2026-10-31T23:00:00.000Z",
  });
  assert.equal(isMonth("2026-10"), true);
  assert.equal(isMonth("2026-13"), false);
  assert.equal(isMonth("2026-1"), false);
});
