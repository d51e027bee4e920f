// The clusters found by BREAKGLASS_CLUSTER_TAG, through the whole app: requestable as soon as they
// are tagged, refused once untagged (their open windows still close and lock), listed in
// GET /api/clusters without an ARM read each, checked by readiness, and what an inventory outage
// leaves possible (docs/design.md §12.3).
import { describe, expect, it } from "vitest";
import { parseManagedClusterId, type ManagedCluster } from "../../src/domain/clusters.js";
import { FLEET_CACHE_MS } from "../../src/fleet/managedClusters.js";
import { FLEET_HEADER } from "../../src/http/clusterOverview.js";
import { TransientError } from "../../src/ports/errors.js";
import type { FleetInventory } from "../../src/ports/fleet.js";
import { createHarness, MINUTE, WEU, type Harness, type HarnessOptions, type UserName } from "../support/harness.js";

const TAG = { breakglass: "enabled" };
const FLEET_ENV = {
  BREAKGLASS_CLUSTERS: WEU,
  BREAKGLASS_CLUSTER_TAG: "breakglass=enabled",
  BREAKGLASS_SUBSCRIPTIONS: "00000000-0000-0000-0000-000000000001",
};

type Overview = { id: string; name: string; localAccounts: string; stateFrom: string; openWindows: unknown[] };

function fleetHarness(options: HarnessOptions = {}) {
  return createHarness({ ...options, env: { ...FLEET_ENV, ...options.env } });
}

/** Adds a simulated cluster through the dev route, as a developer would. */
async function addCluster(h: Harness, name: string, tags: Record<string, string> = TAG): Promise<ManagedCluster> {
  const reply = await h.call(h.app.dev!.devAddCluster, { json: { name, tags } });
  expect(reply.status).toBe(201);
  return parseManagedClusterId((reply.body as { cluster: string }).cluster)!;
}

function ask(h: Harness, cluster: string, as: UserName = "alice") {
  return h.call(h.app.api.createRequest, {
    as,
    json: { cluster, justification: "Entra ID outage", ticket: "INC-1", duration: "PT1H" },
  });
}

async function clusters(h: Harness) {
  const reply = await h.call(h.app.api.listClusters, { as: "bob" });
  expect(reply.status).toBe(200);
  return { reply, body: reply.body as Overview[] };
}

async function localAccounts(h: Harness, cluster: ManagedCluster) {
  const read = await h.app.clusterControl.read(cluster);
  return read.kind === "found" ? read.state.localAccounts : read.kind;
}

describe("clusters found by tag", () => {
  it("a cluster tagged while the app runs is requestable at once, listed by GET /api/clusters and checked by readiness", async () => {
    const h = await fleetHarness();
    expect((await clusters(h)).body.map((found) => found.name)).toEqual(["aks-prod-weu"]);
    expect((await h.app.readiness.refresh()).clusters.map((found) => found.name)).toEqual(["aks-prod-weu"]);

    const tagged = await addCluster(h, "aks-fleet-1");
    // The timer's run asks the fleet afresh, so no restart and no cache stands between the tag and the check.
    expect((await h.app.readiness.refresh()).clusters.map((found) => found.name)).toEqual([
      "aks-prod-weu",
      "aks-fleet-1",
    ]);
    const reply = await ask(h, tagged.id);
    expect(reply).toMatchObject({ status: 202, body: { cluster: tagged.id, status: "pending-approval" } });
    expect((await clusters(h)).body.map((found) => found.name)).toEqual(["aks-prod-weu", "aks-fleet-1"]);
  });

  it("a cluster without the tag is never requestable, nor listed", async () => {
    const h = await fleetHarness();
    const untagged = await addCluster(h, "aks-untagged", {});
    const otherValue = await addCluster(h, "aks-other-value", { breakglass: "disabled" });
    for (const cluster of [untagged, otherValue]) {
      expect(await ask(h, cluster.id)).toMatchObject({ status: 403, body: { error: { code: "CLUSTER_NOT_MANAGED" } } });
    }
    expect(await h.app.requests.list({})).toEqual([]);
    expect((await clusters(h)).body.map((found) => found.name)).toEqual(["aks-prod-weu"]);
  });

  it("untagged, it is refused new requests while the window already open on it still closes and locks", async () => {
    const h = await fleetHarness();
    const tagged = await addCluster(h, "aks-fleet-2");
    const id = ((await ask(h, tagged.id)).body as { id: string }).id;
    expect((await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" })).status).toBe(202);
    expect(await localAccounts(h, tagged)).toBe("enabled");

    await h.world.clusterControl.setTags(tagged, {});
    // Past every bound: the inventory's lag (none in the harness) and the fleet's cache.
    h.clock.advance(FLEET_CACHE_MS + 1);
    expect(await ask(h, tagged.id, "carol")).toMatchObject({
      status: 403,
      body: { error: { code: "CLUSTER_NOT_MANAGED" } },
    });
    // Listed while its window is open (local accounts are enabled there), read through ARM; gone once it closes.
    expect((await clusters(h)).body.map((found) => [found.name, found.localAccounts])).toEqual([
      ["aks-prod-weu", "disabled"],
      ["aks-fleet-2", "enabled"],
    ]);
    // Its history stays reachable by id.
    const listed = await h.call(h.app.api.listRequests, { as: "bob", query: { cluster: tagged.id } });
    expect((listed.body as { id: string }[]).map((found) => found.id)).toEqual([id]);
    const trail = await h.call(h.app.api.readAudit, {
      as: "bob",
      query: { cluster: tagged.id, from: "2026-11-28", to: "2026-11-29" },
    });
    expect(trail).toMatchObject({ status: 200, body: { cluster: tagged.id } });
    expect((trail.body as { entries: { requestId: string }[] }).entries.map((entry) => entry.requestId)).toContain(id);

    await h.engine.advanceBy(60 * MINUTE);
    expect((await h.app.requests.get(id))?.status).toBe("closed");
    expect(await localAccounts(h, tagged)).toBe("disabled");
    expect((await clusters(h)).body.map((found) => found.name)).toEqual(["aks-prod-weu"]);
  });

  it("GET /api/clusters reads ARM only where a window is open or the inventory saw local accounts enabled: the rest come from one inventory query", async () => {
    const h = await fleetHarness();
    const fleet: ManagedCluster[] = [];
    for (let index = 0; index < 5; index++) fleet.push(await addCluster(h, `aks-fleet-${index}`));
    const calls = h.world.clusterControl.calls;
    const before = { ...calls };
    const quiet = await clusters(h);
    expect(quiet.body).toHaveLength(6);
    expect(quiet.body.every((found) => found.localAccounts === "disabled" && found.stateFrom === "inventory")).toBe(
      true,
    );
    expect(calls.reads - before.reads).toBe(0);
    expect(calls.fleetQueries - before.fleetQueries).toBe(1);

    const id = ((await ask(h, fleet[2]!.id)).body as { id: string }).id;
    await h.call(h.app.api.approveRequest, { as: "bob", params: { id }, method: "POST" });
    const reads = calls.reads;
    const busy = await clusters(h);
    expect(calls.reads - reads).toBe(1);
    expect(busy.body.find((found) => found.id === fleet[2]!.id)).toMatchObject({
      localAccounts: "enabled",
      stateFrom: "arm",
      openWindows: [{ requestId: id }],
    });
    expect(busy.reply.headers.get(FLEET_HEADER)).toBeNull();

    // Enabled with no window (drift, or a window just closed) is not the steady state: read now.
    await h.world.clusterControl.setLocalAccountsOutOfBand(fleet[4]!, true);
    h.clock.advance(FLEET_CACHE_MS + 1); // past any lag the inventory may have on this clock
    const drifted = calls.reads;
    const after = await clusters(h);
    expect(calls.reads - drifted).toBe(2);
    expect(after.body.find((found) => found.id === fleet[4]!.id)).toMatchObject({
      localAccounts: "enabled",
      stateFrom: "arm",
      openWindows: [],
    });
  });

  it("by name in the audit query, and a name two managed clusters share is refused with a 400", async () => {
    const h = await fleetHarness();
    const tagged = await addCluster(h, "aks-fleet-3");
    const range = { from: "2026-11-28", to: "2026-11-29" };
    const byName = await h.call(h.app.api.readAudit, { as: "bob", query: { ...range, cluster: "aks-fleet-3" } });
    expect(byName).toMatchObject({ status: 200, body: { cluster: tagged.id } });

    const twin = parseManagedClusterId(WEU.replace("rg-aks-prod", "rg-aks-twin"))!;
    await h.world.clusterControl.addCluster(twin, TAG);
    h.clock.advance(FLEET_CACHE_MS + 1);
    const shared = await h.call(h.app.api.readAudit, { as: "bob", query: { ...range, cluster: "aks-prod-weu" } });
    expect(shared).toMatchObject({ status: 400, body: { error: { code: "INVALID_REQUEST" } } });
    expect(JSON.stringify(shared.body)).toMatch(/2 managed clusters have that name/);
  });
});

describe("the inventory down", () => {
  /** A harness whose inventory fails, while `outage.down`, as Resource Graph throttling would. */
  async function outageHarness() {
    const outage = { down: false };
    const wrapFleetInventory = (inventory: FleetInventory): FleetInventory => ({
      observe: async (query) => {
        if (outage.down) throw new TransientError("FLEET_THROTTLED", "Resource Graph answered 429");
        return inventory.observe(query);
      },
    });
    return { outage, h: await fleetHarness({ wrapFleetInventory }) };
  }

  it("an unlisted id answers 503 with Retry-After and creates nothing; listed clusters and those last seen tagged are unaffected", async () => {
    const { outage, h } = await outageHarness();
    const seen = await addCluster(h, "aks-seen");
    expect((await clusters(h)).body).toHaveLength(2);
    const unseen = await addCluster(h, "aks-unseen");
    outage.down = true;

    const refused = await ask(h, unseen.id);
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "SERVICE_UNAVAILABLE" } } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await h.app.requests.list({})).toEqual([]);

    expect((await ask(h, WEU)).status).toBe(202);
    expect((await ask(h, seen.id)).status).toBe(202);
  });

  it("GET /api/clusters still answers the listed and last seen tagged clusters, read through ARM, and says the inventory is down", async () => {
    const { outage, h } = await outageHarness();
    await addCluster(h, "aks-seen");
    await clusters(h);
    outage.down = true;
    const reads = h.world.clusterControl.calls.reads;
    const { reply, body } = await clusters(h);
    expect(reply.headers.get(FLEET_HEADER)).toBe("unavailable");
    expect(body.map(({ name, localAccounts, stateFrom }) => ({ name, localAccounts, stateFrom }))).toEqual([
      { name: "aks-prod-weu", localAccounts: "disabled", stateFrom: "arm" },
      { name: "aks-seen", localAccounts: "disabled", stateFrom: "arm" },
    ]);
    expect(h.world.clusterControl.calls.reads - reads).toBe(2);
  });
});
