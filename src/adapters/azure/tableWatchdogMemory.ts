import { clusterKey, type ManagedCluster } from "../../domain/clusters.js";
import type { WatchdogMemory } from "../../ports/watchdogMemory.js";
import { readEntity, storageCall, Table, type TableStorageSettings } from "./tables.js";

const ROW = "condition";

/** The watchdog's memory of what it last alerted per cluster, in Table Storage. */
export class TableWatchdogMemory implements WatchdogMemory {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "WatchdogState");
  }

  async lastCondition(cluster: ManagedCluster): Promise<string | undefined> {
    const row = await readEntity(await this.table.client(), clusterKey(cluster), ROW);
    return typeof row?.condition === "string" && row.condition ? row.condition : undefined;
  }

  async remember(cluster: ManagedCluster, condition: string | undefined): Promise<void> {
    const client = await this.table.client();
    await storageCall("remember watchdog condition", () =>
      client.upsertEntity(
        { partitionKey: clusterKey(cluster), rowKey: ROW, cluster: cluster.id, condition: condition ?? "" },
        "Replace",
      ),
    );
  }
}
