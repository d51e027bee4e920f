import { describe, expect, it } from "vitest";
import { decideTransition, isTerminal, REQUEST_STATUSES } from "../../../src/domain/lifecycle.js";

describe("request lifecycle", () => {
  it("allows the workflow's steps", () => {
    const path = ["pending-approval", "opening", "open", "closing", "closed"] as const;
    for (let i = 1; i < path.length; i++) expect(decideTransition(path[i - 1]!, path[i]!)).toBe("apply");
    expect(decideTransition("pending-approval", "denied")).toBe("apply");
    expect(decideTransition("pending-approval", "expired")).toBe("apply");
    expect(decideTransition("closing", "lockdown-failed")).toBe("apply");
    expect(decideTransition("lockdown-failed", "closed")).toBe("apply");
  });

  it("treats a repeated step as already done, and refuses to go backwards or leave an end", () => {
    expect(decideTransition("open", "open")).toBe("already-there");
    expect(decideTransition("closed", "open")).toBe("illegal");
    expect(decideTransition("open", "pending-approval")).toBe("illegal");
    expect(decideTransition("denied", "opening")).toBe("illegal");
    expect(decideTransition("pending-approval", "open")).toBe("illegal");
  });

  it("knows which statuses are terminal", () => {
    expect(REQUEST_STATUSES.filter(isTerminal)).toEqual(["denied", "expired", "closed", "failed"]);
  });
});
