// Idempotency keys in Table Storage: one partition per requester, one row per key. The row key is
// the key's SHA-256 (hex), since a key may hold characters a row key may not ('/', '\', '#', '?')
// and up to 128 of them; the etag is the version conditional writes name.
import { createHash } from "node:crypto";
import type {
  IdempotencyRecord,
  IdempotencyStore,
  ReplaceResult,
  ReserveResult,
  StoredIdempotencyRecord,
} from "../../ports/idempotencyStore.js";
import { readEntity, Table, tryStorageCall, type Entity, type TableStorageSettings } from "./tables.js";

export class TableIdempotencyStore implements IdempotencyStore {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "IdempotencyKeys");
  }

  async read(requesterOid: string, key: string): Promise<StoredIdempotencyRecord | undefined> {
    const row = await readEntity(await this.table.client(), partitionOf(requesterOid), rowOf(key));
    return row ? recordOf(row) : undefined;
  }

  async reserve(requesterOid: string, key: string, record: IdempotencyRecord): Promise<ReserveResult> {
    const client = await this.table.client();
    const created = await tryStorageCall("reserve idempotency key", () =>
      client.createEntity(entityOf(requesterOid, key, record)),
    );
    if (created.ok) return { kind: "reserved", version: created.value.etag ?? "" };
    return { kind: "exists" };
  }

  async replace(requesterOid: string, key: string, record: IdempotencyRecord, version: string): Promise<ReplaceResult> {
    const client = await this.table.client();
    const written = await tryStorageCall("replace idempotency key", () =>
      client.updateEntity(entityOf(requesterOid, key, record), "Replace", { etag: version }),
    );
    if (written.ok) return { kind: "replaced", version: written.value.etag ?? "" };
    return { kind: "changed" };
  }

  async release(requesterOid: string, key: string, version: string): Promise<void> {
    const client = await this.table.client();
    // 404/412: gone or taken over meanwhile; either way it is no longer this attempt's.
    await tryStorageCall("release idempotency key", () =>
      client.deleteEntity(partitionOf(requesterOid), rowOf(key), { etag: version }),
    );
  }
}

/** Oids are GUIDs, which may come in either case. */
function partitionOf(requesterOid: string): string {
  return requesterOid.toLowerCase();
}

function rowOf(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function entityOf(requesterOid: string, key: string, record: IdempotencyRecord) {
  return {
    partitionKey: partitionOf(requesterOid),
    rowKey: rowOf(key),
    requestId: record.requestId,
    reservedAt: record.reservedAt,
    answer: record.answer ?? "",
  };
}

/** A record as stored; a row edited out of shape reads as one reserved at an unreadable time (taken over). */
function recordOf(row: Entity): StoredIdempotencyRecord {
  const text = (name: string) => (typeof row[name] === "string" ? row[name] : "");
  return {
    requestId: text("requestId"),
    reservedAt: text("reservedAt"),
    ...(text("answer") ? { answer: text("answer") } : {}),
    version: row.etag,
  };
}
