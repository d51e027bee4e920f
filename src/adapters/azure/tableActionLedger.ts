// Action receipts in Table Storage: one partition per request (its receipts, oldest first) and one
// work-list partition of those not yet settled, so the sweep reads only what is outstanding.
import { odata } from "@azure/data-tables";
import type { ActionReceipt, ActionType } from "../../domain/actions.js";
import type { ActionLedger } from "../../ports/actionLedger.js";
import { storageCall, Table, tryStorageCall, type Entity, type TableStorageSettings } from "./tables.js";

/** Cannot be a request id (those are `bg-…`). */
const UNSETTLED = "unsettled";

export class TableActionLedger implements ActionLedger {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "Actions");
  }

  async receive(receipt: ActionReceipt): Promise<void> {
    const client = await this.table.client();
    // The work-list row first: a receipt that is listed but not on the work list would never be settled.
    for (const partitionKey of [UNSETTLED, receipt.requestId]) {
      await storageCall(`record action ${receipt.id}`, () =>
        client.upsertEntity(
          { partitionKey, rowKey: rowKeyOf(partitionKey, receipt), ...columnsOf(receipt) },
          "Replace",
        ),
      );
    }
  }

  async list(requestId: string): Promise<readonly ActionReceipt[]> {
    return this.query(odata`PartitionKey eq ${requestId}`, Number.POSITIVE_INFINITY);
  }

  async unsettled(limit: number, after?: ActionReceipt): Promise<readonly ActionReceipt[]> {
    const filter = after
      ? odata`PartitionKey eq ${UNSETTLED} and RowKey gt ${rowKeyOf(UNSETTLED, after)}`
      : odata`PartitionKey eq ${UNSETTLED}`;
    return this.query(filter, limit);
  }

  async settle(receipt: ActionReceipt): Promise<void> {
    await this.remove(UNSETTLED, receipt);
  }

  async withdraw(receipt: ActionReceipt): Promise<void> {
    await this.remove(receipt.requestId, receipt);
    await this.remove(UNSETTLED, receipt);
  }

  private async remove(partitionKey: string, receipt: ActionReceipt): Promise<void> {
    const client = await this.table.client();
    // 404: already removed, which is what was asked.
    await tryStorageCall(`remove action ${receipt.id}`, () =>
      client.deleteEntity(partitionKey, rowKeyOf(partitionKey, receipt)),
    );
  }

  private async query(filter: string, limit: number): Promise<ActionReceipt[]> {
    const client = await this.table.client();
    return storageCall("read action receipts", async () => {
      const receipts: ActionReceipt[] = [];
      for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const receipt = receiptOf(row);
        if (receipt) receipts.push(receipt);
        if (receipts.length >= limit) break;
      }
      return receipts;
    });
  }
}

/** Row keys sort by arrival; the work list also names the request. */
function rowKeyOf(partitionKey: string, receipt: ActionReceipt): string {
  return partitionKey === UNSETTLED
    ? `${receipt.at}_${receipt.requestId}_${receipt.id}`
    : `${receipt.at}_${receipt.id}`;
}

function columnsOf(receipt: ActionReceipt) {
  return {
    actionId: receipt.id,
    requestId: receipt.requestId,
    type: receipt.type,
    at: receipt.at,
    actorOid: receipt.actor.oid,
    actorUpn: receipt.actor.upn,
    actorName: receipt.actor.displayName,
  };
}

const ACTION_TYPES: ReadonlySet<string> = new Set<ActionType>(["approve", "deny", "close", "extend"]);

/** A receipt as stored; a row edited out of shape is skipped rather than trusted. */
function receiptOf(row: Entity): ActionReceipt | undefined {
  const text = (name: string) => (typeof row[name] === "string" ? row[name] : "");
  if (!text("actionId") || !text("requestId") || !text("actorOid") || !ACTION_TYPES.has(text("type"))) return undefined;
  return {
    id: text("actionId"),
    requestId: text("requestId"),
    type: text("type") as ActionType,
    at: text("at"),
    actor: { oid: text("actorOid"), upn: text("actorUpn"), displayName: text("actorName") },
  };
}
