// The readiness checks of one managed cluster (docs/design.md §10): each reads its facts through
// the ports and says, without writing anything, whether an open, a lockdown or the admin credential
// fetch would fail there, and how to mend it. A fact the app may not read fails its check with
// CHECK_FORBIDDEN; a fact that cannot be read now fails it with the dependency's code, never the run.
import { ARM_ACTIONS, type ArmAction } from "../domain/armActions.js";
import { SETTLED_STATES } from "../windows/clusterAccess.js";
import type { ManagedCluster } from "../domain/clusters.js";
import { enableEntraIntegrationCommand } from "../domain/commands.js";
import { holdsRoleAt, missingActions, type PermissionGrant } from "../domain/permissions.js";
import { CLUSTER_ADMIN_ROLE_ID, type ClusterCheckName, type ReadinessCheck } from "../domain/readiness.js";
import type { ClusterControl, ClusterReadResult } from "../ports/clusterControl.js";
import type {
  ClusterAuthorization,
  DiagnosticSettingFact,
  Readable,
  RoleAssignmentFact,
} from "../ports/readinessFacts.js";
import { forbiddenCheck, guardedCheck } from "./checkResults.js";

/** Who the app's custom roles are assigned to, for the fix of a missing permission. */
export interface AppIdentity {
  /** The app identity's object (principal) id, or its client id; a placeholder when unknown (simulation). */
  readonly principalId?: string;
  /** The function app's name, which infra/azuredeploy.json puts in its custom roles' names. */
  readonly appName?: string;
}

export interface ClusterCheckDependencies {
  readonly authorization: ClusterAuthorization;
  readonly clusterControl: ClusterControl;
  readonly emergencyGroupId: string;
  readonly appIdentity: AppIdentity;
  /** BREAKGLASS_EVIDENCE: whether the kube-audit reads evidence needs are checked too. */
  readonly evidence?: boolean;
  readonly log: (message: string) => void;
}

/** The categories whose logs carry the API server's audit events (kube-audit-admin: without get/list). */
const KUBE_AUDIT_CATEGORIES = new Set(["kube-audit", "kube-audit-admin", "audit", "alllogs"]);

/**
 * What an open, a close, a rotation and following the window need: every action of the list but the
 * three readiness reads itself, whose absence makes their own checks CHECK_FORBIDDEN instead of
 * claiming that the open would fail.
 */
const WINDOW_ACTIONS = Object.values(ARM_ACTIONS)
  .map((entry: ArmAction) => entry.action)
  .filter(
    (action) =>
      ![
        ARM_ACTIONS.readPermissions,
        ARM_ACTIONS.readRoleAssignments,
        ARM_ACTIONS.readDiagnosticSettings,
        ARM_ACTIONS.readKubeAudit,
        ARM_ACTIONS.readKubeAuditAdmin,
        ARM_ACTIONS.readLegacyDiagnostics,
      ].some((read) => read.action === action),
  );

/** What the app must be allowed to read for each check, said when it may not. */
const READ_PERMISSION: Record<ClusterCheckName, string> = {
  "app-permissions": "Microsoft.Authorization/permissions/read",
  "emergency-admin-role": "Microsoft.Authorization/roleAssignments/read",
  "cluster-state": "Microsoft.ContainerService/managedClusters/read",
  "kube-audit-logs": "Microsoft.Insights/diagnosticSettings/read",
  "evidence-logs": "Microsoft.Authorization/permissions/read",
};

/** What evidence's resource-context query of kube-audit reads, table by table, on the cluster. */
const EVIDENCE_READS = [
  ARM_ACTIONS.readKubeAudit,
  ARM_ACTIONS.readKubeAuditAdmin,
  ARM_ACTIONS.readLegacyDiagnostics,
].map((entry: ArmAction) => entry.action);

function roleAssignmentCommand(principalId: string, principalType: string, role: string, scope: string): string {
  // The app's identity is named by its client id, which --assignee resolves; a group by its object id.
  const assignee =
    principalType === "Group"
      ? `--assignee-object-id ${principalId} --assignee-principal-type Group`
      : `--assignee ${principalId}`;
  return `az role assignment create ${assignee} --role ${role} --scope ${scope}`;
}

/** The custom role assignments that grant the missing actions back (infra/azuredeploy.json defines the roles). */
function permissionFix(cluster: ManagedCluster, missing: readonly string[], identity: AppIdentity): string {
  const principal = identity.principalId ?? "<app identity client id>";
  const appName = identity.appName ?? "<app name>";
  const scopeOf = (action: string): ArmAction["scope"] =>
    Object.values(ARM_ACTIONS).find((entry: ArmAction) => entry.action === action)?.scope ?? "cluster";
  const commands: string[] = [];
  if (missing.some((action) => scopeOf(action) === "cluster"))
    commands.push(
      roleAssignmentCommand(
        principal,
        "ServicePrincipal",
        `"AKS break-glass cluster operator (${appName})"`,
        cluster.id,
      ),
    );
  if (missing.some((action) => scopeOf(action) === "subscription"))
    commands.push(
      roleAssignmentCommand(
        principal,
        "ServicePrincipal",
        `"AKS break-glass operation reader (${appName})"`,
        `/subscriptions/${cluster.subscriptionId}`,
      ),
    );
  return commands.join("\n");
}

/** The checks that judge the app's own grants at the cluster: which actions, and what their absence breaks. */
const GRANT_CHECKS = {
  // Every ARM action break-glass calls, asked at the cluster: what ARM lists there includes what is inherited from above.
  "app-permissions": {
    actions: WINDOW_ACTIONS,
    consequence: (missing: string, name: string) =>
      `the app's identity may not do ${missing} on ${name}: opening, closing or following the window there fails`,
  },
  // Log Analytics does not refuse a table the caller may not read: it leaves it out of the answer,
  // so without this check a missing grant would show as a window in which nothing was done.
  "evidence-logs": {
    actions: EVIDENCE_READS,
    consequence: (missing: string, name: string) =>
      `the app's identity lacks ${missing} on ${name}: ` +
      "Log Analytics leaves those kube-audit tables out of the evidence without an error " +
      "(unless the identity may read the workspace itself: Log Analytics Reader there)",
  },
} as const;

/** The app's identity holds the actions of one of GRANT_CHECKS at the cluster. */
export function grantsCheck(
  name: keyof typeof GRANT_CHECKS,
  cluster: ManagedCluster,
  fact: Readable<readonly PermissionGrant[]>,
  identity: AppIdentity,
): ReadinessCheck {
  if (fact.kind === "forbidden") return forbiddenCheck(name, READ_PERMISSION[name], cluster.name);
  const { actions, consequence } = GRANT_CHECKS[name];
  const missing = missingActions(actions, fact.value);
  if (missing.length === 0) return { name, ok: true };
  return {
    name,
    ok: false,
    code: "PERMISSION_MISSING",
    message: consequence(missing.join(", "), cluster.name),
    fix: permissionFix(cluster, missing, identity),
  };
}

/** The emergency group holds Azure Kubernetes Service Cluster Admin Role at the cluster or above. */
export function emergencyAdminRoleCheck(
  cluster: ManagedCluster,
  emergencyGroupId: string,
  fact: Readable<readonly RoleAssignmentFact[]>,
): ReadinessCheck {
  const name = "emergency-admin-role";
  if (fact.kind === "forbidden") return forbiddenCheck(name, READ_PERMISSION[name], cluster.name);
  if (holdsRoleAt(cluster.id, fact.value, CLUSTER_ADMIN_ROLE_ID)) return { name, ok: true };
  return {
    name,
    ok: false,
    code: "EMERGENCY_ROLE_MISSING",
    message:
      `the emergency group ${emergencyGroupId} does not hold Azure Kubernetes Service Cluster Admin Role on ${cluster.name}: ` +
      "a window would open, but az aks get-credentials --admin would be refused",
    fix: roleAssignmentCommand(emergencyGroupId, "Group", CLUSTER_ADMIN_ROLE_ID, cluster.id),
  };
}

/** Entra integration on (ARM refuses to disable local accounts without it), and a state an update runs in. */
export function clusterStateCheck(cluster: ManagedCluster, read: ClusterReadResult): ReadinessCheck {
  const name = "cluster-state";
  if (read.kind === "not-found")
    return {
      name,
      ok: false,
      code: "CLUSTER_MISSING",
      message: `${cluster.name} is in BREAKGLASS_CLUSTERS but ARM does not know it`,
    };
  const { state } = read;
  if (!state.entraIntegration)
    return {
      name,
      ok: false,
      code: "ENTRA_INTEGRATION_OFF",
      message: `${cluster.name} has no Entra ID integration: ARM refuses to disable its local accounts, so a window could not be closed`,
      fix: enableEntraIntegrationCommand(cluster),
    };
  const stopped = state.powerState?.toLowerCase() === "stopped";
  if (!SETTLED_STATES.has(state.provisioningState) || stopped)
    return {
      name,
      ok: false,
      code: "CLUSTER_NOT_UPDATABLE",
      message:
        `${cluster.name} is ${stopped ? "stopped" : `in provisioning state ${state.provisioningState}`}: ` +
        "an update that enables local accounts would not run now",
      fix: stopped
        ? `az aks start --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name}`
        : `az aks show --subscription ${cluster.subscriptionId} --resource-group ${cluster.resourceGroup} --name ${cluster.name} --query provisioningState`,
    };
  return { name, ok: true };
}

/** The setting sends the API server's audit events to a Log Analytics workspace (in either table shape). */
export function sendsKubeAuditToWorkspace(setting: DiagnosticSettingFact): boolean {
  return (
    setting.workspaceId !== undefined &&
    setting.logCategories.some((category) => KUBE_AUDIT_CATEGORIES.has(category.toLowerCase()))
  );
}

/** A diagnostic setting sends kube-audit to a Log Analytics workspace, in resource-specific tables. */
export function kubeAuditLogsCheck(
  cluster: ManagedCluster,
  fact: Readable<readonly DiagnosticSettingFact[]>,
): ReadinessCheck {
  const name = "kube-audit-logs";
  if (fact.kind === "forbidden") return forbiddenCheck(name, READ_PERMISSION[name], cluster.name);
  const sends = fact.value.some(
    (setting) => sendsKubeAuditToWorkspace(setting) && setting.destinationType?.toLowerCase() === "dedicated",
  );
  if (sends) return { name, ok: true };
  return {
    name,
    ok: false,
    code: "KUBE_AUDIT_OFF",
    message: `${cluster.name} sends no kube-audit logs to a Log Analytics workspace (resource-specific tables): what is done during a window would leave no evidence`,
    fix:
      `az monitor diagnostic-settings create --name breakglass-kube-audit --resource ${cluster.id} ` +
      `--workspace <workspace resource id> --export-to-resource-specific true --logs '[{"category":"kube-audit","enabled":true}]'`,
  };
}

/** Every check of one cluster, its facts read in parallel; a fact that cannot be read fails its own check only. */
export async function checkCluster(deps: ClusterCheckDependencies, cluster: ManagedCluster): Promise<ReadinessCheck[]> {
  const guarded = (name: ClusterCheckName, check: () => Promise<ReadinessCheck>) =>
    guardedCheck(name, cluster.name, deps.log, check);
  // Read once for the two checks that judge it; a failure is then each one's to report.
  const permissions = Promise.resolve().then(() => deps.authorization.appPermissions(cluster));
  return Promise.all([
    guarded("app-permissions", async () =>
      grantsCheck("app-permissions", cluster, await permissions, deps.appIdentity),
    ),
    guarded("emergency-admin-role", async () =>
      emergencyAdminRoleCheck(
        cluster,
        deps.emergencyGroupId,
        await deps.authorization.roleAssignments(cluster, deps.emergencyGroupId),
      ),
    ),
    guarded("cluster-state", async () => clusterStateCheck(cluster, await deps.clusterControl.read(cluster))),
    guarded("kube-audit-logs", async () =>
      kubeAuditLogsCheck(cluster, await deps.authorization.diagnosticSettings(cluster)),
    ),
    ...(deps.evidence
      ? [
          guarded("evidence-logs", async () =>
            grantsCheck("evidence-logs", cluster, await permissions, deps.appIdentity),
          ),
        ]
      : []),
  ]);
}
