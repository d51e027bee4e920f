import type { ManagedCluster } from "../domain/clusters.js";

export interface ClusterState {
  readonly localAccounts: "enabled" | "disabled";
  readonly provisioningState: string;
  /** The concurrency token every write must present (If-Match). */
  readonly etag: string;
}

export type ClusterReadResult = { readonly kind: "found"; readonly state: ClusterState } | { readonly kind: "not-found" };

export type ClusterWriteResult =
  | { readonly kind: "written" }
  | { readonly kind: "not-found" }
  /** The service refused the change for a reason a retry cannot fix (e.g. Entra integration missing). */
  | { readonly kind: "rejected"; readonly code: string; readonly message: string };

/**
 * The AKS control plane for one capability: the local-accounts switch.
 * Transient failures (conflict, eTag mismatch, throttling, 5xx) are thrown as TransientError.
 */
export interface ClusterControl {
  read(cluster: ManagedCluster): Promise<ClusterReadResult>;
  /** Writes the switch only if the cluster still has the eTag that was read. */
  setLocalAccounts(cluster: ManagedCluster, enabled: boolean, ifMatch: string): Promise<ClusterWriteResult>;
}
