import type { ManagedCluster } from "../domain/clusters.js";
import type { OutcomeCode } from "../domain/codes.js";

/** A tag that brings clusters under break-glass (BREAKGLASS_CLUSTER_TAG, `name=value`). */
export interface ClusterTag {
  readonly name: string;
  readonly value: string;
}

/** What to look for: the listed clusters, and (with a tag) every AKS cluster in the subscriptions carrying it. */
export interface FleetQuery {
  readonly listed: readonly ManagedCluster[];
  readonly tag: ClusterTag | undefined;
  /** Where the query looks: BREAKGLASS_SUBSCRIPTIONS and the listed clusters' subscriptions (lower-case GUIDs). */
  readonly subscriptions: readonly string[];
  /** Where a tag makes a cluster managed: BREAKGLASS_SUBSCRIPTIONS only, not a listed cluster's subscription (docs/design.md §12.1). */
  readonly tagSubscriptions: readonly string[];
}

/**
 * One managed cluster as the inventory saw it. The inventory (Azure Resource Graph) lags ARM by
 * seconds to minutes: an observation says what the cluster was, not what it is, and nothing is
 * written on its word alone (docs/design.md §12).
 */
export interface ClusterObservation {
  readonly cluster: ManagedCluster;
  readonly localAccounts: "enabled" | "disabled";
  readonly entraIntegration: boolean;
  readonly provisioningState: string;
  /** `Running` or `Stopped`; absent when the inventory did not say. */
  readonly powerState?: string;
  /** Whether it carries BREAKGLASS_CLUSTER_TAG (false for a listed cluster without it). */
  readonly tagged: boolean;
}

export type FleetObservation =
  | { readonly kind: "observed"; readonly clusters: readonly ClusterObservation[] }
  /** The inventory refused the query for a reason a retry cannot fix (a rejected query, no permission). */
  | { readonly kind: "refused"; readonly code: OutcomeCode; readonly message: string };

/**
 * Every managed cluster in one query (paged), in place of one ARM read per cluster. Clusters the
 * query could not see (deleted, or not readable by the app's identity) are absent. Transient
 * failures (throttling, 5xx, timeouts) are thrown as TransientError; the caller falls back to
 * what it knows either way.
 */
export interface FleetInventory {
  observe(query: FleetQuery): Promise<FleetObservation>;
}
