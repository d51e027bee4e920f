// Requests in Table Storage. A request is one row (the JSON of the request plus a few columns
// to filter on), updated with If-Match so that concurrent writers never lose an update.
// "One live request per requester per cluster" is a second table of slots: creating a slot is
// atomic (insert fails if it exists), and a slot is released when its request ends.
import { odata, type TableClient } from "@azure/data-tables";
import { canonicalJson } from "../../domain/audit.js";
import { clusterKey } from "../../domain/clusters.js";
import { decideTransition, isTerminal } from "../../domain/lifecycle.js";
import { blocksNewRequest } from "../../domain/policy.js";
import type { EmergencyRequest, RequestProgress } from "../../domain/request.js";
import { TransientError } from "../../ports/errors.js";
import type {
  CreateRequestResult,
  RecordProgressResult,
  RequestFilter,
  RequestStore,
} from "../../ports/requestStore.js";
import { queryAll, readEntity, storageCall, Table, tryStorageCall, type TableStorageSettings } from "./tables.js";

const REQUEST_ROW = "request";
const SLOT_PARTITION = "live";
/** Optimistic-concurrency rounds before giving up and letting the caller retry later. */
const MAX_ROUNDS = 5;

export class TableRequestStore implements RequestStore {
  private readonly requests: Table;
  private readonly slots: Table;

  constructor(settings: TableStorageSettings) {
    this.requests = new Table(settings, "Requests");
    this.slots = new Table(settings, "LiveRequests");
  }

  async create(request: EmergencyRequest): Promise<CreateRequestResult> {
    const requests = await this.requests.client();
    // The row comes first, so that whoever finds the slot taken can always read its holder.
    await storageCall(`create request ${request.id}`, () => requests.createEntity(toRow(request)));
    const claim = await this.claimSlot(request);
    if (claim.kind === "claimed") return { kind: "created" };
    await storageCall(`discard request ${request.id}`, () => requests.deleteEntity(request.id, REQUEST_ROW));
    return { kind: "live-request-exists", existingId: claim.holder };
  }

  async get(id: string): Promise<EmergencyRequest | undefined> {
    const row = await readEntity(await this.requests.client(), id, REQUEST_ROW);
    return row ? fromRow(row) : undefined;
  }

  async recordProgress(id: string, progress: RequestProgress): Promise<RecordProgressResult> {
    const requests = await this.requests.client();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const row = await readEntity(requests, id, REQUEST_ROW);
      if (!row) return { kind: "not-found" };
      const current = fromRow(row);
      const decision = decideTransition(current.status, progress.status);
      if (decision === "illegal") return { kind: "illegal", request: current };
      const next = applyProgress(current, progress);
      if (canonicalJson({ ...next, updatedAt: "" }) === canonicalJson({ ...current, updatedAt: "" })) {
        await this.releaseSlotIfEnded(current);
        return { kind: "already-there", request: current };
      }
      const written = await tryStorageCall(`update request ${id}`, () =>
        requests.updateEntity(toRow(next), "Replace", { etag: row.etag }),
      );
      if (!written.ok) continue; // changed under us (412): read again
      await this.releaseSlotIfEnded(next);
      return { kind: "applied", request: next };
    }
    throw new TransientError("REQUEST_CONTENDED", `request ${id} kept changing during ${MAX_ROUNDS} update attempts`);
  }

  async list(filter: RequestFilter): Promise<readonly EmergencyRequest[]> {
    const clauses = [
      filter.status ? odata`status eq ${filter.status}` : undefined,
      filter.clusterId ? odata`clusterId eq ${filter.clusterId.toLowerCase()}` : undefined,
    ].filter((clause): clause is string => clause !== undefined);
    const rows = await queryAll(
      await this.requests.client(),
      clauses.length ? clauses.join(" and ") : undefined,
      "list requests",
    );
    return rows.map(fromRow).sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || b.id.localeCompare(a.id));
  }

  private async claimSlot(request: EmergencyRequest): Promise<{ kind: "claimed" } | { kind: "taken"; holder: string }> {
    const slots = await this.slots.client();
    const rowKey = slotKey(request);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const created = await tryStorageCall("claim live-request slot", () =>
        slots.createEntity({ partitionKey: SLOT_PARTITION, rowKey, requestId: request.id }),
      );
      if (created.ok) return { kind: "claimed" };
      const slot = await readEntity(slots, SLOT_PARTITION, rowKey);
      if (!slot) continue; // released meanwhile
      const holderId = String(slot.requestId);
      const holder = await this.get(holderId);
      if (holder && blocksNewRequest(holder, request.requestedAt)) return { kind: "taken", holder: holderId };
      // The holder ended (or can no longer open) but still has the slot: take it over.
      const taken = await tryStorageCall("take over live-request slot", () =>
        slots.updateEntity({ partitionKey: SLOT_PARTITION, rowKey, requestId: request.id }, "Replace", {
          etag: slot.etag,
        }),
      );
      if (taken.ok) return { kind: "claimed" };
    }
    throw new TransientError("SLOT_CONTENDED", `the live-request slot for ${request.id} kept changing`);
  }

  private async releaseSlotIfEnded(request: EmergencyRequest): Promise<void> {
    if (!isTerminal(request.status)) return;
    const slots: TableClient = await this.slots.client();
    const rowKey = slotKey(request);
    const slot = await readEntity(slots, SLOT_PARTITION, rowKey);
    if (!slot || slot.requestId !== request.id) return; // already released, or taken by a newer request
    // 404/412: released or taken over in the meantime; either way it is no longer ours.
    await tryStorageCall("release live-request slot", () =>
      slots.deleteEntity(SLOT_PARTITION, rowKey, { etag: slot.etag }),
    );
  }
}

function slotKey(request: Pick<EmergencyRequest, "cluster" | "requester">): string {
  return `${clusterKey(request.cluster)}|${request.requester.oid.toLowerCase()}`;
}

function applyProgress(current: EmergencyRequest, progress: RequestProgress): EmergencyRequest {
  return {
    ...current,
    status: progress.status,
    approvals: progress.approvals ?? current.approvals,
    ...((progress.window ?? current.window) ? { window: progress.window ?? current.window } : {}),
    ...((progress.extension ?? current.extension) ? { extension: progress.extension ?? current.extension } : {}),
    ...((progress.outcome ?? current.outcome) ? { outcome: progress.outcome ?? current.outcome } : {}),
    updatedAt: progress.at,
  };
}

function toRow(request: EmergencyRequest) {
  return {
    partitionKey: request.id,
    rowKey: REQUEST_ROW,
    status: request.status,
    clusterId: request.cluster.id.toLowerCase(),
    requesterOid: request.requester.oid.toLowerCase(),
    requestedAt: request.requestedAt,
    data: JSON.stringify(request),
  };
}

function fromRow(row: Record<string, unknown>): EmergencyRequest {
  return JSON.parse(String(row.data)) as EmergencyRequest;
}
