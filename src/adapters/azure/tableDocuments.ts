// Small JSON documents in Table Storage, one row per key, written only with If-Match on the row's
// ETag (or as a new row), so that concurrent writers never lose an update.
import { TransientError } from "../../ports/errors.js";
import type { StateChange, StateStore, Versioned } from "../../ports/stateStore.js";
import { odata } from "@azure/data-tables";
import { queryAll, readEntity, Table, tryStorageCall, type Entity, type TableStorageSettings } from "./tables.js";

/** Rounds of read-change-write before giving up (only under heavy contention on one key). */
const MAX_ROUNDS = 20;
/** A string property holds at most 64 KiB (32K UTF-16 characters); longer JSON is split across columns. */
export const CHUNK_CHARS = 30_000;
/** An entity holds at most 1 MiB in all. */
const MAX_CHUNKS = 15;

const chunkColumn = (index: number) => (index === 0 ? "data" : `data${index}`);

/** Pieces of at most CHUNK_CHARS, never ending between the two halves of a surrogate pair. */
function splitChunks(json: string): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < json.length || !chunks.length;) {
    let end = Math.min(start + CHUNK_CHARS, json.length);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
    chunks.push(json.slice(start, end));
    start = end;
  }
  return chunks;
}

function joinChunks(row: Entity): string {
  let text = "";
  for (let index = 0; typeof row[chunkColumn(index)] === "string"; index++) text += String(row[chunkColumn(index)]);
  return text;
}

export interface DocumentLayout<S> {
  readonly table: string;
  /** The row key of every document (each key is its own partition). */
  readonly row: string;
  /** The state of a key that has no row yet. */
  readonly empty: S;
  /** Readable columns written beside the JSON, for someone looking at the table. */
  readonly columns?: (key: string, state: S) => Readonly<Record<string, string | number | boolean>>;
}

export class TableDocuments<S> implements StateStore<S> {
  private readonly table: Table;

  constructor(
    settings: TableStorageSettings,
    private readonly layout: DocumentLayout<S>,
  ) {
    this.table = new Table(settings, layout.table);
  }

  async read(key: string): Promise<Versioned<S>> {
    const row = await readEntity(await this.table.client(), key, this.layout.row);
    return row
      ? { state: JSON.parse(joinChunks(row)) as S, version: row.etag }
      : { state: this.layout.empty, version: undefined };
  }

  /** Every stored document, by key; one that does not parse is skipped (and told to `skipped`), not fatal to the rest. */
  async list(
    skipped: (key: string, reason: string) => void = () => undefined,
  ): Promise<readonly { readonly key: string; readonly state: S }[]> {
    const rows = await queryAll(
      await this.table.client(),
      odata`RowKey eq ${this.layout.row}`,
      `list ${this.layout.table}`,
    );
    return rows.flatMap((row) => {
      const key = String(row.partitionKey);
      try {
        return [{ key, state: JSON.parse(joinChunks(row)) as S }];
      } catch (error) {
        skipped(key, error instanceof Error ? error.message : String(error));
        return [];
      }
    });
  }

  async replace(key: string, next: S, version: string | undefined): Promise<boolean> {
    const client = await this.table.client();
    const json = JSON.stringify(next);
    const chunks = splitChunks(json);
    // Not transient, but thrown like a storage failure: the caller's run fails loudly and says why.
    if (chunks.length > MAX_CHUNKS)
      throw new TransientError(
        "STATE_TOO_LARGE",
        `${this.layout.table} ${key} would be ${json.length} characters; at most ${MAX_CHUNKS * CHUNK_CHARS} fit in a row`,
      );
    const data = Object.fromEntries(chunks.map((chunk, index) => [chunkColumn(index), chunk]));
    const entity = { partitionKey: key, rowKey: this.layout.row, ...this.layout.columns?.(key, next), ...data };
    const written = await tryStorageCall(`write ${this.layout.table} ${key}`, () =>
      version === undefined ? client.createEntity(entity) : client.updateEntity(entity, "Replace", { etag: version }),
    );
    // 412 (changed) or 409 (created meanwhile): someone else wrote first.
    return written.ok;
  }

  async update<T>(key: string, change: (current: S) => StateChange<S, T>): Promise<T> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { state, version } = await this.read(key);
      const { next, result } = change(state);
      if (!next || (await this.replace(key, next, version))) return result;
    }
    throw new TransientError(
      "STATE_CONTENDED",
      `${this.layout.table} ${key} kept changing during ${MAX_ROUNDS} attempts`,
    );
  }
}
