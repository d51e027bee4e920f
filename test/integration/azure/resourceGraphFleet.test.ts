// The fleet through Azure Resource Graph: the real @azure/arm-resourcegraph client against the
// loopback fake (test/support/fakes/fakeResourceGraph.ts) — the request it sends, paging with
// $skipToken, the client-side filter that never trusts the query alone, quoting of hostile tag
// text, and each error's mapping.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ResourceGraphFleet } from "../../../src/adapters/azure/resourceGraphFleet.js";
import { parseManagedClusterId, type ManagedCluster } from "../../../src/domain/clusters.js";
import type { FleetQuery } from "../../../src/ports/fleet.js";
import { TransientError } from "../../../src/ports/errors.js";
import { FakeArm } from "../../support/fakes/fakeArm.js";
import { fakeCredential } from "../../support/fakes/https.js";

const SUB = "00000000-0000-0000-0000-0000000000aa";
const OTHER_SUB = "00000000-0000-0000-0000-0000000000bb";
const idOf = (name: string, subscription = SUB) =>
  `/subscriptions/${subscription}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/${name}`;
const clusterOf = (name: string, subscription = SUB): ManagedCluster =>
  parseManagedClusterId(idOf(name, subscription))!;
const TAG = { name: "breakglass", value: "managed" };

let arm: FakeArm;
let fleet: ResourceGraphFleet;

beforeAll(async () => {
  arm = await new FakeArm().start();
  fleet = new ResourceGraphFleet(fakeCredential, { endpoint: arm.url, maxRetries: 0, timeoutMs: 2_000 });
});
afterAll(() => arm.stop());
beforeEach(() => {
  arm.clusters.clear();
  arm.resourceGraph.queries.length = 0;
  arm.resourceGraph.strayRows.length = 0;
  arm.resourceGraph.pageSize = 1000;
});

const query = (overrides: Partial<FleetQuery> = {}): FleetQuery => ({
  listed: [],
  tag: TAG,
  subscriptions: [SUB],
  tagSubscriptions: overrides.subscriptions ?? [SUB],
  ...overrides,
});

async function observed(fleetQuery: FleetQuery) {
  const answer = await fleet.observe(fleetQuery);
  if (answer.kind !== "observed") throw new Error(`refused: ${answer.message}`);
  return answer.clusters;
}

describe("the Resource Graph fleet query", () => {
  it("sends one fixed query over the subscriptions, objectArray, and reads every field of a cluster", async () => {
    arm.addCluster(idOf("aks-listed"), { localAccountsEnabled: true, powerState: "Stopped" });
    arm.addCluster(idOf("aks-tagged"), { tags: { breakglass: "managed" }, entraIntegration: false });
    const listed = clusterOf("aks-listed");
    const clusters = await observed(query({ listed: [listed] }));
    expect(arm.resourceGraph.queries).toHaveLength(1);
    const [body] = arm.resourceGraph.queries;
    expect(body!.subscriptions).toEqual([SUB]);
    expect(body!.options).toEqual({ resultFormat: "objectArray" });
    expect(body!.query).toContain("| where type =~ 'microsoft.containerservice/managedclusters'");
    expect(body!.query).toContain(`| where id in~ ('${listed.id}') or (true and breakglassTag =~ 'managed')`);
    expect(body!.query).toContain("tostring(parse_json(tolower(tostring(tags)))['breakglass'])");
    expect(body!.query).toContain("| project id, name, subscriptionId, tags,");
    expect(clusters).toEqual([
      {
        cluster: listed,
        localAccounts: "enabled",
        entraIntegration: true,
        provisioningState: "Succeeded",
        powerState: "Stopped",
        tagged: false,
      },
      {
        cluster: clusterOf("aks-tagged"),
        localAccounts: "disabled",
        entraIntegration: false,
        provisioningState: "Succeeded",
        powerState: "Running",
        tagged: true,
      },
    ]);
  });

  it("pages past 1,000 rows with $skipToken: 2,500 tagged clusters in three queries, each once", async () => {
    for (let index = 0; index < 2_500; index++)
      arm.addCluster(idOf(`aks-${String(index).padStart(4, "0")}`), { tags: { breakglass: "managed" } });
    const clusters = await observed(query());
    expect(clusters).toHaveLength(2_500);
    expect(new Set(clusters.map((seen) => seen.cluster.id)).size).toBe(2_500);
    const queries = arm.resourceGraph.queries;
    expect(queries.map((body) => body.options?.$skipToken === undefined)).toEqual([true, false, false]);
    // Every page asks the same query over the same subscriptions, as a $skipToken requires.
    expect(new Set(queries.map((body) => JSON.stringify([body.query, body.subscriptions]))).size).toBe(1);
  });

  it("keeps only AKS ids that are listed, or tagged in a queried subscription, whatever the query returned", async () => {
    arm.addCluster(idOf("aks-untagged"));
    arm.addCluster(idOf("aks-other-value"), { tags: { breakglass: "Managed" } });
    arm.addCluster(idOf("aks-any-case"), { tags: { BreakGlass: "managed" } });
    arm.addCluster(idOf("aks-elsewhere", OTHER_SUB), { tags: { breakglass: "managed" } });
    arm.resourceGraph.strayRows.push(
      { id: idOf("aks-elsewhere", OTHER_SUB), tags: { breakglass: "managed" } },
      { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`, tags: TAGS },
      { id: 42, tags: TAGS },
    );
    const clusters = await observed(query({ subscriptions: [SUB] }));
    expect(clusters.map((seen) => seen.cluster.name)).toEqual(["aks-any-case"]);
  });

  it("queries a listed cluster's subscription without opening it to the tag: tagged clusters count only in BREAKGLASS_SUBSCRIPTIONS", async () => {
    const listed = parseManagedClusterId(idOf("aks-listed-elsewhere", OTHER_SUB))!;
    arm.addCluster(listed.id);
    arm.addCluster(idOf("aks-tagged-elsewhere", OTHER_SUB), { tags: TAGS });
    arm.addCluster(idOf("aks-tagged-here"), { tags: TAGS });
    const clusters = await observed(
      query({ listed: [listed], subscriptions: [SUB, OTHER_SUB], tagSubscriptions: [SUB] }),
    );
    expect(clusters.map((seen) => seen.cluster.name).sort()).toEqual(["aks-listed-elsewhere", "aks-tagged-here"]);
  });

  it("leaves out the clusters the app's identity may not read, as Resource Graph does", async () => {
    arm.addCluster(idOf("aks-readable"), { tags: TAGS });
    arm.addCluster(idOf("aks-unreadable"), { tags: TAGS });
    arm.revokeAction(idOf("aks-unreadable"), "Microsoft.ContainerService/managedClusters/read");
    expect((await observed(query())).map((seen) => seen.cluster.name)).toEqual(["aks-readable"]);
  });

  it("quotes a hostile tag: its quotes and backslashes cannot end the literal", async () => {
    const hostile = { name: "bg'] | project x //", value: "x' or true or '\\" };
    arm.addCluster(idOf("aks-plain"), { tags: TAGS });
    const clusters = await observed(query({ tag: hostile }));
    expect(clusters).toEqual([]);
    const text = arm.resourceGraph.queries[0]!.query;
    expect(text).toContain(`['bg\\'] | project x //']`);
    expect(text).toContain(`breakglassTag =~ 'x\\' or true or \\'\\\\'`);
    // Outside its literals the query is the fixed template's.
    expect(withoutLiterals(text)).toBe(withoutLiterals((await queryTextFor(query()))!));
  });

  it("shows a cluster as the fake's stale view says while ARM answers the truth, and none it hides", async () => {
    arm.addCluster(idOf("aks-stale"), { tags: TAGS, resourceGraph: { localAccountsEnabled: true } });
    arm.addCluster(idOf("aks-hidden"), { tags: TAGS, resourceGraph: { hidden: true } });
    expect(await observed(query())).toMatchObject([{ cluster: { name: "aks-stale" }, localAccounts: "enabled" }]);
    expect(arm.cluster(idOf("aks-stale")).localAccountsEnabled).toBe(false);
    arm.cluster(idOf("aks-stale")).resourceGraph = undefined;
    arm.cluster(idOf("aks-hidden")).resourceGraph = undefined;
    expect(await observed(query())).toMatchObject([
      { cluster: { name: "aks-hidden" }, localAccounts: "disabled" },
      { cluster: { name: "aks-stale" }, localAccounts: "disabled" },
    ]);
  });

  it("without a tag asks for the listed clusters only", async () => {
    arm.addCluster(idOf("aks-tagged"), { tags: TAGS });
    expect(await observed(query({ tag: undefined }))).toEqual([]);
    expect(arm.resourceGraph.queries[0]!.query).toContain("or (false and breakglassTag =~ '')");
  });
});

const TAGS = { breakglass: "managed" };

async function queryTextFor(fleetQuery: FleetQuery): Promise<string | undefined> {
  await fleet.observe(fleetQuery);
  return arm.resourceGraph.queries.at(-1)?.query;
}

/** The query with every string literal emptied. */
function withoutLiterals(text: string): string {
  return text.replace(/'(?:[^'\\]|\\.)*'/g, "''");
}

describe("Resource Graph's errors", () => {
  it.each([
    [400, "FLEET_QUERY_REJECTED"],
    [401, "FLEET_FORBIDDEN"],
    [403, "FLEET_FORBIDDEN"],
  ])("%i is refused as %s (a retry meets the same)", async (status, code) => {
    arm.resourceGraph.fail(status);
    expect(await fleet.observe(query())).toMatchObject({ kind: "refused", code });
  });

  it.each([
    [429, "FLEET_THROTTLED"],
    [500, "FLEET_500"],
    [503, "FLEET_503"],
  ])("%i is thrown as a TransientError %s with the server's Retry-After", async (status, code) => {
    arm.resourceGraph.fail(status, { retryAfterSeconds: 7 });
    const error = await fleet.observe(query()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code, retryAfterMs: 7_000 });
  });

  it("a later page that fails throws, rather than answer with the first page only", async () => {
    for (let index = 0; index < 3; index++) arm.addCluster(idOf(`aks-${index}`), { tags: TAGS });
    arm.resourceGraph.pageSize = 2;
    arm.resourceGraph.fail(503, { after: 1 });
    await expect(fleet.observe(query())).rejects.toMatchObject({ code: "FLEET_503" });
    expect(arm.resourceGraph.queries).toHaveLength(2);
  });

  it("a timeout or a dropped connection is a TransientError FLEET_UNAVAILABLE", async () => {
    arm.inject({ method: "POST", path: "ResourceGraph", response: { status: 200, hang: true } });
    const slow = new ResourceGraphFleet(fakeCredential, { endpoint: arm.url, maxRetries: 0, timeoutMs: 100 });
    const error = await slow.observe(query()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "FLEET_UNAVAILABLE" });
  });
});
