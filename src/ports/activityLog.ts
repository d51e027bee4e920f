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

/** The Azure Activity Log, for one question: were admin credentials issued for a cluster in a period? */
export interface ActivityLogReader {
  /** Successful listClusterAdminCredential calls on the cluster in [from, to], oldest first. */
  adminCredentialFetches(cluster: ManagedCluster, from: Date, to: Date): Promise<readonly AdminCredentialFetch[]>;
}
