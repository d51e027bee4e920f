// In azure mode each adapter, and the SDK only it imports, loads on its port's first call
// (docs/design.md §13): an approval loads Graph and ARM's container service, not what only
// evidence (Log Analytics), readiness (ARM authorization, Graph's tenant policies) or the fleet's
// inventory (Resource Graph) use. Each adapter module is wrapped so that loading it is recorded;
// only adapters import an SDK (docs/design.md §3), so an adapter not loaded is its SDK not loaded.
import { describe, expect, it, vi } from "vitest";
import { azureHarness } from "../../support/azureHarness.js";
import { WEU } from "../../support/harness.js";

const loaded = vi.hoisted(() => new Set<string>());

vi.mock("../../../src/adapters/azure/graph.js", async (original) => (loaded.add("graph"), original()));
vi.mock(
  "../../../src/adapters/azure/armClusterControl.js",
  async (original) => (loaded.add("armClusterControl"), original()),
);
vi.mock(
  "../../../src/adapters/azure/logAnalyticsKubeAudit.js",
  async (original) => (loaded.add("logAnalyticsKubeAudit"), original()),
);
vi.mock(
  "../../../src/adapters/azure/armAuthorization.js",
  async (original) => (loaded.add("armAuthorization"), original()),
);
vi.mock(
  "../../../src/adapters/azure/graphTenantPolicies.js",
  async (original) => (loaded.add("graphTenantPolicies"), original()),
);
vi.mock(
  "../../../src/adapters/azure/resourceGraphFleet.js",
  async (original) => (loaded.add("resourceGraphFleet"), original()),
);

describe("azure mode loads each adapter when first needed", () => {
  it("an approval opens the window with Graph and ARM alone; readiness then loads its own", async () => {
    const h = await azureHarness();
    expect([...loaded]).toEqual([]); // composed, nothing called yet
    const created = await h.call(h.app.api.createRequest, {
      as: "alice",
      json: { cluster: WEU, justification: "Entra outage", ticket: "INC-18", duration: "PT15M" },
    });
    expect(created.status).toBe(202);
    const { id } = created.body as { id: string };
    expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
    expect((await h.app.requests.get(id))!.status).toBe("open");
    expect([...loaded].sort()).toEqual(["armClusterControl", "graph"]);

    await h.app.readiness.refresh();
    expect(loaded).toContain("armAuthorization");
    expect(loaded).toContain("graphTenantPolicies");
  });
});
