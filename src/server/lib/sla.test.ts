import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addBusinessMinutes, businessMinutesBetween, type WorkCalendar } from "./business-hours.ts";
import { choosePolicy, EMPTY_SLA, nextDueOf, type SlaPolicyRule, slaAfter, slaSweep } from "./sla.ts";

// SLA arithmetic in minutes of working time: open hours, weekends, holidays, time zones across
// daylight-saving changes, pauses while Waiting, the choice of policy and the sweep's marks.

const cal = (timeZone = "UTC", holidays: string[] = []): WorkCalendar => ({
  hours: { days: [1, 2, 3, 4, 5], open: "09:00", close: "17:00" },
  timeZone,
  holidays: new Set(holidays),
});
const add = (start: string, minutes: number, c = cal()) =>
  addBusinessMinutes(new Date(start), minutes, c).toISOString();

describe("addBusinessMinutes", () => {
  test("within a day, across the evening and a weekend (UTC)", () => {
    // 2026-12-02 is a Wednesday; 2026-12-04 a Friday.
    assert.equal(add("2026-12-02T10:00:00Z", 240), "2026-12-02T14:00:00.000Z");
    assert.equal(add("2026-12-02T15:00:00Z", 240), "2026-12-03T11:00:00.000Z", "2 h today, 2 h tomorrow");
    assert.equal(
      add("2026-12-04T16:00:00Z", 120),
      "2026-12-07T10:00:00.000Z",
      "Friday 16:00 + 2 h → Monday 10:00",
    );
    assert.equal(
      add("2026-12-05T12:00:00Z", 30),
      "2026-12-07T09:30:00.000Z",
      "Saturday counts from Monday's opening",
    );
    assert.equal(
      add("2026-12-02T20:00:00Z", 60),
      "2026-12-03T10:00:00.000Z",
      "after hours counts from the next opening",
    );
  });

  test("holidays are closed days", () => {
    // Thursday 2026-12-24 and Friday 2026-12-25 closed: Wednesday 16:00 + 2 h → Monday 10:00.
    assert.equal(
      add("2026-12-23T16:00:00Z", 120, cal("UTC", ["2026-12-24", "2026-12-25"])),
      "2026-12-28T10:00:00.000Z",
    );
  });

  test("a zone's own hours, across the change to summer time (New York, 2026-03-08)", () => {
    const ny = cal("America/New_York");
    // Friday 2026-03-06 16:00 EST (21:00 UTC) + 2 h → Monday 10:00 EDT (14:00 UTC).
    assert.equal(add("2026-03-06T21:00:00Z", 120, ny), "2026-03-09T14:00:00.000Z");
    // And back to winter time (2026-11-01): Friday 16:00 EDT (20:00 UTC) + 2 h → Monday 10:00 EST (15:00 UTC).
    assert.equal(add("2026-10-30T20:00:00Z", 120, ny), "2026-11-02T15:00:00.000Z");
    // Tokyo: Monday 09:00 JST is 00:00 UTC.
    assert.equal(add("2026-12-07T00:00:00Z", 60, cal("Asia/Tokyo")), "2026-12-07T01:00:00.000Z");
  });

  test("minutes between two moments count only working time", () => {
    const c = cal("UTC", ["2026-12-07"]);
    assert.equal(
      businessMinutesBetween(new Date("2026-12-04T16:00:00Z"), new Date("2026-12-08T10:00:00Z"), c),
      120,
    );
    assert.equal(
      businessMinutesBetween(new Date("2026-12-05T00:00:00Z"), new Date("2026-12-06T23:00:00Z"), c),
      0,
    );
  });
});

const rule = (over: Partial<SlaPolicyRule>): SlaPolicyRule => ({
  id: "p",
  priority: "high",
  ticketType: null,
  companyId: null,
  firstResponseMinutes: 240,
  nextResponseMinutes: 120,
  resolutionMinutes: 480,
  clock: "business",
  ...over,
});

describe("choosePolicy", () => {
  const policies = [
    rule({ id: "high" }),
    rule({ id: "high-bug", ticketType: "Bug Report" }),
    rule({ id: "high-acme", companyId: "acme" }),
    rule({ id: "high-acme-bug", companyId: "acme", ticketType: "Bug Report" }),
    rule({ id: "low", priority: "low" }),
  ];
  const pick = (priority: string, type: string, companyId: string | null) =>
    choosePolicy(policies, { priority, type, companyId })?.id ?? null;
  test("the most specific of the ticket's priority wins", () => {
    assert.equal(pick("high", "Support Request", null), "high");
    assert.equal(pick("high", "Bug Report", null), "high-bug");
    assert.equal(pick("high", "Support Request", "acme"), "high-acme");
    assert.equal(pick("high", "Bug Report", "acme"), "high-acme-bug");
    assert.equal(pick("low", "Bug Report", "acme"), "low");
    assert.equal(pick("urgent", "Bug Report", "acme"), null);
  });
});

describe("slaAfter", () => {
  const c = cal();
  const p = rule({});
  const opened = (at: string) =>
    slaAfter(
      EMPTY_SLA,
      { kind: "opened", createdAt: at, firstResponseAt: null, status: "open" },
      p,
      c,
      new Date(at),
    );

  test("opening sets the first response and resolution dues; a reply meets the first", () => {
    const s = opened("2026-12-02T10:00:00Z");
    assert.equal(s.firstResponseDueAt, "2026-12-02T14:00:00.000Z");
    assert.equal(s.resolutionDueAt, "2026-12-03T10:00:00.000Z");
    assert.equal(nextDueOf(s), "2026-12-02T14:00:00.000Z");
    const replied = slaAfter(s, { kind: "agent_replied" }, p, c, new Date("2026-12-02T11:00:00Z"));
    assert.equal(replied.firstResponseDueAt, null);
    assert.equal(nextDueOf(replied), "2026-12-03T10:00:00.000Z");
    const asked = slaAfter(replied, { kind: "customer_replied" }, p, c, new Date("2026-12-02T16:30:00Z"));
    assert.equal(asked.nextResponseDueAt, "2026-12-03T10:30:00.000Z", "2 business hours across the night");
  });

  test("Waiting stops the clock; leaving it moves the dues by the working time paused", () => {
    const s = opened("2026-12-02T10:00:00Z");
    const paused = slaAfter(
      s,
      { kind: "status", from: "open", to: "waiting" },
      p,
      c,
      new Date("2026-12-02T12:00:00Z"),
    );
    assert.equal(nextDueOf(paused), null, "no next deadline while waiting");
    // Back on Friday 10:00: 2 h of the first response were left, and 6 h of the resolution.
    const back = slaAfter(
      paused,
      { kind: "status", from: "waiting", to: "open" },
      p,
      c,
      new Date("2026-12-04T10:00:00Z"),
    );
    assert.equal(back.firstResponseDueAt, "2026-12-04T12:00:00.000Z");
    assert.equal(back.resolutionDueAt, "2026-12-04T16:00:00.000Z");
    assert.equal(back.pausedMinutes, 5 * 60 + 8 * 60 + 60, "Wednesday 12–17, Thursday, Friday 9–10");
  });

  test("resolving clears the dues; reopening starts the resolution again", () => {
    const s = opened("2026-12-02T10:00:00Z");
    const done = slaAfter(
      s,
      { kind: "status", from: "open", to: "resolved" },
      p,
      c,
      new Date("2026-12-02T11:00:00Z"),
    );
    assert.equal(nextDueOf(done), null);
    const again = slaAfter(
      done,
      { kind: "status", from: "resolved", to: "open" },
      p,
      c,
      new Date("2026-12-07T09:00:00Z"),
    );
    assert.equal(again.resolutionDueAt, "2026-12-07T17:00:00.000Z", "a day's 8 h from Monday's opening");
  });

  test("calendar policies count every minute", () => {
    const cp = rule({ clock: "calendar" });
    const s = slaAfter(
      EMPTY_SLA,
      { kind: "opened", createdAt: "2026-12-05T22:00:00Z", firstResponseAt: null, status: "open" },
      cp,
      c,
      new Date("2026-12-05T22:00:00Z"),
    );
    assert.equal(s.firstResponseDueAt, "2026-12-06T02:00:00.000Z");
  });
});

describe("slaSweep", () => {
  test("warns before (the last fifth of a short target, at most an hour), marks a breach once", () => {
    const p = rule({});
    const s = slaAfter(
      EMPTY_SLA,
      { kind: "opened", createdAt: "2026-12-02T10:00:00Z", firstResponseAt: null, status: "open" },
      p,
      cal(),
      new Date("2026-12-02T10:00:00Z"),
    );
    const early = slaSweep(s, p, new Date("2026-12-02T12:00:00Z"));
    assert.deepEqual([early.breached, early.warned], [[], []]);
    const warn = slaSweep(s, p, new Date("2026-12-02T13:15:00Z"));
    assert.deepEqual([warn.breached, warn.warned], [[], ["first_response"]]);
    const again = slaSweep(warn.state, p, new Date("2026-12-02T13:30:00Z"));
    assert.deepEqual(again.warned, [], "warned once");
    const late = slaSweep(again.state, p, new Date("2026-12-02T14:00:00Z"));
    assert.deepEqual(late.breached, ["first_response"]);
    assert.equal(late.state.firstResponseBreachedAt, "2026-12-02T14:00:00.000Z");
    assert.deepEqual(slaSweep(late.state, p, new Date("2026-12-02T15:00:00Z")).breached, [], "marked once");
  });
});
