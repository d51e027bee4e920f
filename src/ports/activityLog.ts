import type { ManagedCluster } from "../domain/clusters.js";

/** The Activity Log operation of `az aks get-credentials --admin`. */
export const ADMIN_CREDENTIAL_OPERATION =
  "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action";

export interface AdminCredentialFetch {
  /** UTC, ISO-8601. */
  readonly at: string;
  /** Who asked, as the Activity Log names them (UPN or object id). */
  readonly caller: string;
}

/** The Activity Log operation of `az aks rotate-certs`, which revokes every admin kubeconfig. */
export const CERTIFICATE_ROTATION_OPERATION =
  "Microsoft.ContainerService/managedClusters/rotateClusterCertificates/action";

/** The Azure Activity Log, for two questions: were admin credentials issued, and were they revoked? */
export interface ActivityLogReader {
  /** Successful listClusterAdminCredential calls on the cluster in [from, to], oldest first. */
  adminCredentialFetches(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly AdminCredentialFetch[]>;
  /** Successful certificate rotations of the cluster in [from, to], by anyone, oldest first. */
  certificateRotations(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly AdminCredentialFetch[]>;
}
