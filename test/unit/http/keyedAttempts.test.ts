// A keyed POST /api/requests that runs slow: past half the reservation bound it creates and starts
// nothing, because another attempt may then take its key over (docs/design.md §4). The stores are
// in memory, and the clock moves when a test says a step took long.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/config.js";
import { SIMULATION_USERS } from "../../../src/app/simulationDefaults.js";
import { RESERVATION_BOUND_MS } from "../../../src/domain/idempotency.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { createApiHandlers } from "../../../src/http/api.js";
import type { ApiDependencies } from "../../../src/http/apiAccess.js";
import { Decisions } from "../../../src/http/decisions.js";
import type { IdempotencyStore, StoredIdempotencyRecord } from "../../../src/ports/idempotencyStore.js";
import type { WorkflowClient } from "../../../src/ports/workflowClient.js";

const config = parseConfig({ BREAKGLASS_MODE: "simulation" });
const alice = SIMULATION_USERS[0]!;
const SLOW = RESERVATION_BOUND_MS / 2 + 1;

/** The app's request handler on stores in memory; `slow` names the step that takes longer than half the bound. */
function world(slow: "reserve" | "create") {
  let now = Date.parse("2026-12-02T03:00:00.000Z");
  const rows = new Map<string, EmergencyRequest>();
  const keys = new Map<string, StoredIdempotencyRecord>();
  const started: string[] = [];
  let version = 0;
  const idempotency: IdempotencyStore = {
    read: async (_oid, key) => keys.get(key),
    async reserve(_oid, key, record) {
      if (keys.has(key)) return { kind: "exists" };
      keys.set(key, { ...record, version: String(++version) });
      if (slow === "reserve") now += SLOW;
      return { kind: "reserved", version: String(version) };
    },
    async replace(_oid, key, record, at) {
      if (keys.get(key)?.version !== at) return { kind: "changed" };
      keys.set(key, { ...record, version: String(++version) });
      return { kind: "replaced", version: String(version) };
    },
    release: async (_oid, key, at) => void (keys.get(key)?.version === at && keys.delete(key)),
  };
  const requests = {
    async create(request: EmergencyRequest) {
      rows.set(request.id, request);
      if (slow === "create") now += SLOW;
      return { kind: "created" as const };
    },
    get: async (id: string) => rows.get(id),
    async recordProgress(id: string, progress: Partial<EmergencyRequest>) {
      rows.set(id, { ...rows.get(id)!, ...progress });
      return { kind: "applied" as const, request: rows.get(id)! };
    },
    list: async () => [...rows.values()],
  } as unknown as ApiDependencies["requests"];
  const workflow = {
    startWindow: async (input: { id: string }) => void started.push(input.id),
  } as unknown as WorkflowClient;
  const directory = {
    getUser: async () => alice,
    checkMemberGroups: async () => [config.emergencyGroupId],
  } as unknown as ApiDependencies["directory"];
  const audit = { append: async () => ({ kind: "appended" }) } as unknown as ApiDependencies["audit"];
  const base = { now: () => new Date(now), randomBytes: (size: number) => new Uint8Array(size).fill(7) };
  const unused = {} as never;
  const handlers = createApiHandlers({
    ...base,
    config,
    groups: config,
    requests,
    directory,
    audit,
    idempotency,
    auditIndex: unused,
    clusterControl: unused,
    fleet: unused,
    health: unused,
    readiness: unused,
    delivery: unused,
    credentialWatch: unused,
    workflow: () => workflow,
    verifyToken: async () => ({ oid: alice.oid, tenantId: config.tenantId, upn: alice.upn, name: alice.displayName }),
    decisions: new Decisions({ ...base, delivery: unused, requests, directory, audit, groups: config }),
  });
  const post = () =>
    handlers.createRequest(
      new HttpRequest({
        method: "POST",
        url: "http://localhost:7071/api/requests",
        headers: { authorization: "Bearer a.b.c", "content-type": "application/json", "idempotency-key": "k-1" },
        body: {
          string: JSON.stringify({ cluster: config.clusters[0]!.id, justification: "outage", ticket: "INC-1" }),
        },
      }),
      new InvocationContext({ functionName: "createRequest", invocationId: "test", logHandler: () => undefined }),
    );
  return { post, rows, keys, started };
}

describe("a keyed request that runs past half its reservation bound", () => {
  it("creates nothing when it gets there before storing the request: 503, key released", async () => {
    const { post, rows, keys, started } = world("reserve");
    const reply = await post();
    expect(reply.status).toBe(503);
    expect([...rows.values()]).toEqual([]);
    expect(started).toEqual([]);
    expect(keys.size).toBe(0);
  });

  it("starts no workflow when it gets there after storing the request: the request failed, 503, key released", async () => {
    const { post, rows, keys, started } = world("create");
    const reply = await post();
    expect(reply.status).toBe(503);
    expect(started).toEqual([]);
    expect([...rows.values()].map((request) => [request.status, request.outcome?.code])).toEqual([
      ["failed", "START_FAILED"],
    ]);
    expect(keys.size).toBe(0);
  });
});
