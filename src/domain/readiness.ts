// Readiness: whether the break-glass path would open now, asked without changing anything
// (docs/design.md §10). Each check predicts one way an open, a lockdown or the admin credential
// fetch would fail; the report is what GET /api/readiness answers and what the readiness timer
// compares with its last run, to alert once when a check turns red and once when it clears.
import type { OutcomeCode } from "./codes.js";

/** What is checked on each managed cluster. */
export const CLUSTER_CHECKS = [
  /** The app's identity holds every ARM action an open, a close, a rotation and the Activity Log read need. */
  "app-permissions",
  /** The emergency group holds Azure Kubernetes Service Cluster Admin Role at the cluster or above. */
  "emergency-admin-role",
  /** Entra integration is on, and the cluster is in a state an update can run in. */
  "cluster-state",
  /** kube-audit reaches a Log Analytics workspace, so that evidence can be collected. */
  "kube-audit-logs",
  /** With BREAKGLASS_EVIDENCE on: the app's identity may read the kube-audit tables in the cluster's context. */
  "evidence-logs",
] as const;

/** What is checked once for the tenant. */
export const TENANT_CHECKS = [
  /** The Graph application roles the app's own token carries. */
  "graph-roles",
  /** Enough enabled approvers, not all of them in the emergency group. */
  "approvers",
  /** The mailbox that sends email exists (when email is configured). */
  "mail-sender",
  /** Enabled Conditional Access policies for AKS or all apps exclude the emergency group. */
  "conditional-access",
] as const;

export type ClusterCheckName = (typeof CLUSTER_CHECKS)[number];
export type TenantCheckName = (typeof TENANT_CHECKS)[number];

/** One check's verdict, as GET /api/readiness shows it (README, HTTP API): no secrets, names only of the app's own resources. */
export interface ReadinessCheck {
  readonly name: ClusterCheckName | TenantCheckName;
  readonly ok: boolean;
  readonly code?: OutcomeCode;
  /** What is wrong, for people; with `fix`, what to run. */
  readonly message?: string;
  /** The exact command that mends it (an `az role assignment create …` line), for alerts and the README. */
  readonly fix?: string;
  /**
   * The check could not be asked now (throttled, timed out): not ok, but no verdict either. The
   * readiness timer keeps the last verdict, so a passing hiccup neither alerts nor clears.
   */
  readonly unknown?: true;
}

export interface ClusterReadiness {
  readonly id: string;
  readonly name: string;
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checkedAt: string;
  readonly tenant: readonly ReadinessCheck[];
  readonly clusters: readonly ClusterReadiness[];
}

/** The Azure built-in role the emergency group needs for `az aks get-credentials --admin`. */
export const CLUSTER_ADMIN_ROLE_ID = "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8";

/** A report from its checks: ready when every check is. */
export function readinessReport(
  checkedAt: Date,
  tenant: readonly ReadinessCheck[],
  clusters: readonly { readonly id: string; readonly name: string; readonly checks: readonly ReadinessCheck[] }[],
): ReadinessReport {
  const withVerdicts = clusters.map((cluster) => ({ ...cluster, ready: cluster.checks.every((check) => check.ok) }));
  return {
    ready: tenant.every((check) => check.ok) && withVerdicts.every((cluster) => cluster.ready),
    checkedAt: checkedAt.toISOString(),
    tenant,
    clusters: withVerdicts,
  };
}
