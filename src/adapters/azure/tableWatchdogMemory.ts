import { odata } from "@azure/data-tables";
import { clusterKey } from "../../domain/clusters.js";
import type { MemorySubject, WatchdogMemory } from "../../ports/watchdogMemory.js";
import { queryAll, readEntity, storageCall, Table, type TableStorageSettings } from "./tables.js";

const ROW = "condition";

/** The watchdog's memory of what it last alerted per cluster, in Table Storage. */
export class TableWatchdogMemory implements WatchdogMemory {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "WatchdogState");
  }

  async lastCondition(subject: MemorySubject): Promise<string | undefined> {
    const row = await readEntity(await this.table.client(), clusterKey(subject), ROW);
    return typeof row?.condition === "string" && row.condition ? row.condition : undefined;
  }

  async remember(subject: MemorySubject, condition: string | undefined): Promise<void> {
    const client = await this.table.client();
    await storageCall("remember watchdog condition", () =>
      client.upsertEntity(
        { partitionKey: clusterKey(subject), rowKey: ROW, cluster: subject.id, condition: condition ?? "" },
        "Replace",
      ),
    );
  }

  async conditions(): Promise<ReadonlyMap<string, string>> {
    const rows = await queryAll(await this.table.client(), odata`RowKey eq ${ROW}`, "list watchdog conditions");
    return new Map(
      rows.flatMap((row) =>
        typeof row.condition === "string" && row.condition ? [[String(row.partitionKey), row.condition]] : [],
      ),
    );
  }
}
