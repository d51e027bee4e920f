// The Azure RBAC actions the ARM adapters need, with the scope each must be granted at: the one
// list the custom roles in infra/azuredeploy.json, the README's permissions table and the adapters'
// refusal messages are checked against, so least privilege cannot drift from what the code calls.

export interface ArmAction {
  readonly action: string;
  /** Managed-cluster actions are granted on each cluster; operation status and the Activity Log live at subscription level. */
  readonly scope: "cluster" | "subscription";
}

export const ARM_ACTIONS = {
  readCluster: { action: "Microsoft.ContainerService/managedClusters/read", scope: "cluster" },
  writeCluster: { action: "Microsoft.ContainerService/managedClusters/write", scope: "cluster" },
  rotateCertificates: {
    action: "Microsoft.ContainerService/managedClusters/rotateClusterCertificates/action",
    scope: "cluster",
  },
  readOperationStatus: { action: "Microsoft.ContainerService/locations/operations/read", scope: "subscription" },
  /** Where a 202 (a certificate rotation) says its result is: the poller reads it once the status says done. */
  readOperationResult: {
    action: "Microsoft.ContainerService/locations/operationresults/read",
    scope: "subscription",
  },
  readActivityLog: { action: "Microsoft.Insights/eventtypes/values/read", scope: "subscription" },
  // What readiness reads to predict an open without attempting one (docs/design.md §10).
  /** The app's own effective permissions on the cluster. */
  readPermissions: { action: "Microsoft.Authorization/permissions/read", scope: "cluster" },
  /** Who holds which role at the cluster or above (the emergency group's Cluster Admin Role). */
  readRoleAssignments: { action: "Microsoft.Authorization/roleAssignments/read", scope: "cluster" },
  /** Where the cluster's kube-audit logs go. */
  readDiagnosticSettings: { action: "Microsoft.Insights/diagnosticSettings/read", scope: "cluster" },
  // Evidence (docs/design.md §11): kube-audit read in the cluster's resource context, table by table,
  // so that the app reads no other log of the workspace. Without one, Log Analytics leaves that
  // table out of the answer rather than refusing it.
  readKubeAudit: { action: "Microsoft.Insights/logs/AKSAudit/read", scope: "cluster" },
  readKubeAuditAdmin: { action: "Microsoft.Insights/logs/AKSAuditAdmin/read", scope: "cluster" },
  readLegacyDiagnostics: { action: "Microsoft.Insights/logs/AzureDiagnostics/read", scope: "cluster" },
} as const satisfies Record<string, ArmAction>;

/** Every action string of ARM_ACTIONS, in its order. */
export const ARM_ACTION_NAMES: readonly string[] = Object.values(ARM_ACTIONS).map((entry: ArmAction) => entry.action);

/** The action strings granted at one scope, in a stable order. */
export function armActionsAt(scope: ArmAction["scope"]): string[] {
  return Object.values(ARM_ACTIONS)
    .filter((entry: ArmAction) => entry.scope === scope)
    .map((entry) => entry.action)
    .sort();
}

/**
 * How long one long-running ARM operation is waited for. Changing disableLocalAccounts takes
 * minutes; a cluster upgrade in between can take much longer. Here rather than in the adapter so
 * that the lease built on it is known without loading the ARM SDK (docs/design.md §13).
 */
export const ARM_OPERATION_TIMEOUT_MS = 20 * 60_000;
