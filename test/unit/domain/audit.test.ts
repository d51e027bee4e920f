import { describe, expect, it } from "vitest";
import { canonicalJson, sameAuditContent } from "../../../src/domain/audit.js";
import { requestAuditEntry, securityAuditEntry } from "../../../src/domain/auditChain.js";
import { CLUSTER_ID } from "../../support/domain.js";

describe("audit entries", () => {
  const fields = {
    type: "requested" as const,
    at: "2026-11-28T10:00:00.000Z",
    actor: { oid: "a", upn: "a@x" },
    cluster: CLUSTER_ID,
    outcome: "info" as const,
  };

  it("key request entries by zero-padded sequence so that they sort in order", () => {
    expect(requestAuditEntry("bg-1", 7, "p", fields).key).toBe("000007");
    expect(requestAuditEntry("bg-1", 12, "p", fields).key > requestAuditEntry("bg-1", 9, "p", fields).key).toBe(true);
    expect(() => requestAuditEntry("bg-1", -1, "p", fields)).toThrow(RangeError);
  });

  it("put refusals outside requests in a daily security stream", () => {
    expect(securityAuditEntry("ab12", fields)).toMatchObject({
      stream: "security-2026-11-28",
      key: "2026-11-28T10:00:00.000Z-ab12",
    });
  });

  it("compare content regardless of member order and absent members", () => {
    const a = requestAuditEntry("bg-1", 1, "p", { ...fields, details: { x: 1, y: "2" } });
    const b = { ...requestAuditEntry("bg-1", 1, "p", { ...fields, details: { y: "2", x: 1 } }), code: undefined };
    expect(sameAuditContent(a, b)).toBe(true);
    expect(sameAuditContent(a, { ...a, outcome: "failure" })).toBe(false);
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null })).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
  });
});
