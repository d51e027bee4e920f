import { describe, expect, it } from "vitest";
import { isRequestId, newRequestId } from "../../../src/domain/ids.js";

describe("request ids", () => {
  it("are ULIDs with a prefix, ordered by time, and validated strictly", () => {
    const random = new Uint8Array(10).fill(255);
    const early = newRequestId(Date.parse("2026-01-01T00:00:00Z"), random);
    const late = newRequestId(Date.parse("2026-01-01T00:00:01Z"), new Uint8Array(10));
    expect(early).toMatch(/^bg-[0-9a-z]{26}$/);
    expect(early < late).toBe(true);
    expect(isRequestId(early)).toBe(true);
    for (const bad of ["", "bg-", `${early}x`, early.toUpperCase(), "bg-0000000000000000000000000i", "../etc/passwd"]) {
      expect(isRequestId(bad)).toBe(false);
    }
  });

  it("differ when the random part differs", () => {
    const at = Date.parse("2026-11-28T10:00:00Z");
    expect(newRequestId(at, new Uint8Array(10))).not.toBe(newRequestId(at, new Uint8Array(10).fill(1)));
  });
});
