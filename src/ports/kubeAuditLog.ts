// The cluster's kube-audit log, for one question: what was done with an admin kubeconfig, and when.
// In Azure it is Log Analytics, queried in the cluster's own resource context; in simulation, the
// simulated API server's audit rows, which appear after an ingestion delay as the real ones do.
import type { ManagedCluster } from "../domain/clusters.js";
import type { OutcomeCode } from "../domain/codes.js";
import type { AdminCall } from "../domain/evidence.js";

/** Rows one query asks for at most; a fuller answer says `truncated`. */
export const ADMIN_CALL_ROW_LIMIT = 5_000;

export type AdminCallsAnswer =
  | {
      readonly kind: "found";
      readonly calls: readonly AdminCall[];
      /** The answer reached ADMIN_CALL_ROW_LIMIT: there may be later calls. */
      readonly truncated: boolean;
      /**
       * Set when the log answered only in part for another reason (a service limit, a workspace
       * that failed): what it said, on one line, without links or tokens. The calls are real but
       * there may be others anywhere in the period, so a reader must not take the period as read.
       */
      readonly incomplete?: string;
    }
  /** The log cannot answer and asking again will not change that: no workspace, no permission, no such table. */
  | { readonly kind: "unavailable"; readonly code: OutcomeCode; readonly reason: string };

export interface KubeAuditLog {
  /**
   * Calls made as `masterclient` on the cluster that the API server received in [from, to], oldest
   * first, at most ADMIN_CALL_ROW_LIMIT. A throttled (429), failing (5xx) or timed-out service is
   * thrown as TransientError: a later query may answer.
   */
  adminCalls(cluster: ManagedCluster, from: Date, to: Date): Promise<AdminCallsAnswer>;
}
