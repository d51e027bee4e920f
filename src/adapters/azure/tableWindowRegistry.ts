// The window registry in Table Storage: one document per cluster holding its open windows and
// lease, changed only with If-Match, so that concurrent opens and closes never lose an update.
import { clusterKey, clusterOfKey, type ManagedCluster } from "../../domain/clusters.js";
import { NO_WINDOWS, type ClusterWindows } from "../../domain/windows.js";
import type { RegisteredCluster, RegistryChange, WindowRegistry } from "../../ports/windowRegistry.js";
import { TableDocuments } from "./tableDocuments.js";
import type { TableStorageSettings } from "./tables.js";

export class TableWindowRegistry implements WindowRegistry {
  private readonly documents: TableDocuments<ClusterWindows>;

  constructor(settings: TableStorageSettings) {
    this.documents = new TableDocuments(settings, {
      table: "Windows",
      row: "windows",
      empty: NO_WINDOWS,
      columns: (_key, state) => ({ windows: state.windows.length }),
    });
  }

  async read(cluster: ManagedCluster): Promise<ClusterWindows> {
    return (await this.documents.read(clusterKey(cluster))).state;
  }

  async list(unreadable: (cluster: ManagedCluster, reason: string) => void): Promise<readonly RegisteredCluster[]> {
    const documents = await this.documents.list((key, reason) => {
      const cluster = clusterOfKey(key);
      if (cluster) unreadable(cluster, reason);
    });
    return documents.flatMap(({ key, state }) => {
      const cluster = clusterOfKey(key);
      return cluster ? [{ cluster, windows: state }] : [];
    });
  }

  update<T>(cluster: ManagedCluster, change: (current: ClusterWindows) => RegistryChange<T>): Promise<T> {
    return this.documents.update(clusterKey(cluster), change);
  }
}
