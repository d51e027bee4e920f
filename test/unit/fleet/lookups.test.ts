// May a window be asked for on this cluster now: listed ones without the inventory, tagged ones on a
// fresh inventory answer, and what an inventory outage leaves possible (docs/design.md §12.3).
import { describe, expect, it } from "vitest";
import { parseManagedClusterId, type ManagedCluster } from "../../../src/domain/clusters.js";
import { requestableCluster } from "../../../src/fleet/lookups.js";
import { createManagedClusters } from "../../../src/fleet/managedClusters.js";
import { TransientError } from "../../../src/ports/errors.js";
import type { FleetInventory } from "../../../src/ports/fleet.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const clusterNamed = (name: string): ManagedCluster =>
  parseManagedClusterId(
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/${name}`,
  )!;
const LISTED = clusterNamed("aks-listed");
const TAGGED = clusterNamed("aks-tagged");

/** An inventory that sees the clusters in `tagged` as tagged, counts its queries, and fails while `down`. */
function world() {
  const state = { tagged: new Set<string>([TAGGED.id]), down: false, broken: false, queries: 0 };
  const inventory: FleetInventory = {
    observe: async (query) => {
      state.queries++;
      if (state.down) throw new TransientError("FLEET_THROTTLED", "Resource Graph answered 429", 30_000);
      if (state.broken) throw new Error("Failed to fetch dynamically imported module");
      const seen = [...query.listed, ...[TAGGED].filter((cluster) => state.tagged.has(cluster.id))];
      return {
        kind: "observed",
        clusters: seen.map((cluster) => ({
          cluster,
          localAccounts: "disabled",
          entraIntegration: true,
          provisioningState: "Succeeded",
          tagged: state.tagged.has(cluster.id),
        })),
      };
    },
  };
  const now = new Date("2026-11-28T10:00:00.000Z");
  const fleet = createManagedClusters(
    { listed: [LISTED], tag: { name: "breakglass", value: "enabled" }, subscriptions: [SUBSCRIPTION] },
    inventory,
    () => now,
  );
  const settings = { listed: [LISTED], tagged: true };
  return { state, fleet, ask: (id: string) => requestableCluster(fleet, settings, id) };
}

describe("requestableCluster", () => {
  it("answers a listed cluster, in any casing, without asking the inventory, even while it is down", async () => {
    const { state, ask } = world();
    state.down = true;
    expect(await ask(LISTED.id.toUpperCase())).toEqual(LISTED);
    expect(state.queries).toBe(0);
  });

  it("confirms a tagged cluster with a fresh answer: a tag removed within the fleet's cache stops requests at once", async () => {
    const { state, fleet, ask } = world();
    expect(await fleet.find(TAGGED.id)).toEqual(TAGGED); // the cache now holds it, for FLEET_CACHE_MS
    expect(await ask(TAGGED.id)).toEqual(TAGGED);
    state.tagged.clear();
    const queries = state.queries;
    expect(await ask(TAGGED.id)).toBeUndefined();
    expect(state.queries).toBe(queries + 1);
  });

  it("keeps a cluster last seen tagged requestable while the inventory is down; one never seen is a TransientError", async () => {
    const { state, ask } = world();
    expect(await ask(TAGGED.id)).toEqual(TAGGED);
    state.down = true;
    expect(await ask(TAGGED.id)).toEqual(TAGGED);
    await expect(ask(clusterNamed("aks-never-seen").id)).rejects.toMatchObject({
      code: "FLEET_UNAVAILABLE",
      retryAfterMs: 30_000, // Resource Graph's hint, passed on to the 503's Retry-After
    });
  });

  it("does not ask the inventory when no tag is configured", async () => {
    const { state, fleet } = world();
    expect(await requestableCluster(fleet, { listed: [LISTED], tagged: false }, TAGGED.id)).toBeUndefined();
    expect(state.queries).toBe(0);
  });

  it("shares one inventory query among requests that ask at the same time", async () => {
    const { state, ask } = world();
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(TAGGED.id)));
    expect(answers.every((answer) => answer?.id === TAGGED.id)).toBe(true);
    expect(state.queries).toBe(1);
    expect(await ask(TAGGED.id)).toEqual(TAGGED);
    expect(state.queries).toBe(2); // a later request asks afresh
  });

  it("answers from what it knows when the inventory fails in a way no retry explains (a chunk that failed to load)", async () => {
    const { state, fleet } = world();
    await fleet.survey();
    state.broken = true;
    const survey = await fleet.survey();
    expect(survey.unavailable).toMatchObject({ code: "FLEET_UNAVAILABLE" });
    expect(survey.members.map((member) => member.cluster.id)).toEqual([LISTED.id, TAGGED.id]);
  });

  it("answers text that names no AKS cluster without asking the inventory", async () => {
    const { state, ask } = world();
    expect(await ask("not-even-an-id")).toBeUndefined();
    expect(state.queries).toBe(0);
  });
});
