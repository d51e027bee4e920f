// What readiness asks of Azure and Entra beyond what the other ports already say: who may do what
// on a cluster, where its logs go, and the tenant's policies. Reading only; nothing is written.
import type { ManagedCluster } from "../domain/clusters.js";
import type { PermissionGrant } from "../domain/permissions.js";

/** A fact, or why the app may not read it (the readiness check then says what permission it lacks). */
export type Readable<T> =
  { readonly kind: "read"; readonly value: T } | { readonly kind: "forbidden"; readonly message: string };

export interface RoleAssignmentFact {
  /** The role definition's full id or its GUID (compared by the GUID). */
  readonly roleDefinitionId: string;
  /** Where it is assigned: the cluster, its resource group, its subscription, a management group. */
  readonly scope: string;
  readonly principalId: string;
}

export interface DiagnosticSettingFact {
  readonly name: string;
  /** The log categories this setting sends (enabled ones only), e.g. `kube-audit`, `kube-audit-admin`. */
  readonly logCategories: readonly string[];
  /** The Log Analytics workspace it sends to, if any. */
  readonly workspaceId?: string;
  /** `Dedicated` (resource-specific tables such as AKSAudit) or `AzureDiagnostics`. */
  readonly destinationType?: string;
}

/** ARM, read for readiness. Transient failures are thrown as TransientError. */
export interface ClusterAuthorization {
  /** What the app's own identity may do at the cluster's scope: every grant it holds there or above. */
  appPermissions(cluster: ManagedCluster): Promise<Readable<readonly PermissionGrant[]>>;
  /** The role assignments of `principalId` that apply at the cluster's scope (the cluster or above). */
  roleAssignments(cluster: ManagedCluster, principalId: string): Promise<Readable<readonly RoleAssignmentFact[]>>;
  diagnosticSettings(cluster: ManagedCluster): Promise<Readable<readonly DiagnosticSettingFact[]>>;
}

export interface ConditionalAccessPolicyFact {
  readonly id: string;
  readonly displayName: string;
  readonly state: "enabled" | "disabled" | "enabledForReportingButNotEnforced";
  /** Application ids the policy targets; `All` for every app. */
  readonly includeApplications: readonly string[];
  readonly excludeGroups: readonly string[];
}

/** Entra, read for readiness. */
export interface TenantPolicies {
  /** The application roles (Graph) the app's own access token carries: its `roles` claim. */
  appRoles(): Promise<readonly string[]>;
  /** The tenant's Conditional Access policies; forbidden without Policy.Read.All. */
  conditionalAccessPolicies(): Promise<Readable<readonly ConditionalAccessPolicyFact[]>>;
}
