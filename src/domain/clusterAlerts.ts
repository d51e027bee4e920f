// What the watchdog tells people about a cluster, outside any one workflow: one row per finding.
import { rotateCommand } from "./certificates.js";
import type { OutcomeCode } from "./codes.js";
import type { ManagedCluster } from "./clusters.js";
import { disableLocalAccountsCommand, enableEntraIntegrationCommand } from "./commands.js";
import type { AdminCall } from "./evidence.js";
import { instantInWords } from "./humanTime.js";
import { alertMessage, type AlertTable, type MessageContent } from "./messages.js";

/** What the watchdog found on a cluster, outside any one workflow. */
export type ClusterAlert =
  | {
      readonly kind: "window-overdue";
      readonly cluster: ManagedCluster;
      readonly requestId: string;
      readonly closesAt: string;
      readonly reason: string;
    }
  | { readonly kind: "watchdog-locked"; readonly cluster: ManagedCluster; readonly reason: string }
  | { readonly kind: "drift"; readonly cluster: ManagedCluster }
  | {
      readonly kind: "lock-failed";
      readonly cluster: ManagedCluster;
      readonly code: OutcomeCode;
      readonly message: string;
    }
  | { readonly kind: "entra-integration-off"; readonly cluster: ManagedCluster }
  | { readonly kind: "cluster-unreadable"; readonly cluster: ManagedCluster; readonly code: OutcomeCode }
  | { readonly kind: "cluster-missing"; readonly cluster: ManagedCluster }
  | CredentialUsedAfterWindow
  | {
      readonly kind: "credential-watch-rotated";
      readonly cluster: ManagedCluster;
      readonly requestIds: readonly string[];
      readonly rotation:
        { readonly ok: true } | { readonly ok: false; readonly code: OutcomeCode; readonly message: string };
    };

/** Calls as `masterclient` after a window's lockdown, found by the evidence watch. */
export interface CredentialUsedAfterWindow {
  readonly kind: "credential-used-after-window";
  readonly cluster: ManagedCluster;
  /** The request whose window the credential is from. */
  readonly requestId: string;
  /** The first calls found this time, oldest first, their texts clipped (the rest are counted). */
  readonly calls: readonly AdminCall[];
  /** How many calls were found this time. */
  readonly count: number;
  /** The first distinct source IPs of those calls. */
  readonly sourceIps: readonly string[];
  /** Calls found since the last alert at `since` (alerts are at most one an hour), not alerted then. */
  readonly earlier?: { readonly since: string; readonly calls: number };
  /** Who fetched admin credentials during the window (Activity Log callers); absent when unknown. */
  readonly fetchedBy?: readonly string[];
  /** The watch rotates the certificates now (BREAKGLASS_ROTATE_CERTIFICATES), rather than asking people to. */
  readonly rotating: boolean;
}

/** Calls listed in full in the alert; the rest are counted. */
const ALERT_CALLS = 5;

/** A value from the cluster's audit log on one line, so that a name cannot add lines of its own. */
const oneLine = (text: string): string => text.replace(/\s+/g, " ");

function describeCall(call: AdminCall): string {
  const object = [call.namespace, call.name].filter(Boolean).map(oneLine).join("/");
  const from = call.sourceIp ? ` from ${oneLine(call.sourceIp)}` : "";
  return `${call.at} ${oneLine(call.verb)} ${oneLine(call.resource)}${object ? ` ${object}` : ""}${from} (${call.status})`;
}

function usedAfterWindowText(alert: CredentialUsedAfterWindow, now: Date): string {
  const { cluster, requestId, calls, count, fetchedBy, rotating, earlier } = alert;
  const listed = calls.slice(0, ALERT_CALLS).map((call) => `  ${describeCall(call)}`);
  const more = count > listed.length ? [`  and ${count - listed.length} more`] : [];
  const before = earlier
    ? [
        `${earlier.calls} more call(s) were found since the last alert, ${instantInWords(earlier.since, now)} (in the evidence, not alerted).`,
      ]
    : [];
  const who =
    fetchedBy === undefined
      ? "not known yet (the Activity Log lags)"
      : fetchedBy.map(oneLine).join(", ") || "nobody the Activity Log names";
  const action = rotating
    ? "The watch is rotating the cluster certificates now (BREAKGLASS_ROTATE_CERTIFICATES); the result follows. Should it fail, run:"
    : "Rotate the cluster certificates now (it recreates nodes; up to ~30 minutes of disruption):";
  return [
    `An admin kubeconfig of ${cluster.name} was used after the window of request ${requestId} closed: ` +
      `${count} call${count === 1 ? "" : "s"} as cluster-admin (masterclient).`,
    ...listed,
    ...more,
    ...before,
    `Source IPs: ${alert.sourceIps.map(oneLine).join(", ") || "none recorded"}.`,
    `Admin credentials were fetched during that window by: ${who}.`,
    `${action}\n  ${rotateCommand(cluster)}`,
  ].join("\n");
}

/** The distinct source IPs of `calls`, in the order first seen. */
export function sourceIps(calls: readonly AdminCall[]): readonly string[] {
  return [...new Set(calls.map((call) => call.sourceIp).filter(Boolean))];
}

const CLUSTER_ALERTS: AlertTable<ClusterAlert> = {
  "window-overdue": {
    severity: "critical",
    subject: ({ cluster }) => `Window on ${cluster.name} outlived its deadline`,
    text: ({ cluster, requestId, closesAt, reason }, now) =>
      `The window of request ${requestId} on ${cluster.name} should have closed at ${instantInWords(closesAt, now)}, but ${reason}. ` +
      "The watchdog removed it and locks the cluster if no other window is open.",
    facts: ({ requestId }) => [{ name: "Request", value: requestId }],
  },
  "watchdog-locked": {
    severity: "critical",
    subject: ({ cluster }) => `Watchdog disabled local accounts on ${cluster.name}`,
    text: ({ cluster, reason }) =>
      `Local accounts on ${cluster.name} were enabled ${reason}. The watchdog disabled them.`,
  },
  drift: {
    severity: "critical",
    subject: ({ cluster }) => `Local accounts are enabled on ${cluster.name} with no open window`,
    text: ({ cluster }) =>
      `Someone enabled local accounts on ${cluster.name} outside break-glass. BREAKGLASS_DRIFT_ACTION=alert, ` +
      `so they stay enabled. Disable them with:\n  ${disableLocalAccountsCommand(cluster)}`,
  },
  "lock-failed": {
    severity: "critical",
    subject: ({ cluster }) => `Watchdog could not disable local accounts on ${cluster.name}`,
    text: ({ cluster, code, message }) =>
      `Severity: CRITICAL. ${message} (${code}). The watchdog tries again at its next run; to do it by hand:\n` +
      `  ${disableLocalAccountsCommand(cluster)}`,
  },
  "entra-integration-off": {
    severity: "critical",
    subject: ({ cluster }) => `${cluster.name} cannot have its local accounts disabled`,
    text: ({ cluster }) =>
      `${cluster.name} has no Entra ID integration (AKS-managed AAD), so ARM refuses to disable its local accounts ` +
      `and break-glass cannot lock it. Enable it: ${enableEntraIntegrationCommand(cluster)}`,
  },
  "cluster-unreadable": {
    severity: "warning",
    subject: ({ cluster }) => `Watchdog cannot read ${cluster.name}`,
    text: ({ cluster, code }) =>
      `The watchdog could not read the state of ${cluster.name} (${code}); it cannot tell whether local accounts are enabled.`,
  },
  "cluster-missing": {
    severity: "warning",
    subject: ({ cluster }) => `Managed cluster ${cluster.name} does not exist`,
    text: ({ cluster }) => `${cluster.id} is in BREAKGLASS_CLUSTERS but ARM does not know it.`,
  },
  "credential-used-after-window": {
    severity: "critical",
    subject: ({ cluster }) => `Admin credential used on ${cluster.name} after the window closed — rotate now`,
    text: usedAfterWindowText,
    facts: ({ requestId, count }) => [
      { name: "Request", value: requestId },
      { name: "Calls", value: String(count) },
    ],
  },
  "credential-watch-rotated": {
    severity: ({ rotation }) => (rotation.ok ? "info" : "critical"),
    subject: ({ cluster, rotation }) =>
      rotation.ok
        ? `Certificates of ${cluster.name} rotated: the admin credentials used after the window no longer work`
        : `Certificates of ${cluster.name} could not be rotated — the admin credentials still work`,
    text: ({ cluster, requestIds, rotation }) =>
      rotation.ok
        ? `The evidence watch rotated the certificates of ${cluster.name} after admin credentials from the window of ` +
          `${requestIds.join(", ")} were used after it closed. Every admin kubeconfig fetched before now is revoked.`
        : `Severity: CRITICAL. Rotating the certificates of ${cluster.name} failed: ${rotation.message} (${rotation.code}). ` +
          `Run:\n  ${rotateCommand(cluster)}`,
  },
};

/** What the watchdog tells people about the fleet as a whole (docs/design.md §12.2). */
export interface FleetAlert {
  readonly kind: "fleet-unavailable";
  readonly code: string;
  readonly message: string;
  /** How many clusters the watchdog reads one by one through ARM meanwhile. */
  readonly clusters: number;
}

const FLEET_ALERTS: AlertTable<FleetAlert> = {
  "fleet-unavailable": {
    severity: "warning",
    subject: () => "Watchdog cannot ask Resource Graph which clusters need it",
    text: ({ code, message, clusters }) =>
      `The inventory query failed (${code}): ${message}. Until it answers, the watchdog reads each of the ` +
      `${clusters} clusters it knows through ARM at every run, as before the fleet inventory; clusters tagged ` +
      "since the last answer are not seen.",
  },
};

export function renderFleetAlert(alert: FleetAlert, now: Date): MessageContent {
  return alertMessage("watchdog", FLEET_ALERTS, alert, [{ name: "Scope", value: "fleet" }], now);
}

/** The alert as sent at `now`. */
export function renderClusterAlert(alert: ClusterAlert, now: Date): MessageContent {
  return alertMessage("watchdog", CLUSTER_ALERTS, alert, [{ name: "Cluster", value: alert.cluster.id }], now);
}
