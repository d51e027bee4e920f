// The simulated inventory (docs/design.md §12.1): clusters added through POST /api/dev/clusters,
// found by tag once Resource Graph's lag has passed, the local-accounts switch as it was that long
// ago, tags as they are, and nothing the app's identity may not read. The harness's clock moves time.
import { describe, expect, it } from "vitest";
import { composeTableStorage } from "../../src/app/composition.js";
import { SIMULATED_RESOURCE_GRAPH_LAG_MS, SimulatedClusters } from "../../src/adapters/simulation/simulatedClusters.js";
import { SIMULATION_CLUSTER_IDS } from "../../src/app/simulationDefaults.js";
import { parseManagedClusterId } from "../../src/domain/clusters.js";
import { createHarness, WEU, type Harness, type HarnessOptions } from "../support/harness.js";

const SIMULATED_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const LAG_MS = 5_000;
const TAGGED = {
  BREAKGLASS_CLUSTER_TAG: "breakglass=managed",
  BREAKGLASS_SUBSCRIPTIONS: SIMULATED_SUBSCRIPTION,
  // With a tag none are listed unless said: these two are.
  BREAKGLASS_CLUSTERS: SIMULATION_CLUSTER_IDS.join(","),
};
const idOf = (name: string) =>
  `/subscriptions/${SIMULATED_SUBSCRIPTION}/resourceGroups/rg-aks-prod/providers/Microsoft.ContainerService/managedClusters/${name}`;

const fleetHarness = (options: HarnessOptions = {}) => createHarness({ env: TAGGED, ...options });

async function addCluster(h: Harness, name: string, tags?: Record<string, string>) {
  return h.call(h.app.dev!.devAddCluster, { json: tags ? { name, tags } : { name } });
}

async function surveyed(h: Harness) {
  return (await h.app.fleet.survey()).members.map((member) => member.cluster.name);
}

async function observedLocalAccounts(h: Harness, id: string) {
  const member = (await h.app.fleet.survey()).members.find((candidate) => candidate.cluster.id === id);
  return member?.observation?.localAccounts;
}

describe("POST /api/dev/clusters", () => {
  it("adds a locked cluster (201), refuses a second of that name (409) and bad bodies (400)", async () => {
    const h = await fleetHarness();
    const added = await addCluster(h, "aks-fleet-1", { breakglass: "managed" });
    expect(added).toMatchObject({
      status: 201,
      body: { cluster: idOf("aks-fleet-1"), name: "aks-fleet-1", tags: { breakglass: "managed" } },
    });
    expect(await h.world.clusterControl.read(parseManagedClusterId(idOf("aks-fleet-1"))!)).toMatchObject({
      kind: "found",
      state: { localAccounts: "disabled" },
    });
    expect(await addCluster(h, "AKS-FLEET-1")).toMatchObject({
      status: 409,
      body: { error: { code: "CLUSTER_EXISTS" } },
    });
    for (const body of [{ name: "has space" }, { name: "aks-2", tags: { breakglass: 1 } }, { name: "aks-3", extra: 1 }])
      expect(await h.call(h.app.dev!.devAddCluster, { json: body })).toMatchObject({
        status: 400,
        body: { error: { code: "INVALID_REQUEST" } },
      });
    expect(await h.world.clusterControl.clustersNamed("aks-2")).toEqual([]);
  });
});

describe("the simulated Resource Graph", () => {
  it("shows a tagged cluster once the lag has passed, an untagged one never, and drops it when untagged", async () => {
    const h = await fleetHarness({ resourceGraphLagMs: LAG_MS });
    await addCluster(h, "aks-tagged", { breakglass: "managed" });
    await addCluster(h, "aks-untagged", { team: "payments" });
    expect(await surveyed(h)).toEqual(["aks-prod-weu", "aks-prod-neu"]);
    h.clock.advance(LAG_MS - 1);
    expect(await surveyed(h)).not.toContain("aks-tagged");
    h.clock.advance(1);
    expect(await surveyed(h)).toEqual(["aks-prod-weu", "aks-prod-neu", "aks-tagged"]);
    h.clock.advance(60_000);
    expect(await surveyed(h)).not.toContain("aks-untagged");
    // Tags are seen as they are now: untagging takes effect at the next survey.
    await h.world.clusterControl.setTags(parseManagedClusterId(idOf("aks-tagged"))!, {});
    expect(await surveyed(h)).toEqual(["aks-prod-weu", "aks-prod-neu"]);
  });

  it("answers the local-accounts switch as it was lagMs ago, change by change", async () => {
    const h = await fleetHarness({ resourceGraphLagMs: LAG_MS });
    const weu = h.cluster(WEU);
    await h.world.clusterControl.setLocalAccountsOutOfBand(weu, true);
    h.clock.advance(2_000);
    await h.world.clusterControl.setLocalAccountsOutOfBand(weu, false);
    expect(await h.localAccounts(WEU)).toBe("disabled");
    expect(await observedLocalAccounts(h, WEU)).toBe("disabled"); // as it was before the first change
    h.clock.advance(3_000);
    expect(await observedLocalAccounts(h, WEU)).toBe("enabled"); // the first change, 5 s ago
    h.clock.advance(2_000);
    expect(await observedLocalAccounts(h, WEU)).toBe("disabled"); // the second
  });

  it("remembers the product's own writes too", async () => {
    const h = await fleetHarness({ resourceGraphLagMs: LAG_MS });
    const weu = h.cluster(WEU);
    const read = await h.world.clusterControl.read(weu);
    if (read.kind !== "found") throw new Error("no cluster");
    expect(await h.world.clusterControl.setLocalAccounts(weu, true, read.state.etag)).toEqual({ kind: "written" });
    expect(await observedLocalAccounts(h, WEU)).toBe("disabled");
    h.clock.advance(LAG_MS);
    expect(await observedLocalAccounts(h, WEU)).toBe("enabled");
  });

  it("leaves out the clusters the app's identity may not read, as Resource Graph does", async () => {
    const h = await fleetHarness();
    await addCluster(h, "aks-tagged", { breakglass: "managed" });
    expect(await surveyed(h)).toContain("aks-tagged");
    const revoke = (name: string) =>
      h.call(h.app.dev!.devSetPermission, {
        params: { name },
        json: { action: "Microsoft.ContainerService/managedClusters/read", granted: false },
      });
    expect((await revoke("aks-tagged")).status).toBe(200);
    expect((await revoke("aks-prod-neu")).status).toBe(200);
    const members = (await h.app.fleet.survey()).members;
    expect(members.map((member) => member.cluster.name)).toEqual(["aks-prod-weu", "aks-prod-neu"]);
    // A listed cluster stays managed; only its observation is missing.
    expect(members[1]!.observation).toBeUndefined();
  });

  it("lags SIMULATED_RESOURCE_GRAPH_LAG_MS (5 s) unless told otherwise; the harness turns it off", async () => {
    expect(SIMULATED_RESOURCE_GRAPH_LAG_MS).toBe(5_000);
    const h = await fleetHarness();
    const lagging = new SimulatedClusters(
      composeTableStorage(h.config, h.tablePrefix),
      h.config.clusters,
      h.world.activityLog,
      () => h.clock.date(),
    );
    await addCluster(h, "aks-tagged", { breakglass: "managed" });
    const query = {
      listed: [],
      tag: h.config.fleet.tag,
      subscriptions: [SIMULATED_SUBSCRIPTION],
      tagSubscriptions: [SIMULATED_SUBSCRIPTION],
    };
    const names = async () => {
      const answer = await lagging.observe(query);
      return answer.kind === "observed" ? answer.clusters.map((seen) => seen.cluster.name) : answer;
    };
    expect(await surveyed(h)).toContain("aks-tagged");
    expect(await names()).toEqual([]);
    h.clock.advance(SIMULATED_RESOURCE_GRAPH_LAG_MS);
    expect(await names()).toEqual(["aks-tagged"]);
  });
});

describe("GET /api/dev/calls", () => {
  it("counts what this process asked of the simulated ARM and Resource Graph", async () => {
    const h = await fleetHarness();
    const calls = async () => (await h.call(h.app.dev!.devCalls, { method: "GET" })).body as Record<string, number>;
    const before = await calls();
    await h.world.clusterControl.read(parseManagedClusterId(WEU)!);
    await h.app.fleet.survey();
    expect(await calls()).toEqual({ ...before, reads: before.reads! + 1, fleetQueries: before.fleetQueries! + 1 });
  });
});
