// Shared plumbing for the Table Storage adapters: one lazily created table per name, and the
// translation of storage errors into what the ports promise (typed results for conflicts
// the caller handles; TransientError for everything a retry may fix).
import { TableClient, type TableEntityResult } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { TransientError } from "../../ports/errors.js";

/** How the account is reached: a connection string, or its table endpoint and a token credential (no shared key). */
export type TableAccount =
  { readonly connectionString: string } | { readonly tableServiceUri: string; readonly credential: TokenCredential };

export type TableStorageSettings = TableAccount & {
  /** Prepended to every table name; lets tests and several deployments share one account. */
  readonly tablePrefix: string;
};

/** A client of one table of the account (the table need not exist yet). */
export function tableClient(account: TableAccount, tableName: string): TableClient {
  if ("credential" in account) return new TableClient(account.tableServiceUri, tableName, account.credential);
  return TableClient.fromConnectionString(account.connectionString, tableName, {
    allowInsecureConnection:
      /(^|;)\s*(UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;|TableEndpoint=http:)/i.test(
        account.connectionString,
      ),
  });
}

export type Entity = TableEntityResult<Record<string, unknown>>;

/** A table that is created on first use. */
export class Table {
  private ready: Promise<TableClient> | undefined;

  constructor(
    private readonly settings: TableStorageSettings,
    readonly name: string,
  ) {}

  client(): Promise<TableClient> {
    this.ready ??= this.create().catch((error: unknown) => {
      this.ready = undefined; // let the next call try again
      throw error;
    });
    return this.ready;
  }

  private async create(): Promise<TableClient> {
    const client = tableClient(this.settings, `${this.settings.tablePrefix}${this.name}`);
    await storageCall(`create table ${this.name}`, () => client.createTable());
    return client;
  }
}

/** The HTTP status of a storage error; data-tables' RestError has statusCode but (for 409/412) no code. */
export function statusOf(error: unknown): number | undefined {
  if (error && typeof error === "object" && "statusCode" in error && typeof error.statusCode === "number")
    return error.statusCode;
  return undefined;
}

/**
 * Runs a storage call. 404, 409 and 412 are returned to the caller as `{ status }` because they
 * carry meaning (absent, exists, changed under us); anything else is thrown as TransientError.
 */
export async function storageCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTransient(what, error);
  }
}

export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: 404 | 409 | 412 };

/** Like storageCall, but 404/409/412 come back as a value for the caller to decide on. */
export async function tryStorageCall<T>(what: string, call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 409 || status === 412) return { ok: false, status };
    throw toTransient(what, error);
  }
}

/** A storage failure as the ports promise it: TransientError, naming what failed. */
export function toTransient(what: string, error: unknown): TransientError {
  if (error instanceof TransientError) return error;
  const status = statusOf(error);
  const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new TransientError(
    status ? `STORAGE_${status}` : "STORAGE_UNAVAILABLE",
    `Table Storage: ${what} failed: ${detail}`,
    undefined,
    {
      cause: error,
    },
  );
}

/** Reads an entity, or undefined when it does not exist. */
export async function readEntity(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<Entity | undefined> {
  const read = await tryStorageCall(`read ${partitionKey}/${rowKey}`, () => client.getEntity(partitionKey, rowKey));
  return read.ok ? read.value : undefined;
}

/** Every entity a query returns (the tables here stay small: a page loop is enough). */
export async function queryAll(client: TableClient, filter: string | undefined, what: string): Promise<Entity[]> {
  return storageCall(what, async () => {
    const entities: Entity[] = [];
    for await (const entity of client.listEntities<Record<string, unknown>>(
      filter ? { queryOptions: { filter } } : {},
    )) {
      entities.push(entity);
    }
    return entities;
  });
}
