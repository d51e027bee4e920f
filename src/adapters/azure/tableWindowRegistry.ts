// The window registry in Table Storage: one row per cluster holding its open windows and lease,
// changed only with If-Match, so that concurrent opens and closes never lose an update.
import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import { NO_WINDOWS, type ClusterWindows } from "../../domain/windows.js";
import { TransientError } from "../../ports/errors.js";
import type { RegistryChange, WindowRegistry } from "../../ports/windowRegistry.js";
import { readEntity, Table, tryStorageCall, type TableStorageSettings } from "./tables.js";

const ROW = "windows";
/** Rounds of read-change-write before giving up (only under heavy contention on one cluster). */
const MAX_ROUNDS = 20;

export class TableWindowRegistry implements WindowRegistry {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "Windows");
  }

  async read(cluster: ManagedCluster): Promise<ClusterWindows> {
    const row = await readEntity(await this.table.client(), clusterKey(cluster), ROW);
    return row ? (JSON.parse(String(row.data)) as ClusterWindows) : NO_WINDOWS;
  }

  async update<T>(cluster: ManagedCluster, change: (current: ClusterWindows) => RegistryChange<T>): Promise<T> {
    const client = await this.table.client();
    const key = clusterKey(cluster);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const row = await readEntity(client, key, ROW);
      const current = row ? (JSON.parse(String(row.data)) as ClusterWindows) : NO_WINDOWS;
      const { next, result } = change(current);
      if (!next) return result;
      const entity = { partitionKey: key, rowKey: ROW, cluster: cluster.id, windows: next.windows.length, data: JSON.stringify(next) };
      const written = await tryStorageCall(`update windows of ${cluster.name}`, () =>
        row ? client.updateEntity(entity, "Replace", { etag: row.etag }) : client.createEntity(entity),
      );
      if (written.ok) return result;
      // 412 (changed) or 409 (created meanwhile): someone else wrote first; read their state again.
    }
    throw new TransientError("WINDOWS_CONTENDED", `the windows of ${cluster.name} kept changing during ${MAX_ROUNDS} attempts`);
  }
}
