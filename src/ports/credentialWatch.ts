// The evidence watch's memory: clusters whose certificates were not rotated after a window closed,
// so that an admin kubeconfig fetched during it may still work, and what the watch found there.
import type { ManagedCluster } from "../domain/clusters.js";
import type { AdminCall } from "../domain/evidence.js";

/** A closed window whose admin credentials may outlive it. */
export interface WatchedWindow {
  readonly requestId: string;
  readonly cluster: ManagedCluster;
  /** When local accounts were enabled for it: admin credentials fetched since then may exist. */
  readonly enabledSince: string;
  /** When local accounts were disabled again: a call as `masterclient` after this is a use after the window. */
  readonly lockedAt: string;
}

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
}
