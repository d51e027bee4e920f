// Keeps the offline host's orchestration instances in Table Storage (Azurite), one row per
// instance, so that a restarted host carries on where it stopped.
import { odata, type TableClient } from "@azure/data-tables";
import { tableClient, type TableAccount } from "../../src/adapters/azure/tables.js";
import type { InstanceSnapshot, InstanceStore } from "./engine.js";

/** Table Storage strings hold 32K UTF-16 characters; the snapshot JSON is split into such chunks. */
const CHUNK = 30_000;
const ROW = "instance";

export class TableInstanceStore implements InstanceStore {
  private ready: Promise<TableClient> | undefined;

  constructor(
    /** The app's own account and credential: no connection string is needed when the app has none. */
    private readonly account: TableAccount,
    /** Distinct from the Durable extension's own <hub>Instances table, should both use one account. */
    private readonly tableName: string,
  ) {}

  async save(snapshot: InstanceSnapshot): Promise<void> {
    const json = JSON.stringify(snapshot);
    const chunks: Record<string, string> = {};
    for (let i = 0; i * CHUNK < json.length; i++) chunks[`d${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
    await (
      await this.client()
    ).upsertEntity(
      {
        partitionKey: snapshot.instanceId,
        rowKey: ROW,
        runtimeStatus: snapshot.runtimeStatus,
        chunks: Object.keys(chunks).length,
        ...chunks,
      },
      "Replace",
    );
  }

  async loadRunning(): Promise<readonly InstanceSnapshot[]> {
    const snapshots: InstanceSnapshot[] = [];
    const rows = (await this.client()).listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`runtimeStatus eq ${"Running"}` },
    });
    for await (const row of rows) {
      let json = "";
      for (let i = 0; i < Number(row.chunks); i++) json += String(row[`d${i}`]);
      snapshots.push(JSON.parse(json) as InstanceSnapshot);
    }
    return snapshots;
  }

  private client(): Promise<TableClient> {
    this.ready ??= (async () => {
      const client = tableClient(this.account, this.tableName);
      await client.createTable();
      return client;
    })();
    return this.ready;
  }
}
