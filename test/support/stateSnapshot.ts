// Everything a harness's app has stored, to tell "changed nothing" from "changed something": every
// row of every one of its tables (request rows, audit entries, the outbox, the simulated clusters and
// directory, the activity log...), each with its ETag, so that rewriting a row the same counts too;
// and the workflow instances the engine runs, with the length of their histories.
import { TableServiceClient } from "@azure/data-tables";
import { inject } from "vitest";
import type { Harness } from "./harness.js";

export interface StateSnapshot {
  readonly tables: Readonly<Record<string, readonly string[]>>;
  readonly instances: Readonly<Record<string, number>>;
}

export async function stateSnapshot(h: Harness): Promise<StateSnapshot> {
  const service = TableServiceClient.fromConnectionString(inject("azuriteConnectionString"), {
    allowInsecureConnection: true,
  });
  const names: string[] = [];
  for await (const table of service.listTables({
    queryOptions: { filter: `TableName ge '${h.tablePrefix}' and TableName lt '${h.tablePrefix}~'` },
  })) {
    if (table.name) names.push(table.name.slice(h.tablePrefix.length));
  }
  const tables: Record<string, string[]> = {};
  const listed = await Promise.all(
    names.sort().map(async (name) => {
      const rows: string[] = [];
      for await (const entity of h.table(name).listEntities({ queryOptions: { select: ["PartitionKey", "RowKey"] } })) {
        rows.push(`${entity.partitionKey}|${entity.rowKey}|${entity.etag}`);
      }
      return [name, rows.sort()] as const;
    }),
  );
  // Tables are created on first use: an empty one is no state.
  for (const [name, rows] of listed) if (rows.length) tables[name] = rows;
  const instances = Object.fromEntries(h.engine.instanceIds().map((id) => [id, h.engine.history(id).length]));
  return { tables, instances };
}
