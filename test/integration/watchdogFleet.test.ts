// The watchdog's round over a fleet found by tag (docs/design.md §12.2): one inventory query, and
// ARM reads only for the clusters that need action or confirmation — whatever Resource Graph says,
// nothing is written on its word, a stale "disabled" row never hides a cluster the product enabled,
// and the inventory failing falls back to reading every known cluster.
import { describe, expect, it } from "vitest";
import { clusterKey, parseManagedClusterId, type ManagedCluster } from "../../src/domain/clusters.js";
import { ARG_LAG_BOUND_MS } from "../../src/domain/fleetRound.js";
import { TransientError } from "../../src/ports/errors.js";
import type { ClusterReport } from "../../src/watchdog/watchdog.js";
import { ControlledInventory } from "../support/controlledInventory.js";
import { createHarness, MINUTE, type Harness } from "../support/harness.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";

const fleetCluster = (index: number): ManagedCluster =>
  parseManagedClusterId(
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-fleet-${String(index).padStart(4, "0")}`,
  )!;

interface Fleet {
  readonly h: Harness;
  readonly inventory: ControlledInventory;
  readonly clusters: readonly ManagedCluster[];
}

async function fleetOf(size: number, env: Readonly<Record<string, string>> = {}): Promise<Fleet> {
  let inventory: ControlledInventory | undefined;
  const h = await createHarness({
    env: { BREAKGLASS_CLUSTER_TAG: "breakglass=enabled", BREAKGLASS_SUBSCRIPTIONS: SUBSCRIPTION, ...env },
    wrapFleetInventory: (inner) => (inventory = new ControlledInventory(inner)),
  });
  const clusters = Array.from({ length: size }, (_, index) => fleetCluster(index));
  for (let start = 0; start < size; start += 50)
    await Promise.all(
      clusters
        .slice(start, start + 50)
        .map((cluster) => h.world.clusterControl.addCluster(cluster, { breakglass: "enabled" })),
    );
  return { h, inventory: inventory!, clusters };
}

/** One watchdog round, and what it asked of the simulated ARM and of the inventory. */
async function round({ h, inventory }: Fleet) {
  const { calls } = h.world.clusterControl;
  const before = { ...calls, inventory: inventory.queries };
  const reports = await h.app.watchdog.run(h.app.workflow(undefined as never));
  return {
    reports,
    reads: calls.reads - before.reads,
    writes: calls.writes - before.writes,
    fleetQueries: inventory.queries - before.inventory,
  };
}

async function localAccounts(h: Harness, cluster: ManagedCluster) {
  const read = await h.world.clusterControl.read(cluster);
  return read.kind === "found" ? read.state.localAccounts : "missing";
}

const watchdogAlerts = async (h: Harness) =>
  (await h.world.outbox.list())
    .filter((message) => message.kind.startsWith("watchdog-"))
    .map((message) => message.kind);

describe("the watchdog's round over a fleet", () => {
  it("over 300 clusters asks the inventory once and reads through ARM only the clusters that need it", async () => {
    const fleet = await fleetOf(300);
    const { h, clusters } = fleet;
    const idle = await round(fleet);
    expect(idle).toMatchObject({ reads: 0, writes: 0, fleetQueries: 1 });
    expect(idle.reports).toHaveLength(300);
    expect(idle.reports.every((report) => report.action === "none")).toBe(true);

    const drifted = [clusters[7]!, clusters[150]!, clusters[299]!];
    for (const cluster of drifted) await h.world.clusterControl.setLocalAccountsOutOfBand(cluster, true);
    // A window open on another: enabled in ARM and in the inventory, and none of the round's business.
    expect(await h.app.access.openWindow(clusters[42]!, "bg-open", 30 * MINUTE)).toMatchObject({ kind: "opened" });
    const acting = await round(fleet);
    // Each drifted cluster: the confirming read, then the lock's own read and its write.
    expect(acting).toMatchObject({ reads: 2 * drifted.length, writes: drifted.length, fleetQueries: 1 });
    const locked = acting.reports.filter((report) => report.action === "locked").map((report) => report.cluster);
    expect(locked).toEqual(drifted.map((cluster) => cluster.id));
    for (const cluster of drifted) expect(await localAccounts(h, cluster)).toBe("disabled");
    expect(await localAccounts(h, clusters[42]!)).toBe("enabled");

    expect(await round(fleet)).toMatchObject({ reads: 0, writes: 0, fleetQueries: 1 });
  });

  it("confirms a row that says enabled while ARM says disabled: one read, no write, no alert", async () => {
    const fleet = await fleetOf(3);
    const [cluster] = fleet.clusters;
    fleet.inventory.show(cluster!, { localAccounts: "enabled" });
    const confirmed = await round(fleet);
    expect(confirmed).toMatchObject({ reads: 1, writes: 0 });
    expect(confirmed.reports[0]).toEqual({ cluster: cluster!.id, pruned: [], action: "none" });
    expect(await watchdogAlerts(fleet.h)).toEqual([]);
  });

  it("catches, in the same round, a cluster the product enabled whose workflow was lost, though the inventory still says disabled", async () => {
    const fleet = await fleetOf(3);
    const { h, inventory } = fleet;
    const cluster = fleet.clusters[1]!;
    await round(fleet);
    inventory.hold(); // the inventory still shows the fleet before the window opened
    await h.app.access.openWindow(cluster, "bg-lost", 10 * MINUTE);
    // Its close removed the window but ARM refused the disable; the workflow retrying it is then lost.
    await h.world.clusterControl.injectFault(cluster, { operation: "disable", status: 409, count: 1 });
    expect(await h.app.access.closeWindow(cluster, "bg-lost")).toMatchObject({ kind: "wait" });
    expect(await localAccounts(h, cluster)).toBe("enabled");
    h.clock.advance(MINUTE);
    const caught = await round(fleet);
    expect(caught.reports[1]).toMatchObject({ cluster: cluster.id, action: "locked" });
    expect(caught).toMatchObject({ reads: 2, writes: 1, fleetQueries: 1 });
    expect(await localAccounts(h, cluster)).toBe("disabled");
  });

  it("misses an out-of-band enable the inventory does not show yet, and locks it in the round that sees it", async () => {
    const fleet = await fleetOf(3);
    const { h, inventory } = fleet;
    const cluster = fleet.clusters[2]!;
    await round(fleet);
    inventory.hold();
    await h.world.clusterControl.setLocalAccountsOutOfBand(cluster, true);
    h.clock.advance(ARG_LAG_BOUND_MS); // the lag bound does not help here: the product did not enable it
    expect(await round(fleet)).toMatchObject({ reads: 0, writes: 0 });
    expect(await localAccounts(h, cluster)).toBe("enabled");
    inventory.release();
    const seen = await round(fleet);
    expect(seen.reports[2]).toMatchObject({ cluster: cluster.id, action: "locked" });
    expect(seen).toMatchObject({ reads: 2, writes: 1 });
    expect(await localAccounts(h, cluster)).toBe("disabled");
  });

  it("reads every known cluster through ARM while the inventory fails, and alerts that once", async () => {
    const fleet = await fleetOf(5);
    const { h, inventory, clusters } = fleet;
    await round(fleet);
    inventory.fail(new TransientError("FLEET_THROTTLED", "Resource Graph throttled the query"));
    await h.world.clusterControl.setLocalAccountsOutOfBand(clusters[3]!, true);
    // A read each, and for the drifted one the lock's own read and write; then a read each again.
    for (const expected of [
      { reads: clusters.length + 1, writes: 1 },
      { reads: clusters.length, writes: 0 },
    ]) {
      const fallback = await round(fleet);
      expect(fallback).toMatchObject(expected);
      expect(fallback.reports.map((report) => report.cluster)).toEqual(clusters.map((cluster) => cluster.id));
    }
    expect(await localAccounts(h, clusters[3]!)).toBe("disabled");
    expect((await watchdogAlerts(h)).filter((kind) => kind === "watchdog-fleet-unavailable")).toHaveLength(2); // teams + email, once
    const audited = await h.app.audit.readStream(`watchdog-${h.clock.date().toISOString().slice(0, 10)}`);
    expect(audited.filter((entry) => entry.code === "FLEET_UNAVAILABLE")).toHaveLength(1);
    inventory.release();
    expect(await round(fleet)).toMatchObject({ reads: 0, writes: 0 });
    inventory.fail(new TransientError("FLEET_THROTTLED", "Resource Graph throttled the query again"));
    await round(fleet);
    expect((await watchdogAlerts(h)).filter((kind) => kind === "watchdog-fleet-unavailable")).toHaveLength(4); // a new outage is told again
  });

  it("still prunes and locks a cluster untagged during a window, though it is no longer in the fleet", async () => {
    const fleet = await fleetOf(2);
    const { h } = fleet;
    const cluster = fleet.clusters[0]!;
    await h.app.access.openWindow(cluster, "bg-untagged", 10 * MINUTE);
    await h.world.clusterControl.setTags(cluster, {});
    h.clock.advance(5 * MINUTE);
    const open = await round(fleet);
    expect(open).toMatchObject({ reads: 0, writes: 0 });
    // Known only from the registry, which keys clusters in lower case.
    const reportOf = (reports: readonly ClusterReport[]) =>
      reports.find((report) => report.cluster === cluster.id.toLowerCase());
    expect(reportOf(open.reports)).toMatchObject({ action: "none" });
    h.clock.advance(8 * MINUTE); // past the deadline and the grace
    const late = await round(fleet);
    expect(reportOf(late.reports)).toMatchObject({
      pruned: ["bg-untagged"],
      action: "locked",
    });
    expect(await localAccounts(h, cluster)).toBe("disabled");
    // The prune is recorded as a window leaving the set, which a stale "disabled" row cannot hide (§12.2).
    expect((await h.app.registry.read(cluster)).closedAt).toBe(h.clock.date().toISOString());
    expect(await round(fleet)).toMatchObject({ reads: 0, writes: 0 });
  });

  it("reads a listed cluster the inventory does not return, alerts it missing once, and then leaves it be", async () => {
    const missing = fleetCluster(9999);
    const fleet = await fleetOf(2, { BREAKGLASS_CLUSTERS: missing.id });
    await fleet.h.table("SimClusters").deleteEntity("cluster", clusterKey(missing)); // deleted in Azure
    const first = await round(fleet);
    expect(first).toMatchObject({ reads: 1, writes: 0 });
    expect(first.reports[0]).toEqual({ cluster: missing.id, pruned: [], action: "none", condition: "cluster-missing" });
    const next = await round(fleet);
    expect(next).toMatchObject({ reads: 0, writes: 0 });
    expect(next.reports[0]).toEqual(first.reports[0]);
    expect((await watchdogAlerts(fleet.h)).filter((kind) => kind === "watchdog-cluster-missing")).toHaveLength(2);
  });

  it("reads every cluster when a registry document does not parse, and reports the one that fails", async () => {
    const fleet = await fleetOf(3);
    const cluster = fleet.clusters[1]!;
    await round(fleet);
    await fleet.h
      .table("Windows")
      .upsertEntity({ partitionKey: clusterKey(cluster), rowKey: "windows", data: "{" }, "Replace");
    const broken = await round(fleet);
    expect(broken.reads).toBe(2); // the broken one fails reading its windows, before ARM
    expect(broken.reports.map((report) => report.condition)).toEqual([undefined, "watchdog-error", undefined]);
  });

  it("still locks a cluster untagged during a window while another's registry document does not parse", async () => {
    const fleet = await fleetOf(3);
    const { h } = fleet;
    const [, broken, untagged] = fleet.clusters;
    await h.app.access.openWindow(untagged!, "bg-orphan", 10 * MINUTE);
    await h.world.clusterControl.setTags(untagged!, {});
    await h.world.clusterControl.setTags(broken!, {}); // no longer managed either: known only by its document
    await h
      .table("Windows")
      .upsertEntity({ partitionKey: clusterKey(broken!), rowKey: "windows", data: "{" }, "Replace");
    h.clock.advance(13 * MINUTE); // past the deadline and the grace
    const late = await round(fleet);
    const reportOf = (cluster: ManagedCluster) =>
      late.reports.find((report) => report.cluster === cluster.id.toLowerCase());
    expect(reportOf(untagged!)).toMatchObject({ pruned: ["bg-orphan"], action: "locked" });
    expect(reportOf(broken!)).toMatchObject({ condition: "watchdog-error" });
    expect(await localAccounts(h, untagged!)).toBe("disabled");
  });

  it("locks an overdue window on a tagged cluster though the inventory never answered this process", async () => {
    const fleet = await fleetOf(3);
    const { h, inventory } = fleet;
    const cluster = fleet.clusters[2]!;
    inventory.fail(new TransientError("FLEET_THROTTLED", "Resource Graph throttled the query"));
    await h.app.access.openWindow(cluster, "bg-cold", 10 * MINUTE);
    h.clock.advance(13 * MINUTE); // past the deadline and the grace
    const late = await round(fleet);
    // No tagged cluster is known, but the registry still names the one with a window.
    expect(late.reports).toEqual([{ cluster: cluster.id.toLowerCase(), pruned: ["bg-cold"], action: "locked" }]);
    expect(await localAccounts(h, cluster)).toBe("disabled");
  });
});
