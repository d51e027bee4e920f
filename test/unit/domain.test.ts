import { describe, expect, it } from "vitest";
import { approverRefusal, mayViewClusters, requesterRefusal, type Roles } from "../../src/domain/access.js";
import { canonicalJson, sameAuditContent } from "../../src/domain/audit.js";
import { parseInstant } from "../../src/domain/instants.js";
import { requestAuditEntry, securityAuditEntry } from "../../src/domain/auditChain.js";
import { clusterKey, findManagedCluster, parseManagedClusterId } from "../../src/domain/clusters.js";
import { formatIsoDuration, HOUR_MS, MINUTE_MS, parseIsoDuration } from "../../src/domain/duration.js";
import { isRequestId, newRequestId } from "../../src/domain/ids.js";
import { decideTransition, isTerminal, REQUEST_STATUSES } from "../../src/domain/lifecycle.js";
import { adminCredentialsCommand } from "../../src/domain/commands.js";
import { renderNotification } from "../../src/domain/notifications.js";
import {
  blocksNewRequest,
  decideApproval,
  decideDuration,
  mayViewRequest,
  type WindowPolicy,
} from "../../src/domain/policy.js";
import type { Approval, Person } from "../../src/domain/request.js";

const CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";
const person = (oid: string, upn = `${oid}@contoso.dev`): Person => ({ oid, upn, displayName: upn });

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

describe("managed clusters", () => {
  const managed = [parseManagedClusterId(CLUSTER_ID)!];

  it("parses an ARM id", () => {
    expect(managed[0]).toEqual({
      id: CLUSTER_ID,
      subscriptionId: "00000000-0000-0000-0000-000000000001",
      resourceGroup: "rg-aks-prod",
      name: "aks-prod-weu",
    });
  });

  it("finds a cluster in any casing and with a trailing slash, returning the configured spelling", () => {
    expect(findManagedCluster(managed, CLUSTER_ID.toUpperCase())?.id).toBe(CLUSTER_ID);
    expect(findManagedCluster(managed, ` ${CLUSTER_ID.toLowerCase()}/ `)?.id).toBe(CLUSTER_ID);
  });

  it("does not find clusters that are not managed", () => {
    expect(findManagedCluster(managed, CLUSTER_ID.replace("weu", "neu"))).toBeUndefined();
    expect(findManagedCluster(managed, "aks-prod-weu")).toBeUndefined();
  });

  it("makes storage-safe keys that ignore case", () => {
    expect(clusterKey({ id: CLUSTER_ID })).toBe(clusterKey({ id: CLUSTER_ID.toUpperCase() }));
    expect(clusterKey({ id: CLUSTER_ID })).not.toMatch(/[/\\#?]/);
  });
});

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

describe("notifications", () => {
  const cluster = parseManagedClusterId(CLUSTER_ID)!;
  const request = {
    id: "bg-01",
    cluster,
    requester: person("a", "alice@contoso.dev"),
    justification: "Entra outage",
    ticket: "INC42",
    duration: "PT1H",
    requestedAt: "2026-11-28T10:00:00.000Z",
    approvalDeadline: "2026-11-28T10:30:00.000Z",
    requiredApprovals: 1,
  };

  it("gives the exact admin-credentials command", () => {
    expect(adminCredentialsCommand(request)).toBe(
      "az aks get-credentials --subscription 00000000-0000-0000-0000-000000000001 --resource-group rg-aks-prod --name aks-prod-weu --admin",
    );
  });

  it("asks the approvers with the request's facts and links", () => {
    const rendered = renderNotification(
      { event: "approval-requested", request, at: request.requestedAt },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(rendered).toMatchObject({ audience: "approvers", severity: "warning" });
    expect(rendered.subject).toContain("aks-prod-weu");
    expect(rendered.text).toContain("Entra outage");
    expect(rendered.facts).toContainEqual({ name: "Ticket", value: "INC42" });
    expect(rendered.links[0]).toEqual({
      label: "Review and decide",
      url: "https://bg.example/api/requests/bg-01/review?token=t",
    });
  });

  it("tells the requester how to get in when the window opens, and raises the alarm when lockdown fails", () => {
    const window = { openedAt: "2026-11-28T10:05:00.000Z", closesAt: "2026-11-28T11:05:00.000Z" };
    const opened = renderNotification(
      { event: "opened", request, at: window.openedAt, window },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(opened.text).toContain(adminCredentialsCommand(request));
    expect(opened.text).toContain("until the cluster certificates are rotated");
    const outcome = { code: "RETRIES_EXHAUSTED", message: "ARM 409", at: window.closesAt };
    const alarm = renderNotification(
      { event: "lockdown-failed", request, at: window.closesAt, outcome },
      { publicBaseUrl: "https://bg.example", reviewUrl: "https://bg.example/api/requests/bg-01/review?token=t" },
    );
    expect(alarm).toMatchObject({ audience: "alert", severity: "critical" });
    expect(alarm.text).toContain("--disable-local-accounts");
  });
});

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
