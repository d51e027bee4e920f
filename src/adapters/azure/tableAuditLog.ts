// The audit trail in Table Storage: one partition per stream, one row per entry, columns a
// human can read in Storage Explorer. Append-only: this adapter has no update or delete of an
// entry. A request stream also has a head row (how many entries, the last hash, sealed with the
// app's key), written in the same entity-group transaction as each entry, so the head can never
// disagree with the entries the app wrote.
import { upstreamCode } from "../../domain/codes.js";
import { odata, type TransactionAction } from "@azure/data-tables";
import {
  advanceHead,
  sameAuditContent,
  type AuditEntry,
  type AuditEventType,
  type AuditHead,
  type AuditOutcome,
} from "../../domain/audit.js";
import { isSealed, sealHead } from "../../domain/auditChain.js";
import type { AppendResult, AuditLog, SealedHead } from "../../ports/auditLog.js";
import { TransientError } from "../../ports/errors.js";
import {
  queryAll,
  readEntity,
  statusOf,
  Table,
  toTransient,
  tryStorageCall,
  type Entity,
  type TableStorageSettings,
} from "./tables.js";

/** Sorts after every entry key (digits, or ISO dates), and cannot be one. */
const HEAD_ROW = "head";
/** Rounds of head contention before giving up (one workflow writes a stream, so this is rare). */
const MAX_ROUNDS = 10;

export class TableAuditLog implements AuditLog {
  private readonly table: Table;

  constructor(
    settings: TableStorageSettings,
    /** The key that seals heads (derived from BREAKGLASS_LINK_SIGNING_KEY). */
    private readonly sealKey: Uint8Array,
  ) {
    this.table = new Table(settings, "Audit");
  }

  async append(entry: AuditEntry): Promise<AppendResult> {
    const client = await this.table.client();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const headRow = entry.sequence === undefined ? undefined : await readEntity(client, entry.stream, HEAD_ROW);
      const head = advanceHead(headRow ? headOf(headRow) : undefined, entry);
      const actions: TransactionAction[] = [["create", toRow(entry)]];
      if (head) {
        const row = {
          partitionKey: entry.stream,
          rowKey: HEAD_ROW,
          entries: head.entries,
          hash: head.hash,
          seal: sealHead(this.sealKey, "current", entry.stream, head),
        };
        actions.push(headRow ? ["update", row, "Replace", { etag: headRow.etag }] : ["create", row]);
      }
      try {
        await client.submitTransaction(actions);
        return { kind: "appended" };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412) throw toTransient(`append audit ${entry.stream}/${entry.key}`, error);
      }
      // The entry exists (a retried append, or something else under its key), or the head moved.
      const stored = await readEntity(client, entry.stream, entry.key);
      if (stored) {
        const existing = fromRow(stored);
        // The content, not just the hash column: a row edited by hand is not the entry being retried.
        return sameAuditContent(existing, entry) ? { kind: "duplicate" } : { kind: "conflict", existing };
      }
    }
    throw new TransientError("AUDIT_HEAD_CONTENDED", `the head of audit stream ${entry.stream} kept changing`);
  }

  async readStream(stream: string): Promise<readonly AuditEntry[]> {
    const client = await this.table.client();
    const rows = await queryAll(
      client,
      odata`PartitionKey eq ${stream} and RowKey ne ${HEAD_ROW}`,
      `read audit stream ${stream}`,
    );
    return rows.map(fromRow).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async readHead(stream: string): Promise<SealedHead | undefined> {
    const read = await tryStorageCall(`read audit head ${stream}`, async () =>
      (await this.table.client()).getEntity(stream, HEAD_ROW),
    );
    if (!read.ok) return undefined;
    const head = headOf(read.value);
    return {
      ...head,
      sealed: isSealed(
        this.sealKey,
        "current",
        stream,
        head,
        typeof read.value.seal === "string" ? read.value.seal : "",
      ),
    };
  }
}

function headOf(row: Entity): AuditHead {
  return { entries: Number(row.entries), hash: String(row.hash) };
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
    ...(entry.sequence === undefined ? {} : { sequence: entry.sequence, prevHash: entry.prevHash ?? "" }),
    hash: entry.hash,
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
    ...(text("code") ? { code: upstreamCode(text("code")) } : {}),
    ...(text("message") ? { message: text("message") } : {}),
    ...(text("details") ? { details: parseDetails(text("details")) } : {}),
    ...(typeof row.sequence === "number" ? { sequence: row.sequence, prevHash: text("prevHash") } : {}),
    hash: text("hash"),
  };
}

/** Details as stored; text that is not JSON any more (edited by hand) is kept, so verification reports it. */
function parseDetails(text: string): AuditEntry["details"] {
  try {
    return JSON.parse(text) as AuditEntry["details"];
  } catch {
    return { unreadable: text };
  }
}
