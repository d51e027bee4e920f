// ClusterControl on ARM: the real @azure/arm-containerservice client against the fake ARM.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ArmClusterControl } from "../../../src/adapters/azure/armClusterControl.js";
import { ARM_ACTIONS } from "../../../src/domain/armActions.js";
import { parseManagedClusterId, type ManagedCluster } from "../../../src/domain/clusters.js";
import { TransientError } from "../../../src/ports/errors.js";
import { FakeArm } from "../../support/fakes/fakeArm.js";
import { bearerFor, fakeCredential } from "../../support/fakes/https.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-a";
const cluster = parseManagedClusterId(ID)!;
let arm: FakeArm;
let control: ArmClusterControl;

beforeAll(async () => {
  arm = await new FakeArm().start();
});
afterAll(() => arm.stop());
beforeEach(() => {
  arm.clusters.clear();
  arm.requests.length = 0;
  arm.pollsPerOperation = 2;
  arm.nextOutcome = "Succeeded";
  arm.pollRetryAfter = undefined;
  arm.addCluster(ID);
  control = new ArmClusterControl(fakeCredential, {
    endpoint: arm.url,
    pollIntervalMs: 5,
    maxRetries: 0,
    operationTimeoutMs: 5_000,
  });
});

async function etag(of: ManagedCluster = cluster): Promise<string> {
  const read = await control.read(of);
  if (read.kind !== "found") throw new Error("not found");
  return read.state.etag;
}

describe("ARM cluster control", () => {
  it("reads the switch, the provisioning state, the eTag, Entra integration and the power state, with the ARM token", async () => {
    expect(await control.read(cluster)).toEqual({
      kind: "found",
      state: {
        localAccounts: "disabled",
        provisioningState: "Succeeded",
        etag: '"1"',
        entraIntegration: true,
        powerState: "Running",
      },
    });
    arm.cluster(ID).powerState = "Stopped";
    expect(await control.read(cluster)).toMatchObject({ state: { powerState: "Stopped" } });
    const [get] = arm.received("GET", "managedClusters/aks-a");
    expect(get!.headers.authorization).toBe(bearerFor(arm));
  });

  it("enables local accounts: fresh GET, full PUT with If-Match, then polls the operation to the end", async () => {
    expect(await control.setLocalAccounts(cluster, true, await etag())).toEqual({ kind: "written" });
    expect(arm.cluster(ID).localAccountsEnabled).toBe(true);
    const put = arm.received("PUT")[0]!;
    expect(put.path).toBe(ID);
    expect(put.headers["if-match"]).toBe('"1"');
    const body = put.body as { location: string; properties: Record<string, unknown> };
    expect(body.location).toBe("westeurope");
    expect(body.properties).toMatchObject({
      disableLocalAccounts: false,
      dnsPrefix: "aks-a-dns",
      aadProfile: { managed: true },
    });
    expect(body.properties).not.toHaveProperty("provisioningState"); // read-only fields stay out of the PUT
    expect(arm.received("GET", "/operations/")).toHaveLength(3); // two InProgress, then Succeeded
    expect(arm.requests.map((request) => request.method)).toEqual(["GET", "GET", "PUT", "GET", "GET", "GET", "GET"]);
  });

  it("writes nothing when a fresh read finds the switch where it should be", async () => {
    expect(await control.setLocalAccounts(cluster, false, await etag())).toEqual({ kind: "unchanged" });
    expect(arm.received("PUT")).toEqual([]);
  });

  it("refuses to write when the cluster changed since the caller read it (stale eTag)", async () => {
    await expect(control.setLocalAccounts(cluster, true, '"0"')).rejects.toMatchObject({ code: "ETAG_MISMATCH" });
    expect(arm.received("PUT")).toEqual([]);
  });

  it.each([
    [409, "OperationNotAllowed", "30", 30_000],
    [412, "PreconditionFailed", undefined, undefined],
    [429, "TooManyRequests", "17", 17_000],
    [500, "InternalServerError", undefined, undefined],
    [503, "ServiceUnavailable", "5", 5_000],
  ])(
    "turns a %d on the PUT into a transient error with the server's retry hint",
    async (status, code, retryAfter, hint) => {
      arm.inject({
        method: "PUT",
        response: {
          status,
          headers: retryAfter ? { "Retry-After": retryAfter } : {},
          body: { error: { code, message: "try later" } },
        },
      });
      const failure = await control.setLocalAccounts(cluster, true, await etag()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect(failure).toMatchObject({ code: `ARM_${status}`, retryAfterMs: hint });
      expect(arm.cluster(ID).localAccountsEnabled).toBe(false);
    },
  );

  it("explains a refusal a retry cannot fix: disabling without Entra integration", async () => {
    arm.addCluster(ID, { localAccountsEnabled: true, entraIntegration: false });
    expect((await control.read(cluster)).kind === "found" && (await control.read(cluster))).toMatchObject({
      state: { entraIntegration: false },
    });
    const result = await control.setLocalAccounts(cluster, false, await etag());
    expect(result).toMatchObject({ kind: "rejected", code: "BadRequest" });
    expect(result.kind === "rejected" && result.message).toMatch(/az aks update --enable-aad/);
  });

  it("answers not-found for a cluster ARM does not know", async () => {
    const other = parseManagedClusterId(ID.replace("aks-a", "aks-gone"))!;
    expect(await control.read(other)).toEqual({ kind: "not-found" });
    expect(await control.setLocalAccounts(other, true, '"1"')).toEqual({ kind: "not-found" });
  });

  it("refuses for good when the app's identity lacks permission, saying what to grant", async () => {
    arm.inject({
      method: "PUT",
      response: { status: 403, body: { error: { code: "AuthorizationFailed", message: "no write permission" } } },
    });
    const result = await control.setLocalAccounts(cluster, true, await etag());
    expect(result).toMatchObject({
      kind: "rejected",
      code: "AuthorizationFailed",
      message: expect.stringContaining("grant it the role"),
    });
  });

  it("meets the refusal readiness predicts: without managedClusters/write the enable is refused, the switch unchanged", async () => {
    arm.revokeAction(ID, ARM_ACTIONS.writeCluster.action);
    const result = await control.setLocalAccounts(cluster, true, await etag());
    expect(result).toMatchObject({
      kind: "rejected",
      code: "AuthorizationFailed",
      message: expect.stringContaining(ARM_ACTIONS.writeCluster.action),
    });
    expect(arm.cluster(ID).localAccountsEnabled).toBe(false);
  });

  it("reports a long-running operation that ends Failed as transient", async () => {
    arm.nextOutcome = "Failed";
    await expect(control.setLocalAccounts(cluster, true, await etag())).rejects.toMatchObject({
      code: "ARM_OPERATION_FAILED",
    });
    expect(arm.cluster(ID)).toMatchObject({ localAccountsEnabled: false, provisioningState: "Failed" });
  });

  it("bounds the wait for the operation with a timeout", async () => {
    arm.pollsPerOperation = 1_000_000;
    const slow = new ArmClusterControl(fakeCredential, {
      endpoint: arm.url,
      pollIntervalMs: 20,
      maxRetries: 0,
      operationTimeoutMs: 300,
    });
    await expect(slow.setLocalAccounts(cluster, true, await etag())).rejects.toMatchObject({ code: "ARM_TIMEOUT" });
  });

  it("honours Retry-After between polls", async () => {
    arm.pollRetryAfter = 1;
    arm.pollsPerOperation = 1;
    await control.setLocalAccounts(cluster, true, await etag());
    const polls = arm.received("GET", "/operations/");
    // Two polls (one more when a loaded machine makes the pipeline retry a request): a second apart, not the 5 ms poll interval.
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.at(-1)!.at - polls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("rotates the certificates: POST, 202, polling to the end", async () => {
    expect(await control.rotateCertificates(cluster)).toEqual({ kind: "rotated" });
    expect(arm.cluster(ID).rotations).toBe(1);
    expect(arm.received("POST").map((request) => request.path)).toEqual([`${ID}/rotateClusterCertificates`]);
  });
});
