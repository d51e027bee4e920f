// Cluster access on its own, against the simulated clusters in Azurite: the windows registry, the
// local-accounts switch, and the lease that keeps two writers off one cluster.
import { describe, expect, it } from "vitest";
import { clusterKey } from "../../src/domain/clusters.js";
import { createHarness, MINUTE, T0, type Harness } from "../support/harness.js";

async function setProvisioningState(h: Harness, state: string) {
  await h.localAccounts(); // the simulated clusters are seeded on first use
  const table = h.table("SimClusters");
  await table.updateEntity(
    { partitionKey: "cluster", rowKey: clusterKey(h.cluster()), provisioningState: state },
    "Merge",
  );
}

describe("cluster access: windows and the local-accounts switch", () => {
  it("enables for the first window, disables after the last, and writes only when something changes", async () => {
    const h = await createHarness();
    const cluster = h.cluster();
    expect(await h.app.access.openWindow(cluster, "bg-a", 60 * MINUTE)).toMatchObject({
      kind: "opened",
      change: "changed",
      openedAt: T0.toISOString(),
    });
    expect(await h.app.access.openWindow(cluster, "bg-b", 30 * MINUTE)).toMatchObject({
      kind: "opened",
      change: "unchanged",
    });
    expect((await h.app.registry.read(cluster)).windows.map((window) => window.requestId)).toEqual(["bg-a", "bg-b"]);
    expect(await h.app.access.closeWindow(cluster, "bg-a")).toEqual({ kind: "kept-open", otherWindows: 1 });
    expect(await h.localAccounts()).toBe("enabled");
    expect(await h.app.access.closeWindow(cluster, "bg-b")).toEqual({
      kind: "locked",
      change: "changed",
      enabledSince: T0.toISOString(),
    });
    expect(await h.localAccounts()).toBe("disabled");
    expect(await h.app.access.closeWindow(cluster, "bg-b")).toEqual({ kind: "locked", change: "unchanged" }); // repeating is harmless
    expect(await h.app.registry.read(cluster)).toEqual({ windows: [], closedAt: T0.toISOString() });
    expect(await h.world.clusterControl.localAccountWrites(cluster)).toBe(2);
  });

  it("waits while an operation runs on the cluster", async () => {
    const h = await createHarness();
    await setProvisioningState(h, "Updating");
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({
      kind: "wait",
      code: "CLUSTER_BUSY",
    });
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("still writes to a cluster whose last operation failed: locking it must not wait for a human", async () => {
    const h = await createHarness();
    await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE);
    await setProvisioningState(h, "Failed");
    expect(await h.app.access.closeWindow(h.cluster(), "bg-a")).toMatchObject({ kind: "locked", change: "changed" });
    expect(await h.localAccounts()).toBe("disabled");
  });

  it("makes others wait while one holds the cluster's lease, with a hint how long", async () => {
    const h = await createHarness();
    await h.app.registry.update(h.cluster(), (state) => ({
      next: { ...state, lease: { holder: "bg-other", expiresAt: new Date(T0.getTime() + 20_000).toISOString() } },
      result: undefined,
    }));
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({
      kind: "wait",
      code: "CLUSTER_BUSY",
      retryAfterMs: 20_000,
    });
    expect(await h.app.access.lockIfIdle(h.cluster(), "watchdog")).toMatchObject({ kind: "wait" });
    h.clock.advance(20_000); // an expired lease (its holder died) no longer blocks
    expect(await h.app.access.openWindow(h.cluster(), "bg-a", MINUTE)).toMatchObject({ kind: "opened" });
    expect((await h.app.registry.read(h.cluster())).lease).toBeUndefined();
  });

  it("turns an eTag race into a transient error, so that the write is tried again with a fresh read", async () => {
    const h = await createHarness();
    const read = await h.world.clusterControl.read(h.cluster());
    if (read.kind !== "found") throw new Error("seeded cluster missing");
    await h.world.clusterControl.setLocalAccounts(h.cluster(), true, read.state.etag);
    await expect(h.world.clusterControl.setLocalAccounts(h.cluster(), false, read.state.etag)).rejects.toMatchObject({
      code: "ETAG_MISMATCH",
    });
    expect(await h.localAccounts()).toBe("enabled");
  });

  it("refuses a cluster that does not exist, without retrying", async () => {
    const h = await createHarness();
    const gone = { ...h.cluster(), id: h.cluster().id.replace("aks-prod-weu", "aks-gone"), name: "aks-gone" };
    expect(await h.app.access.closeWindow(gone, "bg-a")).toMatchObject({ kind: "refused", code: "CLUSTER_NOT_FOUND" });
  });
});
