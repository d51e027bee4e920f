// The evidence watch's memory: clusters whose certificates were not rotated after a window closed,
// so that an admin kubeconfig fetched during it may still work, and what the watch found there.
import type { ManagedCluster } from "../domain/clusters.js";
import type { ClusterWatch, WatchedWindow } from "../domain/credentialWatch.js";
import type { AdminCall } from "../domain/evidence.js";
import type { Versioned } from "./stateStore.js";

export type { WatchedWindow } from "../domain/credentialWatch.js";

/** Calls made with admin credentials after a request's window closed. */
export interface AfterWindowCalls {
  readonly entries: number;
  /** The first of them, oldest first (EVIDENCE_ITEM_LIMIT at most). */
  readonly items: readonly AdminCall[];
}

/** Storage outages are thrown as TransientError. */
export interface CredentialWatchStore {
  /** Puts the window under watch; watching the same window again changes nothing. */
  watch(window: WatchedWindow): Promise<void>;
  /** What the watch found after the window of `requestId` closed; none when it found nothing. */
  afterWindow(requestId: string): Promise<AfterWindowCalls>;
  /** Every cluster with a window under watch; a stored watch that cannot be read is skipped and told to `skipped`. */
  watchedClusters(skipped?: (key: string, reason: string) => void): Promise<readonly ClusterWatch[]>;
  /** A cluster's watch and the version it was read at. */
  readCluster(cluster: ManagedCluster): Promise<Versioned<ClusterWatch>>;
  /** Writes the cluster's watch only if it is still at `version`; false when someone wrote first. */
  replaceCluster(cluster: ManagedCluster, next: ClusterWatch, version: string | undefined): Promise<boolean>;
  /** Changes a cluster's watch with optimistic concurrency (`change` may run again on what another writer left). */
  updateCluster(cluster: ManagedCluster, change: (current: ClusterWatch) => ClusterWatch): Promise<void>;
  /** Adds calls found after the window of `requestId` closed (calls already recorded count once). */
  recordAfterWindow(requestId: string, calls: readonly AdminCall[]): Promise<void>;
}
