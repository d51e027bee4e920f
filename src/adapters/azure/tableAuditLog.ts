// The audit trail in Table Storage: one partition per stream, one row per entry, columns a
// human can read in Storage Explorer. Append-only: this adapter has no update or delete.
import { odata } from "@azure/data-tables";
import { sameAuditContent, type AuditEntry, type AuditEventType, type AuditOutcome } from "../../domain/audit.js";
import type { AppendResult, AuditLog } from "../../ports/auditLog.js";
import { TransientError } from "../../ports/errors.js";
import { queryAll, readEntity, Table, tryStorageCall, type Entity, type TableStorageSettings } from "./tables.js";

export class TableAuditLog implements AuditLog {
  private readonly table: Table;

  constructor(settings: TableStorageSettings) {
    this.table = new Table(settings, "Audit");
  }

  async append(entry: AuditEntry): Promise<AppendResult> {
    const client = await this.table.client();
    const created = await tryStorageCall(`append audit ${entry.stream}/${entry.key}`, () => client.createEntity(toRow(entry)));
    if (created.ok) return { kind: "appended" };
    // 409: something is stored under this key already. The same entry is a retried append.
    const stored = await readEntity(client, entry.stream, entry.key);
    // There is no delete path, so an entry that existed a moment ago and is gone was removed by hand.
    if (!stored) throw new TransientError("AUDIT_ENTRY_VANISHED", `audit entry ${entry.stream}/${entry.key} disappeared during append`);
    const existing = fromRow(stored);
    return sameAuditContent(existing, entry) ? { kind: "duplicate" } : { kind: "conflict", existing };
  }

  async readStream(stream: string): Promise<readonly AuditEntry[]> {
    const client = await this.table.client();
    const rows = await queryAll(client, odata`PartitionKey eq ${stream}`, `read audit stream ${stream}`);
    return rows.map(fromRow).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function toRow(entry: AuditEntry) {
  return {
    partitionKey: entry.stream,
    rowKey: entry.key,
    type: entry.type,
    at: entry.at,
    actorOid: entry.actor?.oid ?? "",
    actorUpn: entry.actor?.upn ?? "",
    cluster: entry.cluster,
    outcome: entry.outcome,
    code: entry.code ?? "",
    message: entry.message ?? "",
    details: entry.details ? JSON.stringify(entry.details) : "",
  };
}

function fromRow(row: Entity): AuditEntry {
  const text = (name: string): string => {
    const value = row[name];
    return typeof value === "string" ? value : "";
  };
  return {
    stream: row.partitionKey ?? "",
    key: row.rowKey ?? "",
    type: text("type") as AuditEventType,
    at: text("at"),
    actor: text("actorOid") ? { oid: text("actorOid"), upn: text("actorUpn") } : null,
    cluster: text("cluster"),
    outcome: text("outcome") as AuditOutcome,
    ...(text("code") ? { code: text("code") } : {}),
    ...(text("message") ? { message: text("message") } : {}),
    ...(text("details") ? { details: JSON.parse(text("details")) as AuditEntry["details"] } : {}),
  };
}
