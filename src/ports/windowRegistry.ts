import type { ManagedCluster } from "../domain/clusters.js";
import type { ClusterWindows } from "../domain/windows.js";
import type { StateChange } from "./stateStore.js";

/** What `update` should do with the current state: write `next` (if given) and return `result`. */
export type RegistryChange<T> = StateChange<ClusterWindows, T>;

/**
 * The open windows of each cluster, changed with optimistic concurrency: `update` reads, applies
 * `change`, and writes only if nobody wrote in between, reading again otherwise — no update is lost.
 * Storage outages are thrown as TransientError.
 */
export interface WindowRegistry {
  read(cluster: ManagedCluster): Promise<ClusterWindows>;
  update<T>(cluster: ManagedCluster, change: (current: ClusterWindows) => RegistryChange<T>): Promise<T>;
}
