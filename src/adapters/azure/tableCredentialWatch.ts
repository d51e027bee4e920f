// The evidence watch's memory in Table Storage: per cluster, the closed windows whose admin
// credentials may still work; per request, the calls the watch found after its window closed.
// Both are small JSON documents changed with optimistic concurrency (tableDocuments.ts).
import { clusterKey } from "../../domain/clusters.js";
import type { AfterWindowCalls, CredentialWatchStore, WatchedWindow } from "../../ports/credentialWatch.js";
import { TableDocuments } from "./tableDocuments.js";
import type { TableStorageSettings } from "./tables.js";

/** The windows watched on one cluster. */
export interface ClusterWatch {
  readonly windows: readonly WatchedWindow[];
}

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
        : { next: { windows: [...current.windows, window] }, result: undefined },
    );
  }

  async afterWindow(requestId: string): Promise<AfterWindowCalls> {
    return (await this.requests.read(requestId)).state;
  }
}
