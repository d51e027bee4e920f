// What the simulated ARM knows of who may do what on a cluster, and where its logs go: kept in
// the cluster's row of SimClusters, enforced by SimulatedClusters as ARM enforces it, and read by
// readiness through the same ports as in Azure, so that a red check and a failing open agree.
import { ARM_ACTION_NAMES, type ArmAction } from "../../domain/armActions.js";
import { upstreamCode } from "../../domain/codes.js";
import type { ManagedCluster } from "../../domain/clusters.js";
import { CLUSTER_ADMIN_ROLE_ID } from "../../domain/readiness.js";
import type { PermissionGrant } from "../../domain/permissions.js";
import type {
  ClusterAuthorization,
  ConditionalAccessPolicyFact,
  DiagnosticSettingFact,
  Readable,
  RoleAssignmentFact,
  TenantPolicies,
} from "../../ports/readinessFacts.js";
import type { SimulatedClusterFacts } from "../../ports/simulation.js";
import { GRANTED_GRAPH_ROLES } from "../../domain/graphRoles.js";
import { permissionRefusal } from "../azure/armRefusals.js";
import type { Entity } from "../azure/tables.js";

/** The diagnostic setting the simulated clusters have while kube-audit is on. */
export const SIMULATED_KUBE_AUDIT_SETTING = "kube-audit-to-log-analytics";

/**
 * The cluster row's columns. The app's identity holds every action of ARM_ACTIONS unless it was
 * taken away; the row keeps the actions taken away rather than those held, so a
 * cluster seeded before an action joined ARM_ACTIONS holds it too; absent columns mean the defaults.
 */
export function factsOf(row: Entity): SimulatedClusterFacts {
  const revoked = revokedActionsOf(row);
  return {
    appActions: ARM_ACTION_NAMES.filter((action) => !revoked.includes(action)),
    emergencyRoleAssigned: row.emergencyRoleAssigned !== false,
    kubeAuditEnabled: row.kubeAuditEnabled !== false,
  };
}

function revokedActionsOf(row: Entity): string[] {
  return typeof row.revokedAppActions === "string" ? (JSON.parse(row.revokedAppActions) as string[]) : [];
}

/** The column that records `action` granted or taken away, given the row as it is. */
export function appPermissionColumn(row: Entity, action: string, granted: boolean): { revokedAppActions: string } {
  const others = revokedActionsOf(row).filter((revoked) => revoked !== action);
  return { revokedAppActions: JSON.stringify(granted ? others : [...others, action].sort()) };
}

/** ARM's 403 when the app's identity lacks `needed` on the cluster, reported as the ARM adapter reports it. */
export function permissionRefusalOf(
  cluster: ManagedCluster,
  row: Entity,
  what: string,
  needed: ArmAction,
): ReturnType<typeof permissionRefusal> | undefined {
  if (factsOf(row).appActions.includes(needed.action)) return undefined;
  return permissionRefusal(
    upstreamCode("AuthorizationFailed"),
    what,
    `The client does not have authorization to perform action '${needed.action}' over scope '${cluster.id}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    needed,
  );
}

/** Where the facts come from: SimulatedClusters. */
export interface SimulatedFactsSource {
  facts(cluster: ManagedCluster): Promise<SimulatedClusterFacts | undefined>;
}

/** Readiness's view of the simulated ARM: exactly what the dev routes set. */
export class SimulatedClusterAuthorization implements ClusterAuthorization {
  constructor(
    private readonly source: SimulatedFactsSource,
    private readonly emergencyGroupId: string,
  ) {}

  async appPermissions(cluster: ManagedCluster): Promise<Readable<readonly PermissionGrant[]>> {
    const facts = await this.source.facts(cluster);
    return read(facts ? [{ actions: facts.appActions, notActions: [] }] : []);
  }

  async roleAssignments(
    cluster: ManagedCluster,
    principalId: string,
  ): Promise<Readable<readonly RoleAssignmentFact[]>> {
    const facts = await this.source.facts(cluster);
    const held =
      facts?.emergencyRoleAssigned === true && principalId.toLowerCase() === this.emergencyGroupId.toLowerCase();
    const roleDefinitionId = `/subscriptions/${cluster.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${CLUSTER_ADMIN_ROLE_ID}`;
    return read(held ? [{ roleDefinitionId, scope: cluster.id, principalId }] : []);
  }

  async diagnosticSettings(cluster: ManagedCluster): Promise<Readable<readonly DiagnosticSettingFact[]>> {
    const facts = await this.source.facts(cluster);
    if (facts?.kubeAuditEnabled !== true) return read([]);
    return read([
      {
        name: SIMULATED_KUBE_AUDIT_SETTING,
        // Both categories, so that the simulated log holds gets and lists too (simulatedKubeAudit.ts).
        logCategories: ["kube-audit", "kube-audit-admin"],
        workspaceId: `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/law-simulated`,
        destinationType: "Dedicated",
      },
    ]);
  }
}

/** The simulated tenant: the app holds every Graph role it needs, and there are no Conditional Access policies. */
export class SimulatedTenantPolicies implements TenantPolicies {
  appRoles(): Promise<readonly string[]> {
    return Promise.resolve(GRANTED_GRAPH_ROLES);
  }

  conditionalAccessPolicies(): Promise<Readable<readonly ConditionalAccessPolicyFact[]>> {
    return Promise.resolve(read([]));
  }
}

function read<T>(value: T): Readable<T> {
  return { kind: "read", value };
}
