import { describe, expect, it } from "vitest";
import { clusterKey, findManagedCluster, parseManagedClusterId } from "../../../src/domain/clusters.js";
import { CLUSTER_ID } from "../../support/domain.js";

describe("managed clusters", () => {
  const managed = [parseManagedClusterId(CLUSTER_ID)!];

  it("parses an ARM id", () => {
    expect(managed[0]).toEqual({
      id: CLUSTER_ID,
      subscriptionId: "00000000-0000-0000-0000-000000000001",
      resourceGroup: "rg-aks-prod",
      name: "aks-prod-weu",
    });
  });

  it("finds a cluster in any casing and with a trailing slash, returning the configured spelling", () => {
    expect(findManagedCluster(managed, CLUSTER_ID.toUpperCase())?.id).toBe(CLUSTER_ID);
    expect(findManagedCluster(managed, ` ${CLUSTER_ID.toLowerCase()}/ `)?.id).toBe(CLUSTER_ID);
  });

  it("does not find clusters that are not managed", () => {
    expect(findManagedCluster(managed, CLUSTER_ID.replace("weu", "neu"))).toBeUndefined();
    expect(findManagedCluster(managed, "aks-prod-weu")).toBeUndefined();
  });

  it("makes storage-safe keys that ignore case", () => {
    expect(clusterKey({ id: CLUSTER_ID })).toBe(clusterKey({ id: CLUSTER_ID.toUpperCase() }));
    expect(clusterKey({ id: CLUSTER_ID })).not.toMatch(/[/\\#?]/);
  });
});
