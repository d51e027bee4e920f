// The evidence watch's memory in Table Storage: per cluster, the closed windows whose admin
// credentials may still work and how far their calls were read; per request, the calls the watch
// found after its window closed. Both are small JSON documents changed with optimistic concurrency
// (tableDocuments.ts).
import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import type { ClusterWatch } from "../../domain/credentialWatch.js";
import { EVIDENCE_ITEM_LIMIT, summarizeAdminCalls, type AdminCall } from "../../domain/evidence.js";
import type { AfterWindowCalls, CredentialWatchStore, WatchedWindow } from "../../ports/credentialWatch.js";
import type { Versioned } from "../../ports/stateStore.js";
import { TableDocuments } from "./tableDocuments.js";
import type { TableStorageSettings } from "./tables.js";

export type { ClusterWatch } from "../../domain/credentialWatch.js";

const NO_CALLS: AfterWindowCalls = { entries: 0, items: [] };

export class TableCredentialWatch implements CredentialWatchStore {
  readonly clusters: TableDocuments<ClusterWatch>;
  readonly requests: TableDocuments<AfterWindowCalls>;

  constructor(settings: TableStorageSettings) {
    this.clusters = new TableDocuments<ClusterWatch>(settings, {
      table: "CredentialWatch",
      row: "cluster",
      empty: { windows: [] },
    });
    this.requests = new TableDocuments<AfterWindowCalls>(settings, {
      table: "CredentialWatch",
      row: "after-window",
      empty: NO_CALLS,
    });
  }

  async watch(window: WatchedWindow): Promise<void> {
    await this.clusters.update(clusterKey(window.cluster), (current) =>
      current.windows.some((watched) => watched.requestId === window.requestId)
        ? { result: undefined }
        : { next: { ...current, windows: [...current.windows, window] }, result: undefined },
    );
  }

  async afterWindow(requestId: string): Promise<AfterWindowCalls> {
    return (await this.requests.read(requestId)).state;
  }

  async watchedClusters(skipped?: (key: string, reason: string) => void): Promise<readonly ClusterWatch[]> {
    return (await this.clusters.list(skipped)).map(({ state }) => state).filter((watch) => watch.windows.length > 0);
  }

  async readCluster(cluster: ManagedCluster): Promise<Versioned<ClusterWatch>> {
    return this.clusters.read(clusterKey(cluster));
  }

  async replaceCluster(cluster: ManagedCluster, next: ClusterWatch, version: string | undefined): Promise<boolean> {
    return this.clusters.replace(clusterKey(cluster), next, version);
  }

  async updateCluster(cluster: ManagedCluster, change: (current: ClusterWatch) => ClusterWatch): Promise<void> {
    await this.clusters.update(clusterKey(cluster), (current) => ({ next: change(current), result: undefined }));
  }

  async recordAfterWindow(requestId: string, calls: readonly AdminCall[]): Promise<void> {
    await this.requests.update(requestId, (current) => {
      // The watch records a round's calls before it marks them seen, so a round that failed in
      // between records them again: those still among the kept items count once. (Only the ids of
      // kept items are stored, so that the document stays small whatever the number of calls.)
      const known = new Set(current.items.map((call) => call.id));
      const fresh = calls.filter((call) => !known.has(call.id));
      if (!fresh.length) return { result: undefined };
      const { items } = summarizeAdminCalls([...current.items, ...fresh], false, EVIDENCE_ITEM_LIMIT);
      return { next: { entries: current.entries + fresh.length, items }, result: undefined };
    });
  }
}
