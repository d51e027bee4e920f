// The watchdog's round in azure mode, through the real Resource Graph and ARM adapters against the
// loopback fakes (docs/design.md §12.2): a stale Resource Graph row never causes a write on its word
// alone, and never hides a cluster the product enabled whose workflow was lost.
import { describe, expect, it } from "vitest";
import { parseManagedClusterId } from "../../../src/domain/clusters.js";
import { azureHarness, type AzureHarness } from "../../support/azureHarness.js";
import type { FakeRequest } from "../../support/fakes/https.js";
import { MINUTE, NEU, WEU } from "../../support/harness.js";

const weu = parseManagedClusterId(WEU)!;
const isClusterPath = (request: FakeRequest, id: string) => request.path.toLowerCase() === id.toLowerCase();

/** One watchdog round, and what it asked of ARM and of Resource Graph. */
async function round(h: AzureHarness) {
  const from = h.azure.arm.requests.length;
  const reports = await h.app.watchdog.run(h.app.workflow(undefined as never));
  const asked = h.azure.arm.requests.slice(from);
  const on = (id: string, method: string) =>
    asked.filter((request) => request.method === method && isClusterPath(request, id)).length;
  return {
    reports,
    queries: asked.filter((request) => /Microsoft\.ResourceGraph\/resources$/i.test(request.path)).length,
    gets: { weu: on(WEU, "GET"), neu: on(NEU, "GET") },
    puts: { weu: on(WEU, "PUT"), neu: on(NEU, "PUT") },
  };
}

describe("the watchdog's round against Resource Graph and ARM (azure mode)", () => {
  it("asks Resource Graph once and ARM nothing while the fleet is locked", async () => {
    const h = await azureHarness();
    expect(await round(h)).toMatchObject({ queries: 1, gets: { weu: 0, neu: 0 }, puts: { weu: 0, neu: 0 } });
  });

  it("confirms a row that says enabled while ARM says disabled: one GET, no PUT, no alert", async () => {
    const h = await azureHarness();
    h.azure.arm.cluster(WEU).resourceGraph = { localAccountsEnabled: true };
    const confirmed = await round(h);
    expect(confirmed).toMatchObject({ queries: 1, gets: { weu: 1, neu: 0 }, puts: { weu: 0, neu: 0 } });
    expect(confirmed.reports.find((report) => report.cluster === WEU)).toEqual({
      cluster: WEU,
      pruned: [],
      action: "none",
    });
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(false);
  });

  it("catches in the same round a cluster the product enabled whose lock was lost, though Resource Graph still says disabled", async () => {
    const h = await azureHarness();
    expect(await h.app.access.openWindow(weu, "bg-lost", 10 * MINUTE)).toMatchObject({ kind: "opened" });
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(true);
    // Resource Graph has not caught up with the enable; the close that followed could not disable
    // (an operation in progress), and the workflow retrying it is lost.
    h.azure.arm.cluster(WEU).resourceGraph = { localAccountsEnabled: false };
    h.azure.arm.cluster(WEU).provisioningState = "Updating";
    expect(await h.app.access.closeWindow(weu, "bg-lost")).toMatchObject({ kind: "wait" });
    h.azure.arm.cluster(WEU).provisioningState = "Succeeded";
    h.clock.advance(MINUTE);
    const caught = await round(h);
    expect(caught.reports.find((report) => report.cluster === WEU)).toMatchObject({ action: "locked" });
    expect(caught).toMatchObject({ queries: 1, gets: { neu: 0 }, puts: { weu: 1, neu: 0 } });
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(false);
  });

  it("a stale 'disabled' row of a cluster nobody opened costs no call: an out-of-band enable waits for Resource Graph", async () => {
    const h = await azureHarness();
    h.azure.arm.cluster(WEU).localAccountsEnabled = true; // az aks update --enable-local-accounts, by hand
    h.azure.arm.cluster(WEU).resourceGraph = { localAccountsEnabled: false };
    const missed = await round(h);
    expect(missed).toMatchObject({ queries: 1, gets: { weu: 0 }, puts: { weu: 0 } });
    h.azure.arm.cluster(WEU).resourceGraph = undefined; // Resource Graph catches up
    const seen = await round(h);
    expect(seen.reports.find((report) => report.cluster === WEU)).toMatchObject({ action: "locked" });
    expect(seen).toMatchObject({ queries: 1, puts: { weu: 1, neu: 0 } });
    expect(h.azure.arm.cluster(WEU).localAccountsEnabled).toBe(false);
  });

  it("reads every cluster through ARM while Resource Graph refuses, and locks what is enabled", async () => {
    const h = await azureHarness();
    h.azure.arm.cluster(NEU).localAccountsEnabled = true;
    h.azure.arm.resourceGraph.fail(503, { times: 5 });
    const fallback = await round(h);
    expect(fallback).toMatchObject({ gets: { weu: 1 }, puts: { weu: 0, neu: 1 } });
    expect(h.azure.arm.cluster(NEU).localAccountsEnabled).toBe(false);
  });
});
