import { describe, expect, it } from "vitest";
import { approverRefusal, mayViewClusters, requesterRefusal, type Roles } from "../../../src/domain/access.js";

describe("access", () => {
  const roles = (over: Partial<Roles>): Roles => ({
    accountEnabled: true,
    emergencyMember: false,
    approver: false,
    ...over,
  });

  it("requires an enabled emergency member to request", () => {
    expect(requesterRefusal(roles({ emergencyMember: true }))).toBeUndefined();
    expect(requesterRefusal(roles({}))?.code).toBe("NOT_EMERGENCY_MEMBER");
    expect(requesterRefusal(roles({ emergencyMember: true, accountEnabled: false }))?.code).toBe("ACCOUNT_DISABLED");
    expect(requesterRefusal(roles({ emergencyMember: true, accountEnabled: undefined }))?.code).toBe("UNKNOWN_USER");
  });

  it("requires an enabled approver to decide", () => {
    expect(approverRefusal(roles({ approver: true }))).toBeUndefined();
    expect(approverRefusal(roles({ emergencyMember: true }))?.code).toBe("NOT_APPROVER");
    expect(approverRefusal(roles({ approver: true, accountEnabled: false }))?.code).toBe("ACCOUNT_DISABLED");
  });

  it("shows clusters to members of either group with enabled accounts", () => {
    expect(mayViewClusters(roles({ approver: true }))).toBe(true);
    expect(mayViewClusters(roles({ emergencyMember: true }))).toBe(true);
    expect(mayViewClusters(roles({}))).toBe(false);
    expect(mayViewClusters(roles({ approver: true, accountEnabled: false }))).toBe(false);
  });
});
