import { describe, expect, it } from "vitest";
import { parseInstant } from "../../../src/domain/instants.js";

describe("instants people type", () => {
  it("dates are midnight UTC; times keep their offset; impossible ones are refused, not rolled over", () => {
    expect(parseInstant("2026-11-01")?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(parseInstant("2026-11-01T10:30Z")?.toISOString()).toBe("2026-11-01T10:30:00.000Z");
    expect(parseInstant("2026-11-01T10:30:15.250+01:00")?.toISOString()).toBe("2026-11-01T09:30:15.250Z");
    expect(parseInstant("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    for (const text of [
      "2026-02-31",
      "2026-02-29",
      "2026-13-01",
      "2026-11-01T24:00Z",
      "2026-11-01T10:60Z",
      "2026-11-01T10:30",
      "2026-11-01T10:30+25:00",
      "yesterday",
      "2026-11-1",
      "",
    ]) {
      expect(parseInstant(text), text).toBeUndefined();
    }
  });
});
