import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS } from "../../../src/domain/duration.js";
import {
  blocksNewRequest,
  decideApproval,
  decideDuration,
  mayViewRequest,
  type WindowPolicy,
} from "../../../src/domain/policy.js";
import type { Approval } from "../../../src/domain/request.js";
import { person } from "../../support/domain.js";

describe("policy", () => {
  const policy: WindowPolicy = {
    minDurationMs: 15 * MINUTE_MS,
    maxDurationMs: 4 * HOUR_MS,
    defaultDurationMs: HOUR_MS,
    approvalTimeoutMs: 30 * MINUTE_MS,
    requiredApprovals: 2,
  };

  it("defaults and bounds the duration", () => {
    expect(decideDuration(undefined, policy)).toEqual({ ok: true, ms: HOUR_MS, iso: "PT1H" });
    expect(decideDuration("PT90M", policy)).toEqual({ ok: true, ms: 90 * MINUTE_MS, iso: "PT1H30M" });
    expect(decideDuration("PT15M", policy)).toMatchObject({ ok: true });
    expect(decideDuration("PT4H", policy)).toMatchObject({ ok: true });
    expect(decideDuration("PT14M", policy)).toEqual({
      ok: false,
      message: "duration PT14M is outside the policy: it must be between PT15M and PT4H",
    });
    expect(decideDuration("PT4H1S", policy)).toMatchObject({ ok: false });
    expect(decideDuration("an hour", policy)).toMatchObject({
      ok: false,
      message: expect.stringContaining("not an ISO-8601 duration"),
    });
  });

  it("counts distinct approvers other than the requester, up to the required number", () => {
    const requester = person("a");
    const approval = (oid: string): Approval => ({ approver: person(oid), at: "2026-11-28T10:00:00Z" });
    expect(decideApproval([], approval("a"), requester, 2)).toEqual({ kind: "self-approval" });
    expect(decideApproval([], approval("A"), requester, 2)).toEqual({ kind: "self-approval" });
    const first = decideApproval([], approval("b"), requester, 2);
    expect(first).toMatchObject({ kind: "recorded", complete: false });
    const approvals = first.kind === "recorded" ? first.approvals : [];
    expect(decideApproval(approvals, approval("b"), requester, 2)).toEqual({ kind: "duplicate" });
    expect(decideApproval(approvals, approval("c"), requester, 2)).toMatchObject({ kind: "recorded", complete: true });
  });

  it("blocks a new request from the same person until the old one ends or can no longer open", () => {
    const deadline = "2026-11-28T10:30:00.000Z";
    expect(
      blocksNewRequest({ status: "pending-approval", approvalDeadline: deadline }, "2026-11-28T10:29:59.999Z"),
    ).toBe(true);
    expect(blocksNewRequest({ status: "pending-approval", approvalDeadline: deadline }, deadline)).toBe(false);
    expect(blocksNewRequest({ status: "open", approvalDeadline: deadline }, "2026-11-29T00:00:00.000Z")).toBe(true);
    expect(
      blocksNewRequest({ status: "lockdown-failed", approvalDeadline: deadline }, "2026-11-29T00:00:00.000Z"),
    ).toBe(true);
    expect(blocksNewRequest({ status: "closed", approvalDeadline: deadline }, "2026-11-28T10:00:00.000Z")).toBe(false);
  });

  it("lets the requester and approvers see a request, nobody else", () => {
    const request = { requester: person("a") };
    expect(mayViewRequest(request, "a", false)).toBe(true);
    expect(mayViewRequest(request, "b", true)).toBe(true);
    expect(mayViewRequest(request, "m", false)).toBe(false);
  });
});
