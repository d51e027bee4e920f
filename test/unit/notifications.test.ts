// Every notification, watchdog alert and audit-conflict alert as people receive it: each event once
// with only the facts it must have (so the fallbacks show) and once with every fact, plus the variants
// that change the wording. The snapshots fail on any change to what anyone is told.
import { upstreamCode } from "../../src/domain/codes.js";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/domain/audit.js";
import { parseManagedClusterId } from "../../src/domain/clusters.js";
import { renderClusterAlert, type ClusterAlert } from "../../src/domain/clusterAlerts.js";
import {
  renderAuditConflict,
  renderNotification,
  type NotificationEvent,
  type NotificationFacts,
} from "../../src/domain/notifications.js";

const cluster = parseManagedClusterId(
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu",
)!;
const request: NotificationFacts["request"] = {
  id: "bg-01m8gshv80v200jgzv74xjm1zr",
  cluster,
  requester: { oid: "a11ce000-0000-4000-8000-000000000001", upn: "alice@contoso.dev", displayName: "Alice Admin" },
  justification: "Entra ID outage: kubectl through AAD fails",
  ticket: "INC-4242",
  duration: "PT1H",
  requestedAt: "2026-11-28T10:00:00.000Z",
  approvalDeadline: "2026-11-28T10:30:00.000Z",
  requiredApprovals: 2,
};
const bob = { oid: "b0b00000-0000-4000-8000-000000000002", upn: "bob@contoso.dev", displayName: "Bob Approver" };
const carol = { oid: "ca401000-0000-4000-8000-000000000003", upn: "carol@contoso.dev", displayName: "Carol Approver" };
const approvals = [
  { approver: bob, at: "2026-11-28T10:03:00.000Z" },
  { approver: carol, at: "2026-11-28T10:04:00.000Z" },
];
const window = { openedAt: "2026-11-28T10:05:00.000Z", closesAt: "2026-11-28T11:05:00.000Z" };
const extension = {
  duration: "PT30M",
  durationMs: 30 * 60_000,
  requestedAt: "2026-11-28T10:50:00.000Z",
  approvalDeadline: "2026-11-28T11:00:00.000Z",
  closesAt: "2026-11-28T11:35:00.000Z",
  approvals: [{ approver: carol, at: "2026-11-28T10:55:00.000Z" }],
  status: "approved" as const,
};
const outcome = {
  code: "DENIED" as const,
  message: "Denied by Bob Approver: not an outage",
  by: bob,
  at: "2026-11-28T10:06:00.000Z",
};
const rotated = {
  decision: { action: "rotate" as const, reason: "BREAKGLASS_ROTATE_CERTIFICATES=always" },
  fetches: 2,
};
const advised = {
  decision: { action: "advise" as const, reason: "admin credentials were fetched 2 time(s)" },
  fetches: 2,
};

const EVENTS: readonly NotificationEvent[] = [
  "approval-requested",
  "denied",
  "expired",
  "withdrawn",
  "opened",
  "closed",
  "failed",
  "lockdown-failed",
  "lockdown-recovered",
  "extension-requested",
  "extended",
  "extension-denied",
  "extension-expired",
  "extension-failed",
  "certificates-rotated",
  "rotation-advised",
];
const links = {
  publicBaseUrl: "https://breakglass.contoso.com",
  reviewUrl: "https://breakglass.contoso.com/api/requests/bg-01m8gshv80v200jgzv74xjm1zr/review?token=SIGNED",
};
const at = "2026-11-28T11:05:00.000Z";
const everything = (event: NotificationEvent): NotificationFacts => ({
  event,
  request,
  at,
  approvals,
  window,
  outcome,
  extension,
  lockdown: { attempts: 3, lastError: "ARM answered 409" },
  certificates: event === "rotation-advised" ? advised : rotated,
  otherWindows: 0,
});

describe("every notification", () => {
  it.each(EVENTS)("%s, with only the facts it must have", (event) => {
    expect(renderNotification({ event, request, at }, { publicBaseUrl: links.publicBaseUrl })).toMatchSnapshot();
  });

  it.each(EVENTS)("%s, with every fact and a review link", (event) => {
    expect(renderNotification(everything(event), links)).toMatchSnapshot();
  });

  it.each<[string, NotificationFacts]>([
    ["closed while other windows stay open", { ...everything("closed"), otherWindows: 2 }],
    ["a lockdown failure known only by its outcome", { event: "lockdown-failed", request, at, outcome }],
    [
      "certificates that could not be rotated",
      {
        ...everything("certificates-rotated"),
        certificates: {
          ...rotated,
          rotation: { ok: false, code: upstreamCode("ARM_FAILED"), message: "ARM answered 500" },
        },
      },
    ],
    [
      "certificates rotated and confirmed",
      { ...everything("certificates-rotated"), certificates: { ...rotated, rotation: { ok: true } } },
    ],
    [
      "an extension approved by nobody named",
      { ...everything("extended"), extension: { ...extension, approvals: [] } },
    ],
  ])("%s", (_, facts) => {
    expect(renderNotification(facts, links)).toMatchSnapshot();
  });
});

const CLUSTER_ALERTS: readonly ClusterAlert[] = [
  {
    kind: "window-overdue",
    cluster,
    requestId: request.id,
    closesAt: window.closesAt,
    reason: "its workflow is gone",
  },
  { kind: "watchdog-locked", cluster, reason: "with no open window" },
  { kind: "drift", cluster },
  { kind: "lock-failed", cluster, code: upstreamCode("ARM_CONFLICT"), message: "ARM answered 409" },
  { kind: "entra-integration-off", cluster },
  { kind: "cluster-unreadable", cluster, code: upstreamCode("FORBIDDEN") },
  { kind: "cluster-missing", cluster },
  {
    kind: "credential-used-after-window",
    cluster,
    requestId: request.id,
    calls: Array.from({ length: 7 }, (_, index) => ({
      id: `audit-${index}`,
      at: `2026-11-28T11:0${index}:00.000Z`,
      verb: "delete",
      resource: "pods",
      namespace: "kube-system",
      name: index ? `coredns-${index}` : "evil\n**Rotated** <b>",
      user: "masterclient",
      sourceIp: index % 2 ? "203.0.113.7" : "198.51.100.4",
      status: 200,
    })),
    count: 7,
    sourceIps: ["198.51.100.4", "203.0.113.7"],
    fetchedBy: ["alice@contoso.dev"],
    rotating: false,
  },
  { kind: "credential-watch-rotated", cluster, requestIds: [request.id], rotation: { ok: true } },
];

describe("every watchdog alert", () => {
  it.each(CLUSTER_ALERTS.map((alert) => [alert.kind, alert] as const))("%s", (_, alert) => {
    expect(renderClusterAlert(alert, new Date("2026-11-28T11:12:00.000Z"))).toMatchSnapshot();
  });
});

describe("the evidence watch's rotation alert", () => {
  it("says the credentials still work, and what to run, when the rotation failed", () => {
    const failed: ClusterAlert = {
      kind: "credential-watch-rotated",
      cluster,
      requestIds: [request.id],
      rotation: { ok: false, code: upstreamCode("ARM_FAILED"), message: "ARM answered 500" },
    };
    expect(renderClusterAlert(failed, new Date("2026-11-28T11:12:00.000Z"))).toMatchSnapshot();
  });
});

describe("the audit-conflict alert", () => {
  it("names both entries and how to verify the trail", () => {
    const entry = (type: AuditEntry["type"], at: string): AuditEntry => ({
      stream: request.id,
      key: "0007",
      type,
      at,
      actor: null,
      cluster: cluster.id,
      outcome: "info",
      hash: "0".repeat(64),
    });
    expect(
      renderAuditConflict(entry("closed", "2026-11-28T11:05:00.000Z"), entry("opened", window.openedAt)),
    ).toMatchSnapshot();
  });
});
