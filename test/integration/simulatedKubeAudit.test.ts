// The simulated world of kube-audit evidence (docs/design.md §6): POST /api/dev/clusters/{name}/kubectl
// answers as an API server does to an admin kubeconfig — valid until the certificates are rotated,
// also after local accounts were disabled again — and the simulated kube-audit log answers the
// product's query with the real log's ingestion delay, gaps and silently omitted tables.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { SimulatedKubeAudit } from "../../src/adapters/simulation/simulatedKubeAudit.js";
import { SIMULATED_APP_CALLER } from "../../src/adapters/simulation/simulatedClusters.js";
import { ARM_ACTIONS } from "../../src/domain/armActions.js";
import { SIMULATED_INGESTION_DELAY_MS } from "../../src/domain/evidence.js";
import { MAX_BODY_BYTES } from "../../src/http/body.js";
import { SIMULATED_SOURCE_IP } from "../../src/http/devKubectl.js";
import { createHarness, MINUTE, T0, type CallOptions, type Harness, type Reply } from "../support/harness.js";

const WEU_NAME = "aks-prod-weu";
const DELETE_POD = { verb: "delete", resource: "pods", namespace: "kube-system", name: "coredns-7d9f" };
const LONG_AGO = new Date(T0.getTime() - 60 * MINUTE);

const kubectl = (h: Harness, json: unknown, options: CallOptions = {}) =>
  h.call(h.app.dev!.devKubectl, { as: "alice", params: { name: WEU_NAME }, json, ...options });

/** What `az aks get-credentials --admin` takes: local accounts enabled for the moment of the fetch. */
async function fetchAdminCredential(h: Harness): Promise<void> {
  await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), true);
  const fetched = await h.call(h.app.dev!.devAdminCredentials, {
    as: "alice",
    method: "POST",
    params: { name: WEU_NAME },
  });
  expect(fetched.status).toBe(200);
  await h.world.clusterControl.setLocalAccountsOutOfBand(h.cluster(), false);
}

/** The calls the log answers now for the last hour and a minute ahead. */
async function loggedCalls(h: Harness, log = h.world.kubeAudit) {
  const answer = await log.adminCalls(h.cluster(), LONG_AGO, new Date(h.clock.now() + MINUTE));
  if (answer.kind !== "found") throw new Error(`the log answered ${answer.code}`);
  return answer;
}

async function settledCalls(h: Harness) {
  h.clock.advance(SIMULATED_INGESTION_DELAY_MS);
  return (await loggedCalls(h)).calls;
}

function expectError(reply: Reply, status: number, code: string, message?: RegExp) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toEqual({
    error: { code, message: message ? expect.stringMatching(message) : expect.any(String) },
  });
}

async function kubeAuditRows(h: Harness): Promise<number> {
  let rows = 0;
  try {
    for await (const _ of h.table("SimKubeAudit").listEntities()) rows++;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return rows;
}

describe("kubectl with an admin kubeconfig", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });

  it("is refused with a 401 before any admin credential was fetched, and leaves no row", async () => {
    expectError(
      await kubectl(h, DELETE_POD),
      401,
      "ADMIN_CREDENTIAL_INVALID",
      /^no admin kubeconfig for aks-prod-weu is valid: none was fetched \(az aks get-credentials --admin\)$/,
    );
    expect(await kubeAuditRows(h)).toBe(0);
  });

  it("works with a fetched credential, also after local accounts were disabled again, and is logged as masterclient after the ingestion delay", async () => {
    await fetchAdminCredential(h);
    expect(await h.localAccounts()).toBe("disabled");
    const reply = await kubectl(h, DELETE_POD);
    expect(reply.status).toBe(200);
    const auditId = (reply.body as { auditId: string }).auditId;
    expect(reply.body).toEqual({
      cluster: h.cluster().id,
      at: T0.toISOString(),
      ...DELETE_POD,
      user: "masterclient",
      sourceIp: SIMULATED_SOURCE_IP,
      status: 200,
      auditId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    expect(await loggedCalls(h)).toEqual({ kind: "found", calls: [], truncated: false });
    h.clock.advance(SIMULATED_INGESTION_DELAY_MS - 1);
    expect((await loggedCalls(h)).calls).toEqual([]);
    h.clock.advance(1);
    expect(await loggedCalls(h)).toEqual({
      kind: "found",
      calls: [
        {
          id: auditId,
          at: T0.toISOString(),
          ...DELETE_POD,
          user: "masterclient",
          sourceIp: SIMULATED_SOURCE_IP,
          status: 200,
        },
      ],
      truncated: false,
    });
  });

  it("takes the source IP the host forwards, answers a create with 201 and a list with no name", async () => {
    await fetchAdminCredential(h);
    const forwarded = { headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" } };
    expect(
      (await kubectl(h, { verb: "create", resource: "secrets", namespace: "default", name: "x" }, forwarded)).status,
    ).toBe(200);
    h.clock.advance(1);
    expect(
      (await kubectl(h, { verb: "list", resource: "nodes" }, { headers: { "x-forwarded-for": "not-an-ip" } })).status,
    ).toBe(200);
    expect(
      (await settledCalls(h)).map(({ verb, resource, namespace, name, sourceIp, status }) => ({
        verb,
        resource,
        namespace,
        name,
        sourceIp,
        status,
      })),
    ).toEqual([
      { verb: "create", resource: "secrets", namespace: "default", name: "x", sourceIp: "203.0.113.7", status: 201 },
      { verb: "list", resource: "nodes", namespace: "", name: "", sourceIp: SIMULATED_SOURCE_IP, status: 200 },
    ]);
  });

  it("is refused after a certificate rotation, which the Activity Log shows, until a credential is fetched again", async () => {
    await fetchAdminCredential(h);
    expect((await kubectl(h, DELETE_POD)).status).toBe(200);
    // A rotation in the very millisecond of the fetch still revokes it: rotations take minutes.
    expect(await h.app.clusterControl.rotateCertificates(h.cluster())).toEqual({ kind: "rotated" });
    expectError(
      await kubectl(h, DELETE_POD),
      401,
      "ADMIN_CREDENTIAL_INVALID",
      new RegExp(`none was fetched since the certificates were last rotated \\(${T0.toISOString()}\\)`),
    );
    expect(await h.app.activityLog.certificateRotations(h.cluster(), LONG_AGO, T0)).toEqual([
      expect.objectContaining({ at: T0.toISOString(), caller: SIMULATED_APP_CALLER }),
    ]);
    expect(await h.world.clusterControl.lastCertificateRotation(h.cluster())).toEqual(T0);

    h.clock.advance(MINUTE);
    await fetchAdminCredential(h);
    expect((await kubectl(h, DELETE_POD)).status).toBe(200);
    expect(await settledCalls(h)).toHaveLength(2);

    h.clock.advance(MINUTE);
    await h.app.clusterControl.rotateCertificates(h.cluster());
    expect((await kubectl(h, DELETE_POD)).status).toBe(401);
    expect(await h.app.activityLog.certificateRotations(h.cluster(), LONG_AGO, h.clock.date())).toHaveLength(2);
  });

  it("is not recorded while the kube-audit diagnostic setting is off; what was recorded before stays", async () => {
    await fetchAdminCredential(h);
    await kubectl(h, DELETE_POD);
    await h.call(h.app.dev!.devSetAuditLogs, { params: { name: WEU_NAME }, json: { enabled: false } });
    expect((await kubectl(h, { verb: "get", resource: "secrets", namespace: "kube-system", name: "s" })).status).toBe(
      200,
    );
    expect((await settledCalls(h)).map((call) => call.verb)).toEqual(["delete"]);
    await h.call(h.app.dev!.devSetAuditLogs, { params: { name: WEU_NAME }, json: { enabled: true } });
    await kubectl(h, { verb: "patch", resource: "deployments", namespace: "default", name: "web" });
    expect((await settledCalls(h)).map((call) => call.verb)).toEqual(["delete", "patch"]);
  });

  it("is omitted from the answer table by table when the app may not read the logs, as Log Analytics omits tables", async () => {
    await fetchAdminCredential(h);
    for (const verb of ["get", "list", "delete"]) {
      await kubectl(h, {
        verb,
        resource: "secrets",
        namespace: "kube-system",
        ...(verb === "list" ? {} : { name: "s" }),
      });
    }
    // Calls in one millisecond come in no particular order.
    const verbs = async () => (await settledCalls(h)).map((call) => call.verb).sort();
    const permission = (action: string, granted: boolean) =>
      h.world.clusterControl.setAppPermission(h.cluster(), action, granted);
    expect(await verbs()).toEqual(["delete", "get", "list"]);
    // AKSAuditAdmin alone: every call but gets and lists.
    await permission(ARM_ACTIONS.readKubeAudit.action, false);
    expect(await verbs()).toEqual(["delete"]);
    // AKSAudit alone holds every call.
    await permission(ARM_ACTIONS.readKubeAudit.action, true);
    await permission(ARM_ACTIONS.readKubeAuditAdmin.action, false);
    expect(await verbs()).toEqual(["delete", "get", "list"]);
    // AzureDiagnostics alone: the simulated setting writes resource-specific tables only.
    await permission(ARM_ACTIONS.readKubeAudit.action, false);
    expect(await verbs()).toEqual([]);
    await permission(ARM_ACTIONS.readLegacyDiagnostics.action, false);
    expect(await loggedCalls(h)).toEqual({ kind: "found", calls: [], truncated: false });
  });

  it("answers the calls of [from, to] only, oldest first, at most the row limit", async () => {
    await fetchAdminCredential(h);
    const times: string[] = [];
    for (const name of ["a", "b", "c"]) {
      times.push(h.clock.date().toISOString());
      await kubectl(h, { ...DELETE_POD, name });
      h.clock.advance(MINUTE);
    }
    const log = h.world.kubeAudit;
    const names = async (from: string, to: string) => {
      const answer = await log.adminCalls(h.cluster(), new Date(from), new Date(to));
      return answer.kind === "found" ? answer.calls.map((call) => call.name) : answer.code;
    };
    expect(await names(times[0]!, times[2]!)).toEqual(["a", "b", "c"]);
    expect(await names(times[1]!, times[1]!)).toEqual(["b"]);
    expect(await names(new Date(Date.parse(times[0]!) + 1).toISOString(), times[2]!)).toEqual(["b", "c"]);

    const limited = new SimulatedKubeAudit(
      { connectionString: inject("azuriteConnectionString"), tablePrefix: h.tablePrefix },
      () => h.clock.date(),
      h.world.clusterControl,
      2,
    );
    const answer = await loggedCalls(h, limited);
    expect(answer.calls.map((call) => call.name)).toEqual(["a", "b"]);
    expect(answer.truncated).toBe(true);
    expect((await loggedCalls(h)).truncated).toBe(false);
  });

  it("fails the next queries as a throttled or failing Log Analytics does, when a logs fault is injected", async () => {
    await fetchAdminCredential(h);
    await kubectl(h, DELETE_POD);
    const fault = (json: unknown) => h.call(h.app.dev!.devInjectFault, { params: { name: WEU_NAME }, json });
    expect((await fault({ operation: "logs", status: 429, count: 2 })).status).toBe(200);
    for (let query = 0; query < 2; query++) {
      await expect(settledCalls(h)).rejects.toMatchObject({
        name: "TransientError",
        code: "LOGS_THROTTLED",
        retryAfterMs: 30_000,
      });
    }
    expect(await settledCalls(h)).toHaveLength(1);
    await fault({ operation: "logs", status: 503, count: 1, retryAfterSeconds: 5 });
    await expect(settledCalls(h)).rejects.toMatchObject({ code: "LOGS_UNAVAILABLE", retryAfterMs: 5_000 });
    await fault({ operation: "logs", status: 500, count: 1 });
    await expect(settledCalls(h)).rejects.toMatchObject({ code: "LOGS_UNAVAILABLE", retryAfterMs: undefined });
    expect(await settledCalls(h)).toHaveLength(1);
    // Log Analytics fails a query it could answer later only: the other statuses are ARM's.
    expectError(
      await fault({ operation: "logs", status: 409 }),
      400,
      "INVALID_REQUEST",
      /^status: a logs fault must be 429 or 5xx$/,
    );
  });

  it("refuses bad input with a 400 and records nothing", async () => {
    await fetchAdminCredential(h);
    const bad: unknown[] = [
      {},
      { resource: "pods" },
      { verb: "GET", resource: "pods", name: "x" },
      { verb: "exec", resource: "pods" },
      { verb: "list", resource: "Pods" },
      { verb: "list", resource: "pods/" },
      { verb: "list", resource: "pods/exec/x" },
      { verb: "list", resource: "../secrets" },
      { verb: "list", resource: "p".repeat(64) },
      { verb: "list", resource: "pods", namespace: "" },
      { verb: "list", resource: "pods", namespace: "Kube-System" },
      { verb: "list", resource: "pods", namespace: "kube_system" },
      { verb: "list", resource: "pods", namespace: "a".repeat(64) },
      { verb: "get", resource: "pods", name: "-x" },
      { verb: "get", resource: "pods", name: "a/b" },
      { verb: "get", resource: "pods", name: "a".repeat(254) },
      { verb: "get", resource: "pods", name: 7 },
      { verb: "get", resource: "pods" },
      { verb: "list", resource: "pods", name: "x" },
      { verb: "deletecollection", resource: "pods", name: "x" },
      { verb: ["get"], resource: "pods", name: "x" },
      { verb: "get", resource: "pods", name: "x", body: "{}" },
      [],
      null,
      "get pods",
    ];
    for (const json of bad) expectError(await kubectl(h, json), 400, "INVALID_REQUEST");
    expectError(
      await kubectl(h, undefined, { body: '{"verb":"get",', headers: { "content-type": "application/json" } }),
      400,
      "MALFORMED_JSON",
    );
    expectError(await kubectl(h, undefined, { method: "POST" }), 400, "BODY_REQUIRED");
    expectError(
      await kubectl(h, undefined, { body: JSON.stringify(DELETE_POD), headers: { "content-type": "text/plain" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectError(await kubectl(h, { ...DELETE_POD, name: "a".repeat(MAX_BODY_BYTES) }), 413, "PAYLOAD_TOO_LARGE");
    expectError(await kubectl(h, DELETE_POD, { params: { name: "aks-nowhere" } }), 404, "UNKNOWN_CLUSTER");
    expectError(
      await h.call(h.app.dev!.devKubectl, { params: { name: WEU_NAME }, json: DELETE_POD }),
      401,
      "UNAUTHENTICATED",
    );
    expect(await kubeAuditRows(h)).toBe(0);
    // The names Kubernetes does take.
    const good = { verb: "get", resource: "pods/log", namespace: "kube-system", name: "system:node.a-1" };
    expect((await kubectl(h, good)).status).toBe(200);
    expect(await kubeAuditRows(h)).toBe(1);
  });
});
