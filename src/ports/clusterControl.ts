import type { OutcomeCode } from "../domain/codes.js";
import type { ManagedCluster } from "../domain/clusters.js";

export interface ClusterState {
  readonly localAccounts: "enabled" | "disabled";
  readonly provisioningState: string;
  /** The concurrency token every write must present (If-Match). */
  readonly etag: string;
  /** Entra ID integration (AKS-managed AAD). Without it ARM refuses to disable local accounts. */
  readonly entraIntegration: boolean;
  /** `Running` or `Stopped` (powerState.code); a stopped cluster takes no update. Absent when ARM did not say. */
  readonly powerState?: string;
}

export type ClusterReadResult =
  { readonly kind: "found"; readonly state: ClusterState } | { readonly kind: "not-found" };

export type ClusterWriteResult =
  | { readonly kind: "written" }
  /** A fresh read found the switch already where it was wanted; nothing was written. */
  | { readonly kind: "unchanged" }
  | { readonly kind: "not-found" }
  /** The service refused the change for a reason a retry cannot fix (e.g. Entra integration missing). */
  | { readonly kind: "rejected"; readonly code: OutcomeCode; readonly message: string };

export type RotationResult =
  | { readonly kind: "rotated" }
  | { readonly kind: "not-found" }
  | { readonly kind: "rejected"; readonly code: OutcomeCode; readonly message: string };

/**
 * The AKS control plane for what break-glass needs: the local-accounts switch and certificate
 * rotation. Transient failures (conflict, eTag mismatch, throttling, 5xx, timeouts) are thrown
 * as TransientError, with the server's retry hint when it gave one.
 */
export interface ClusterControl {
  read(cluster: ManagedCluster): Promise<ClusterReadResult>;
  /** Writes the switch only if the cluster still has the eTag that was read. */
  setLocalAccounts(cluster: ManagedCluster, enabled: boolean, ifMatch: string): Promise<ClusterWriteResult>;
  /** Rotates the cluster certificates, which revokes admin kubeconfigs (and recreates nodes). */
  rotateCertificates(cluster: ManagedCluster): Promise<RotationResult>;
}
