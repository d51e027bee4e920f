// An id nobody may see answers like an id that does not exist (404) — and after the same work, so
// that a prober cannot tell them apart by the time of the answer either. The ports are fakes that
// record every call; the two paths must make the same calls.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/config.js";
import { SIMULATION_USERS } from "../../../src/app/simulationDefaults.js";
import type { EmergencyRequest } from "../../../src/domain/request.js";
import { createApiHandlers, type ApiHandlers } from "../../../src/http/api.js";
import type { ApiDependencies } from "../../../src/http/apiAccess.js";
import type { Principal } from "../../../src/http/authentication.js";
import { Decisions } from "../../../src/http/decisions.js";

const NOW = new Date("2026-11-28T10:00:00.000Z");
const ALICES_ID = "bg-01m8gshv80v200jgzv74xjm1zr";
const UNKNOWN_ID = "bg-01m8gshv80v200jgzv74xjm1zs";
const config = parseConfig({ BREAKGLASS_MODE: "simulation" });
const [alice, , , mallory] = SIMULATION_USERS;

const alicesRequest: EmergencyRequest = {
  id: ALICES_ID,
  cluster: config.clusters[0]!,
  requester: { oid: alice!.oid, upn: alice!.upn, displayName: alice!.displayName },
  justification: "outage",
  ticket: "INC-1",
  duration: "PT1H",
  durationMs: 3_600_000,
  maxDurationMs: 4 * 3_600_000,
  requestedAt: NOW.toISOString(),
  approvalDeadline: new Date(NOW.getTime() + 1_800_000).toISOString(),
  requiredApprovals: 1,
  status: "open",
  approvals: [],
  window: { openedAt: NOW.toISOString(), closesAt: new Date(NOW.getTime() + 3_600_000).toISOString() },
  updatedAt: NOW.toISOString(),
};

/** A port whose every call is written to `calls` (its name, and its arguments but request ids); unlisted methods throw. */
function recorded<T extends object>(port: string, calls: string[], methods: Partial<T>): T {
  return new Proxy(methods, {
    get(target, method: string) {
      return (...args: unknown[]) => {
        calls.push(
          `${port}.${method}(${args.map((arg) => (arg === ALICES_ID || arg === UNKNOWN_ID ? "<id>" : JSON.stringify(arg))).join(", ")})`,
        );
        const implementation = (target as Record<string, ((...a: unknown[]) => unknown) | undefined>)[method];
        if (!implementation) throw new Error(`unexpected call ${port}.${method}`);
        return implementation(...args);
      };
    },
  }) as T;
}

function api(calls: string[]): ApiHandlers {
  const requests = recorded<ApiDependencies["requests"]>("requests", calls, {
    get: async (id: string) => (id === ALICES_ID ? alicesRequest : undefined),
  });
  const directory = recorded<ApiDependencies["directory"]>("directory", calls, {
    getUser: async () => mallory,
    checkMemberGroups: async () => [],
  });
  const audit = recorded<ApiDependencies["audit"]>("audit", calls, { append: async () => ({ kind: "appended" }) });
  const deps = {
    now: () => NOW,
    randomBytes: (size: number) => new Uint8Array(size),
  };
  const delivery = recorded<ApiDependencies["delivery"]>("delivery", calls, {});
  return createApiHandlers({
    ...deps,
    config,
    groups: config,
    requests,
    directory,
    audit,
    auditIndex: recorded("auditIndex", calls, {}),
    idempotency: recorded("idempotency", calls, {}),
    clusterControl: recorded("clusterControl", calls, {}),
    fleet: recorded("fleet", calls, {}),
    health: recorded("health", calls, {}),
    readiness: recorded("readiness", calls, {}),
    credentialWatch: recorded("credentialWatch", calls, {}),
    workflow: () => recorded("workflow", calls, {}),
    verifyToken: async (): Promise<Principal> => ({
      oid: mallory!.oid,
      tenantId: config.tenantId,
      upn: mallory!.upn,
      name: "",
    }),
    delivery,
    decisions: new Decisions({ ...deps, delivery, requests, directory, audit, groups: config }),
  });
}

/** Mallory asks `route` about request `id`: its answer's status, and the calls it made to the ports. */
async function probe(route: keyof ApiHandlers, id: string, body?: unknown) {
  const calls: string[] = [];
  const request = new HttpRequest({
    method: body === undefined ? "GET" : "POST",
    url: `http://localhost:7071/api/requests/${id}`,
    headers: { authorization: "Bearer mallory.token.x", "content-type": "application/json" },
    params: { id },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
  const context = new InvocationContext({ functionName: route, invocationId: "test", logHandler: () => undefined });
  const { status } = await api(calls)[route](request, context);
  return { status, calls };
}

describe("a request id the caller may not see", () => {
  it.each([
    ["getRequest", undefined],
    ["closeRequest", {}],
    ["extendRequest", { duration: "PT30M" }],
  ] as const)("answers %s with a 404 after the same calls as an unknown id", async (route, body) => {
    const forbidden = await probe(route, ALICES_ID, body);
    const unknown = await probe(route, UNKNOWN_ID, body);
    expect([forbidden.status, unknown.status]).toEqual([404, 404]);
    expect(forbidden.calls).toEqual(unknown.calls);
    expect([...unknown.calls].sort()).toEqual([
      `directory.checkMemberGroups("${mallory!.oid}", ${JSON.stringify([config.emergencyGroupId, config.approverGroupId])})`,
      `directory.getUser("${mallory!.oid}")`,
      "requests.get(<id>)",
    ]);
  });

  it.each([["approveRequest"], ["denyRequest"]] as const)(
    "is refused by %s before it is looked up, like an unknown id",
    async (route) => {
      const forbidden = await probe(route, ALICES_ID, {});
      const unknown = await probe(route, UNKNOWN_ID, {});
      expect([forbidden.status, unknown.status]).toEqual([403, 403]);
      expect(forbidden.calls).toEqual(unknown.calls);
      expect(unknown.calls.some((call) => call.startsWith("requests."))).toBe(false);
    },
  );
});
