// What the watchdog tells people about a cluster, outside any one workflow: one row per finding.
import type { OutcomeCode } from "./codes.js";
import type { ManagedCluster } from "./clusters.js";
import { disableLocalAccountsCommand, enableEntraIntegrationCommand } from "./commands.js";
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
  | { readonly kind: "cluster-missing"; readonly cluster: ManagedCluster };

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
};

/** The alert as sent at `now`. */
export function renderClusterAlert(alert: ClusterAlert, now: Date): MessageContent {
  return alertMessage("watchdog", CLUSTER_ALERTS, alert, [{ name: "Cluster", value: alert.cluster.id }], now);
}
