import type { ManagedCluster } from "../domain/clusters.js";
import type { ClusterWindows } from "../domain/windows.js";
import type { StateChange } from "./stateStore.js";

/** What `update` should do with the current state: write `next` (if given) and return `result`. */
export type RegistryChange<T> = StateChange<ClusterWindows, T>;

/** One cluster's document, as a listing of the registry finds it. */
export interface RegisteredCluster {
  /** Its id in lower case (the registry keys clusters case-insensitively). */
  readonly cluster: ManagedCluster;
  readonly windows: ClusterWindows;
}

/**
 * The open windows of each cluster, changed with optimistic concurrency: `update` reads, applies
 * `change`, and writes only if nobody wrote in between, reading again otherwise — no update is lost.
 * Storage outages are thrown as TransientError.
 */
export interface WindowRegistry {
  read(cluster: ManagedCluster): Promise<ClusterWindows>;
  /**
   * Every cluster with a document, in one query (the watchdog's round, docs/design.md §12.2); a
   * cluster whose document does not parse is told to `unreadable`, not left out unsaid.
   */
  list(unreadable: (cluster: ManagedCluster, reason: string) => void): Promise<readonly RegisteredCluster[]>;
  update<T>(cluster: ManagedCluster, change: (current: ClusterWindows) => RegistryChange<T>): Promise<T>;
}
