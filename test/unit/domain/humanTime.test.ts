// Lengths and moments in words, as notifications and pages say them.
import { describe, expect, it } from "vitest";
import { durationInWords, instantInWords, isoDurationInWords } from "../../../src/domain/humanTime.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("a length in words", () => {
  it.each([
    [0, "0 seconds"],
    [1 * SECOND, "1 second"],
    [1.5 * SECOND, "1.5 seconds"],
    [45 * SECOND, "45 seconds"],
    [1 * MINUTE, "1 minute"],
    [59 * MINUTE, "59 minutes"],
    [90 * MINUTE, "1 hour 30 minutes"],
    [1 * HOUR, "1 hour"],
    [2 * HOUR + 5 * SECOND, "2 hours 5 seconds"],
    [DAY + 2 * HOUR, "1 day 2 hours"],
    [2 * DAY, "2 days"],
    [DAY + HOUR + MINUTE + SECOND, "1 day 1 hour 1 minute 1 second"],
  ])("%d ms is %s", (ms, words) => {
    expect(durationInWords(ms)).toBe(words);
  });

  it("refuses what is not a length", () => {
    expect(() => durationInWords(-1)).toThrow(RangeError);
    expect(() => durationInWords(Number.NaN)).toThrow(RangeError);
  });

  it.each([
    ["PT30M", "30 minutes"],
    ["PT1H", "1 hour"],
    ["PT1H30M", "1 hour 30 minutes"],
    ["PT90M", "1 hour 30 minutes"],
    ["P2D", "2 days"],
    ["P1DT2H", "1 day 2 hours"],
    ["an hour", "an hour"],
  ])("the policy duration %s is %s", (iso, words) => {
    expect(isoDurationInWords(iso)).toBe(words);
  });
});

describe("a moment in words", () => {
  const now = new Date("2026-12-01T21:36:23.716Z");
  it.each([
    ["2026-12-01T21:36:23.716Z", "21:36 UTC (now)"],
    ["2026-12-01T21:36:23.916Z", "21:36 UTC (now)"],
    ["2026-12-01T21:36:53.716Z", "21:36 UTC (in 30 seconds)"],
    ["2026-12-01T21:38:23.716Z", "21:38 UTC (in 2 minutes)"],
    ["2026-12-01T21:34:23.716Z", "21:34 UTC (2 minutes ago)"],
    ["2026-12-01T21:37:53.716Z", "21:37 UTC (in 2 minutes)"],
    ["2026-12-01T22:35:23.716Z", "22:35 UTC (in 59 minutes)"],
    ["2026-12-01T22:35:53.716Z", "22:35 UTC (in 1 hour)"],
    ["2026-12-01T22:36:00.000Z", "22:36 UTC (in 1 hour)"],
    ["2026-12-01T23:06:23.716Z", "23:06 UTC (in 1 hour 30 minutes)"],
    ["2026-12-01T00:05:00.000Z", "00:05 UTC (21 hours 31 minutes ago)"],
    ["2026-12-02T00:05:00.000Z", "2 Dec 00:05 UTC (in 2 hours 29 minutes)"],
    ["2026-11-30T23:59:59.999Z", "30 Nov 23:59 UTC (21 hours 36 minutes ago)"],
    ["2026-12-02T23:40:00.000Z", "2 Dec 23:40 UTC (in 1 day 2 hours)"],
    ["2026-12-04T21:36:23.716Z", "4 Dec 21:36 UTC (in 3 days)"],
    ["2027-01-01T09:00:00.000Z", "1 Jan 2027 09:00 UTC (in 30 days 11 hours)"],
    ["2025-12-01T21:36:23.716Z", "1 Dec 2025 21:36 UTC (365 days ago)"],
  ])("%s is %s", (iso, words) => {
    expect(instantInWords(iso, now)).toBe(words);
  });

  it("says what is not a moment as it was given", () => {
    expect(instantInWords("?", now)).toBe("?");
  });
});
