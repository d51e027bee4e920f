// The row of one simulated cluster in Table Storage, and what Resource Graph would say of it.
import { clusterKey, parseManagedClusterId, type ManagedCluster } from "../../domain/clusters.js";
import type { ClusterObservation, FleetQuery } from "../../ports/fleet.js";
import type { Entity } from "../azure/tables.js";

export const CLUSTER_PARTITION = "cluster";

/** A cluster as it is created: locked, Entra-integrated, running. */
export function newClusterRow(cluster: ManagedCluster) {
  return {
    partitionKey: CLUSTER_PARTITION,
    rowKey: clusterKey(cluster),
    id: cluster.id,
    name: cluster.name,
    localAccountsEnabled: false,
    provisioningState: "Succeeded",
    entraIntegration: true,
    certificateRotations: 0,
    powerState: "Running",
  };
}

function tagsOf(row: Entity): Readonly<Record<string, string>> {
  try {
    const parsed: unknown = typeof row.tags === "string" ? JSON.parse(row.tags) : {};
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The cluster as the fleet query finds it: listed, or tagged in a queried subscription; undefined otherwise. */
export function observationOf(row: Entity, query: FleetQuery): ClusterObservation | undefined {
  const cluster = parseManagedClusterId(String(row.id));
  if (!cluster) return undefined;
  const tags = tagsOf(row);
  const tagged = query.tag !== undefined && tags[query.tag.name] === query.tag.value;
  const inScope = query.subscriptions.includes(cluster.subscriptionId.toLowerCase());
  const listed = query.listed.some((known) => known.id.toLowerCase() === cluster.id.toLowerCase());
  if (!listed && !(tagged && inScope)) return undefined;
  return {
    cluster,
    localAccounts: row.localAccountsEnabled === true ? "enabled" : "disabled",
    entraIntegration: row.entraIntegration !== false,
    provisioningState: String(row.provisioningState),
    powerState: typeof row.powerState === "string" ? row.powerState : "Running",
    tagged,
  };
}
