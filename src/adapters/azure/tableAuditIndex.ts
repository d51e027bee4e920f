// The audit index in Table Storage: each request under its cluster and under its month, keyed by
// the time it was requested, so that "cluster X between A and B" and "everything between A and B"
// are range queries over a few partitions, never a scan of the audit trail. A request's own row
// also keeps the head of its trail as it was when the request ended, sealed with the app's key.
import { odata, type TableClient } from "@azure/data-tables";
import { clusterKey } from "../../domain/clusters.js";
import { type AuditHead } from "../../domain/audit.js";
import { isSealed, sealHead } from "../../domain/auditChain.js";
import type { AuditIndex, AuditQuery, IndexedRequest, IndexEntry } from "../../ports/auditIndex.js";
import { readEntity, storageCall, Table, type Entity, type TableStorageSettings } from "./tables.js";

const REQUESTS = "request";
const byCluster = (cluster: string) => `cluster|${clusterKey({ id: cluster })}`;
const byMonth = (at: string) => `month|${at.slice(0, 7)}`;
const rowKeyOf = (request: Pick<IndexedRequest, "requestedAt" | "requestId">) =>
  `${request.requestedAt}|${request.requestId}`;

export class TableAuditIndex implements AuditIndex {
  private readonly table: Table;

  constructor(
    settings: TableStorageSettings,
    private readonly sealKey: Uint8Array,
  ) {
    this.table = new Table(settings, "AuditIndex");
  }

  async add(request: Omit<IndexedRequest, "closedHead">): Promise<void> {
    const client = await this.table.client();
    const fields = {
      requestId: request.requestId,
      cluster: request.cluster,
      requestedAt: request.requestedAt,
      requester: request.requester,
    };
    // Merge, so that adding again never drops a head recorded meanwhile. The request's own row
    // last: when it exists, so do its listings (verification checks that they still do).
    for (const partitionKey of [byCluster(request.cluster), byMonth(request.requestedAt), REQUESTS]) {
      const rowKey = partitionKey === REQUESTS ? request.requestId : rowKeyOf(request);
      await storageCall("index an audited request", () =>
        client.upsertEntity({ partitionKey, rowKey, ...fields }, "Merge"),
      );
    }
  }

  async recordClosedHead(requestId: string, head: AuditHead): Promise<void> {
    const client = await this.table.client();
    const seal = sealHead(this.sealKey, "closed", requestId, head);
    await storageCall("record the head of an audit trail", () =>
      client.upsertEntity(
        { partitionKey: REQUESTS, rowKey: requestId, headEntries: head.entries, headHash: head.hash, headSeal: seal },
        "Merge",
      ),
    );
  }

  async get(requestId: string): Promise<IndexEntry | undefined> {
    const client = await this.table.client();
    const row = await readEntity(client, REQUESTS, requestId);
    if (!row) return undefined;
    const request = this.toRequest(row);
    const listed =
      request.cluster && request.requestedAt
        ? await Promise.all(
            [byCluster(request.cluster), byMonth(request.requestedAt)].map((partition) =>
              readEntity(client, partition, rowKeyOf(request)),
            ),
          )
        : [];
    return { ...request, findable: listed.length === 2 && listed.every((listing) => listing !== undefined) };
  }

  async find(query: AuditQuery): Promise<{ readonly requests: readonly IndexedRequest[]; readonly next?: string }> {
    const client = await this.table.client();
    // A cursor never reaches back before `from` (a client may reuse one with a narrower range).
    const from = query.from.toISOString();
    const start = query.after !== undefined && query.after > from ? query.after : from;
    const end = query.to.toISOString();
    const partitions = query.cluster
      ? [byCluster(query.cluster)]
      : monthsBetween(query.from, query.to).map((month) => `month|${month}`);
    const found: IndexedRequest[] = [];
    for (const partition of partitions) {
      found.push(...(await this.range(client, partition, start, end, query.limit + 1 - found.length, start !== from)));
      if (found.length > query.limit) break;
    }
    if (found.length <= query.limit) return { requests: found };
    const page = found.slice(0, query.limit);
    return { requests: page, next: rowKeyOf(page.at(-1)!) };
  }

  /** Rows of a partition from `start` (after it, for a cursor) to before `end`, in key order, at most `limit`. */
  private async range(
    client: TableClient,
    partition: string,
    start: string,
    end: string,
    limit: number,
    exclusive: boolean,
  ): Promise<IndexedRequest[]> {
    const filter = exclusive
      ? odata`PartitionKey eq ${partition} and RowKey gt ${start} and RowKey lt ${end}`
      : odata`PartitionKey eq ${partition} and RowKey ge ${start} and RowKey lt ${end}`;
    return storageCall("query the audit index", async () => {
      const rows: IndexedRequest[] = [];
      for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        if (rows.length >= limit) break;
        rows.push(this.toRequest(row));
      }
      return rows;
    });
  }

  private toRequest(row: Entity): IndexedRequest {
    const text = (name: string) => (typeof row[name] === "string" ? row[name] : "");
    const requestId = text("requestId") || (row.partitionKey === REQUESTS ? (row.rowKey ?? "") : "");
    const head = typeof row.headEntries === "number" ? { entries: row.headEntries, hash: text("headHash") } : undefined;
    return {
      requestId,
      cluster: text("cluster"),
      requestedAt: text("requestedAt"),
      requester: text("requester"),
      ...(head
        ? { closedHead: { ...head, sealed: isSealed(this.sealKey, "closed", requestId, head, text("headSeal")) } }
        : {}),
    };
  }
}

/** The months (YYYY-MM, UTC) that [from, to) touches, in order. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor < to) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}
