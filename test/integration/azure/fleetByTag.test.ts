// Clusters found by BREAKGLASS_CLUSTER_TAG in azure mode: the whole app against the loopback ARM and
// its Resource Graph. A cluster tagged while the app runs becomes managed without a restart, and
// stops being managed once untagged.
import { describe, expect, it } from "vitest";
import { azureHarness } from "../../support/azureHarness.js";

const SUB = "00000000-0000-0000-0000-0000000000cc";
const ID = `/subscriptions/${SUB}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-tagged`;

describe("clusters found by tag (azure mode)", () => {
  it("a cluster tagged while the app runs appears in survey() and find(), and leaves when untagged", async () => {
    const h = await azureHarness({
      env: { BREAKGLASS_CLUSTER_TAG: "breakglass=managed", BREAKGLASS_SUBSCRIPTIONS: SUB },
    });
    const cluster = h.azure.arm.addCluster(ID);
    const names = async () => (await h.app.fleet.survey()).members.map((member) => member.cluster.name);
    expect(await names()).toEqual(["aks-prod-weu", "aks-prod-neu"]);
    expect(await h.app.fleet.find(ID)).toBeUndefined();

    cluster.tags = { BreakGlass: "managed" };
    // An unknown id asks Resource Graph again once FLEET_MISS_REFRESH_MS has passed.
    h.clock.advance(10_000);
    expect((await h.app.fleet.find(ID.toUpperCase()))?.id).toBe(ID);
    const tagged = (await h.app.fleet.survey()).members.find((member) => member.cluster.id === ID);
    expect(tagged).toMatchObject({ listed: false, observation: { tagged: true, localAccounts: "disabled" } });

    cluster.tags = {};
    expect(await names()).toEqual(["aks-prod-weu", "aks-prod-neu"]);
    // One query per survey, over the named subscription and the listed clusters' one.
    const queries = h.azure.arm.resourceGraph.queries;
    expect(queries.length).toBeGreaterThanOrEqual(4);
    expect(queries[0]!.subscriptions).toEqual([SUB, "00000000-0000-0000-0000-000000000001"]);
  });
});
