// The Table Storage adapters against a real Azurite, checked through the adapters and by
// reading the raw tables the way an auditor with Storage Explorer would.
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { TableAuditLog } from "../../../src/adapters/azure/tableAuditLog.js";
import { TableRequestStore } from "../../../src/adapters/azure/tableRequestStore.js";
import type { TableStorageSettings } from "../../../src/adapters/azure/tables.js";
import { requestAuditEntry } from "../../../src/domain/auditChain.js";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { newRequestId } from "../../../src/domain/ids.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { createHarness, MINUTE, USERS, WEU } from "../../support/harness.js";
import { DEADLINE_TRAIL } from "../../support/trails.js";

function settings(): TableStorageSettings & { connectionString: string } {
  return { connectionString: inject("azuriteConnectionString"), tablePrefix: `t${randomBytes(5).toString("hex")}` };
}

function rawTable(storage: ReturnType<typeof settings>, name: string) {
  return TableClient.fromConnectionString(storage.connectionString, `${storage.tablePrefix}${name}`, {
    allowInsecureConnection: true,
  });
}

async function rows(client: TableClient) {
  const all: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities()) all.push(entity);
  return all;
}

const SEAL_KEY = new Uint8Array(32).fill(7);

const entry = (sequence: number, message = "first") =>
  requestAuditEntry("bg-01m8gshv80v200jgzv74xjm1zr", sequence, `hash-of-${sequence - 1}`, {
    type: "requested",
    at: "2026-11-28T10:00:00.000Z",
    actor: { oid: USERS.alice.oid, upn: USERS.alice.upn },
    cluster: WEU,
    outcome: "info",
    message,
    details: { ticket: "INC-1", duration: "PT1H" },
  });

describe("Table Storage audit log", () => {
  it("stores an entry once when it is appended twice (a retried activity)", async () => {
    const storage = settings();
    const log = new TableAuditLog(storage, SEAL_KEY);
    expect(await log.append(entry(0))).toEqual({ kind: "appended" });
    expect(await log.append(entry(0))).toEqual({ kind: "duplicate" });
    expect(await log.append({ ...entry(0), details: { duration: "PT1H", ticket: "INC-1" } })).toEqual({
      kind: "duplicate",
    });
    const [stored, head, ...more] = await rows(rawTable(storage, "Audit"));
    expect(more).toEqual([]);
    expect(head).toMatchObject({ rowKey: "head", entries: 1, hash: entry(0).hash }); // written with the entry
    expect(stored).toMatchObject({
      partitionKey: "bg-01m8gshv80v200jgzv74xjm1zr",
      rowKey: "000000",
      type: "requested",
      actorOid: USERS.alice.oid,
      actorUpn: "alice@contoso.dev",
      cluster: WEU,
      outcome: "info",
      sequence: 0,
      prevHash: "hash-of--1",
      hash: entry(0).hash,
    });
    expect(await log.readStream(entry(0).stream)).toEqual([entry(0)]);
  });

  it("never overwrites an entry: different content under the same key is a conflict", async () => {
    const log = new TableAuditLog(settings(), SEAL_KEY);
    await log.append(entry(0));
    expect(await log.append(entry(0, "rewritten history"))).toEqual({ kind: "conflict", existing: entry(0) });
    expect(await log.readStream(entry(0).stream)).toEqual([entry(0)]);
  });

  it("reads a stream in sequence order", async () => {
    const log = new TableAuditLog(settings(), SEAL_KEY);
    for (const sequence of [11, 2, 0, 10, 1]) await log.append(entry(sequence));
    expect((await log.readStream(entry(0).stream)).map((stored) => stored.key)).toEqual([
      "000000",
      "000001",
      "000002",
      "000010",
      "000011",
    ]);
  });

  it("holds every step of a full run, in order, once each", async () => {
    const h = await createHarness();
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "outage", ticket: "INC-9" },
    });
    const { id } = created.body as { id: string };
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    await h.engine.advanceBy(60 * MINUTE);
    const client = rawTable(
      { connectionString: inject("azuriteConnectionString"), tablePrefix: h.tablePrefix },
      "Audit",
    );
    const stored = (await rows(client)).filter((row) => row.partitionKey === id && row.rowKey !== "head");
    expect(stored.map((row) => [row.rowKey, row.type])).toEqual(
      DEADLINE_TRAIL.map((type, index) => [String(index).padStart(6, "0"), type]),
    );
    expect(stored.every((row) => row.cluster === WEU && typeof row.at === "string")).toBe(true);
    // Replaying the run's appends changes nothing: each lands on its key as a duplicate.
    for (const existing of await h.app.audit.readStream(id))
      expect(await h.app.audit.append(existing)).toEqual({ kind: "duplicate" });
    expect((await rows(client)).filter((row) => row.partitionKey === id)).toHaveLength(DEADLINE_TRAIL.length + 1); // and the head
    expect(await h.app.audit.readHead(id)).toEqual({
      entries: DEADLINE_TRAIL.length,
      hash: stored.at(-1)!.hash,
      sealed: true,
    });
  });
});

describe("Table Storage request store", () => {
  const cluster = parseManagedClusterId(WEU)!;
  const request = (id: string, oid = USERS.alice.oid): EmergencyRequest => ({
    id,
    cluster,
    requester: { oid, upn: "alice@contoso.dev", displayName: "Alice" },
    justification: "j",
    ticket: "t",
    duration: "PT1H",
    durationMs: 3_600_000,
    maxDurationMs: 4 * 3_600_000,
    requestedAt: "2026-11-28T10:00:00.000Z",
    approvalDeadline: "2026-11-28T10:30:00.000Z",
    requiredApprovals: 1,
    status: "pending-approval",
    approvals: [],
    updatedAt: "2026-11-28T10:00:00.000Z",
  });
  const ids = ["bg-01m8gshv80000000000000000a", "bg-01m8gshv80000000000000000b", "bg-01m8gshv80000000000000000c"];

  it("applies progress, repeats harmlessly, and refuses to go backwards", async () => {
    const store = new TableRequestStore(settings());
    await store.create(request(ids[0]!));
    const at = "2026-11-28T10:05:00.000Z";
    expect((await store.recordProgress(ids[0]!, { status: "opening", at })).kind).toBe("applied");
    expect((await store.recordProgress(ids[0]!, { status: "opening", at })).kind).toBe("already-there");
    expect((await store.recordProgress(ids[0]!, { status: "pending-approval", at })).kind).toBe("illegal");
    expect((await store.recordProgress("bg-01m8gshv80000000000000000z", { status: "opening", at })).kind).toBe(
      "not-found",
    );
    expect(await store.get(ids[0]!)).toMatchObject({ status: "opening", updatedAt: at });
  });

  it("never lets a stale writer overwrite a newer state (If-Match)", async () => {
    const store = new TableRequestStore(settings());
    for (let round = 0; round < 6; round++) {
      const id = newRequestId(Date.parse("2026-11-28T10:00:00Z") + round, randomBytes(10));
      await store.create(request(id, `${round}${USERS.alice.oid.slice(1)}`));
      // Both writers read pending-approval. If "failed" lands first, the stale "opening" must not
      // overwrite it; if "opening" lands first, "failed" is still legal after it. Either way: failed.
      const writers = [
        () => store.recordProgress(id, { status: "opening", at: "2026-11-28T10:05:00.000Z" }),
        () => store.recordProgress(id, { status: "failed", at: "2026-11-28T10:05:00.000Z" }),
      ];
      if (round % 2) writers.reverse();
      await Promise.all(writers.map((write) => write()));
      expect((await store.get(id))?.status).toBe("failed");
    }
  });

  it("releases the live-request slot when a request ends, and takes over a slot left behind", async () => {
    const storage = settings();
    const store = new TableRequestStore(storage);
    expect(await store.create(request(ids[0]!))).toEqual({ kind: "created" });
    expect(await store.create(request(ids[1]!))).toEqual({ kind: "live-request-exists", existingId: ids[0] });
    expect(await store.get(ids[1]!)).toBeUndefined(); // the refused request left nothing behind
    await store.recordProgress(ids[0]!, { status: "expired", at: "2026-11-28T10:30:00.000Z" });
    expect(await rows(rawTable(storage, "LiveRequests"))).toEqual([]);
    expect(await store.create(request(ids[1]!))).toEqual({ kind: "created" });

    // A crash between ending a request and releasing its slot leaves the slot behind...
    await rawTable(storage, "Requests").updateEntity(
      {
        partitionKey: ids[1]!,
        rowKey: "request",
        status: "denied",
        data: JSON.stringify({ ...request(ids[1]!), status: "denied" }),
      },
      "Merge",
    );
    // ...and the next request takes it over instead of being refused forever.
    expect(await store.create(request(ids[2]!))).toEqual({ kind: "created" });
    expect((await rows(rawTable(storage, "LiveRequests"))).map((row) => row.requestId)).toEqual([ids[2]]);
  });

  it("stops blocking once a pending request is past its approval deadline, even if its end was never recorded", async () => {
    const store = new TableRequestStore(settings());
    await store.create(request(ids[0]!)); // deadline 10:30, and its workflow never records the expiry
    expect(await store.create({ ...request(ids[1]!), requestedAt: "2026-11-28T10:29:59.000Z" })).toMatchObject({
      kind: "live-request-exists",
    });
    expect(await store.create({ ...request(ids[1]!), requestedAt: "2026-11-28T10:30:00.000Z" })).toEqual({
      kind: "created",
    });
  });

  it("keeps blocking while a window may be open, however old", async () => {
    const store = new TableRequestStore(settings());
    await store.create(request(ids[0]!));
    await store.recordProgress(ids[0]!, { status: "opening", at: "2026-11-28T10:05:00.000Z" });
    expect(await store.create({ ...request(ids[1]!), requestedAt: "2026-11-29T10:00:00.000Z" })).toMatchObject({
      kind: "live-request-exists",
    });
  });
});
