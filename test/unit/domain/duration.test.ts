import { describe, expect, it } from "vitest";
import {
  formatIsoDuration,
  HOUR_MS,
  MINUTE_MS,
  parseIsoDuration,
  parseTypedDuration,
} from "../../../src/domain/duration.js";

describe("ISO-8601 durations", () => {
  it.each([
    ["PT1H", HOUR_MS],
    ["PT15M", 15 * MINUTE_MS],
    ["PT1H30M", 90 * MINUTE_MS],
    ["PT10S", 10_000],
    ["PT0.5S", 500],
    ["P1D", 24 * HOUR_MS],
    ["P1DT2H", 26 * HOUR_MS],
    ["pt2h", 2 * HOUR_MS],
  ])("%s is %d ms", (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  it.each(["", "P", "PT", "1H", "PT1H2", "P1M", "P1Y", "PT-1H", "PT1.5H", "PTH", "P1DT"])("%j is refused", (text) =>
    expect(parseIsoDuration(text)).toBeUndefined(),
  );

  it("formats the shortest spelling and round-trips", () => {
    expect(formatIsoDuration(90 * MINUTE_MS)).toBe("PT1H30M");
    expect(formatIsoDuration(26 * HOUR_MS)).toBe("P1DT2H");
    expect(formatIsoDuration(0)).toBe("PT0S");
    for (const ms of [1_000, 61_000, 4 * HOUR_MS, 25 * HOUR_MS + 1_500])
      expect(parseIsoDuration(formatIsoDuration(ms))).toBe(ms);
  });
});

describe("durations as people type them", () => {
  it.each([
    ["10s", 10_000],
    ["90m", 90 * MINUTE_MS],
    ["1h", HOUR_MS],
    ["1h30m", 90 * MINUTE_MS],
    ["2d", 48 * HOUR_MS],
    [" 1H ", HOUR_MS],
    ["PT1H", HOUR_MS],
    ["pt30m", 30 * MINUTE_MS],
  ])("%j is %i ms", (text, ms) => expect(parseTypedDuration(text)).toBe(ms));

  it.each(["", "0m", "PT0S", "1x", "m", "1.5h", "-1h", "1h 30m", "30m1h", "1 hour", "P1M", "99999999s"])(
    "%j is not a duration",
    (text) => expect(parseTypedDuration(text)).toBeUndefined(),
  );
});
