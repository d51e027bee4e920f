// Activities on their own, against the simulated world in Azurite: the parts of their
// behaviour that the workflow scenarios cannot reach.
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { clusterKey } from "../../src/domain/clusters.js";
import type { Directory } from "../../src/ports/directory.js";
import { TransientError } from "../../src/ports/errors.js";
import { createActivityHandlers } from "../../src/workflow/activities.js";
import { createHarness, T0, USERS, type Harness } from "../support/harness.js";

async function setProvisioningState(h: Harness, state: string) {
  await h.localAccounts(); // the simulated clusters are seeded on first use
  const table = TableClient.fromConnectionString(inject("azuriteConnectionString"), `${h.tablePrefix}SimClusters`, { allowInsecureConnection: true });
  await table.updateEntity({ partitionKey: "cluster", rowKey: clusterKey(h.cluster()), provisioningState: state }, "Merge");
}

describe("ensureLocalAccounts", () => {
  it("changes only what differs, and says so", async () => {
    const h = await createHarness();
    const cluster = h.cluster();
    expect(await h.app.activities.ensureLocalAccounts({ cluster, enabled: false })).toEqual({ kind: "unchanged" });
    expect(await h.app.activities.ensureLocalAccounts({ cluster, enabled: true })).toEqual({ kind: "changed" });
    expect(await h.app.activities.ensureLocalAccounts({ cluster, enabled: true })).toEqual({ kind: "unchanged" });
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("waits (throws a transient error) while an operation runs on the cluster", async () => {
    const h = await createHarness();
    await setProvisioningState(h, "Updating");
    await expect(h.app.activities.ensureLocalAccounts({ cluster: h.cluster(), enabled: true })).rejects.toBeInstanceOf(TransientError);
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("still writes to a cluster whose last operation failed: locking it must not wait for a human", async () => {
    const h = await createHarness();
    await h.app.activities.ensureLocalAccounts({ cluster: h.cluster(), enabled: true });
    await setProvisioningState(h, "Failed");
    expect(await h.app.activities.ensureLocalAccounts({ cluster: h.cluster(), enabled: false })).toEqual({ kind: "changed" });
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("turns an eTag race into a transient error, so that Durable retries with a fresh read", async () => {
    const h = await createHarness();
    const read = await h.world.clusters.read(h.cluster());
    if (read.kind !== "found") throw new Error("seeded cluster missing");
    await h.world.clusters.setLocalAccounts(h.cluster(), true, read.state.etag);
    await expect(h.world.clusters.setLocalAccounts(h.cluster(), false, read.state.etag)).rejects.toMatchObject({ code: "ETAG_MISMATCH" });
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("refuses a cluster that does not exist, without retrying", async () => {
    const h = await createHarness();
    const gone = { ...h.cluster(), id: h.cluster().id.replace("aks-prod-weu", "aks-gone"), name: "aks-gone" };
    expect(await h.app.activities.ensureLocalAccounts({ cluster: gone, enabled: false })).toMatchObject({ kind: "refused", code: "CLUSTER_NOT_FOUND" });
  });
});

describe("sendNotification", () => {
  it("still posts to the channel when the directory cannot say who to mail", async () => {
    const h = await createHarness();
    const down: Directory = {
      getUser: () => Promise.reject(new Error("Graph 503")),
      checkMemberGroups: () => Promise.reject(new Error("Graph 503")),
      listTransitiveUsers: () => Promise.reject(new Error("Graph 503")),
    };
    const activities = createActivityHandlers({
      ...h.app,
      directory: down,
      notifier: h.world.outbox,
      groups: { emergencyGroupId: h.config.emergencyGroupId, approverGroupId: h.config.approverGroupId },
      publicBaseUrl: h.config.publicBaseUrl,
      alertEmails: [],
      reviewUrl: async (id) => `${h.config.publicBaseUrl}/api/requests/${id}/review?token=t`,
    });
    const request = {
      id: "bg-01m8gshv80v200jgzv74xjm1zr",
      cluster: h.cluster(),
      requester: { oid: USERS.alice.oid, upn: USERS.alice.upn, displayName: USERS.alice.displayName },
      justification: "outage",
      ticket: "INC-1",
      duration: "PT1H",
      durationMs: 3_600_000,
      requestedAt: T0.toISOString(),
      approvalDeadline: T0.toISOString(),
      requiredApprovals: 1,
    };
    const result = await activities.sendNotification({ event: "approval-requested", request, at: T0.toISOString() });
    expect(result.deliveries).toEqual([
      { channel: "teams", ok: true },
      { channel: "email", ok: false, error: expect.stringContaining("Graph 503") },
    ]);
    expect((await h.world.outbox.list()).map((message) => message.channel)).toEqual(["teams"]);
  });
});
