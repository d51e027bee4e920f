import type { ManagedCluster } from "../domain/clusters.js";

/** Remembers, per cluster, which lasting condition was last alerted, so it is alerted once. */
export interface WatchdogMemory {
  lastCondition(cluster: ManagedCluster): Promise<string | undefined>;
  remember(cluster: ManagedCluster, condition: string | undefined): Promise<void>;
}
