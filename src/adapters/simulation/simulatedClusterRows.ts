// The row of one simulated cluster in Table Storage, and what Resource Graph would say of it: the
// local-accounts switch as it was `lagMs` ago (the row keeps a short history of its changes), a
// cluster created less than `lagMs` ago not yet, one the app's identity may not read never; tags as
// they are now (docs/design.md §12.1).
import { ARM_ACTIONS } from "../../domain/armActions.js";
import { clusterKey, parseManagedClusterId, type ManagedCluster } from "../../domain/clusters.js";
import { odata, type TableClient } from "@azure/data-tables";
import type { FleetRow } from "../azure/resourceGraphRows.js";
import { queryAll, tryStorageCall, type Entity } from "../azure/tables.js";
import { factsOf } from "./simulatedAuthorization.js";

export const CLUSTER_PARTITION = "cluster";

/** How many changes of the switch a row remembers: far more than change within any lag. */
const HISTORY_LENGTH = 16;

/** A cluster as it is created: locked, Entra-integrated, running; `createdAt` absent for the seeded ones, there from the start. */
export function newClusterRow(cluster: ManagedCluster, createdAt?: Date) {
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
    ...(createdAt ? { createdAt: createdAt.toISOString() } : {}),
  };
}

/** Every simulated cluster's row. */
export function clusterRows(client: TableClient, what: string): Promise<Entity[]> {
  return queryAll(client, odata`PartitionKey eq ${CLUSTER_PARTITION}`, what);
}

/** Adds the configured clusters that are not there yet (locked); never touches existing state. */
export async function seedClusters(client: TableClient, clusters: readonly ManagedCluster[]): Promise<void> {
  const existing = new Set((await clusterRows(client, "list simulated clusters")).map((row) => row.rowKey));
  for (const cluster of clusters) {
    if (existing.has(clusterKey(cluster))) continue;
    await tryStorageCall(`seed ${cluster.name}`, () => client.createEntity(newClusterRow(cluster)));
  }
}

interface SwitchChange {
  readonly at: string;
  readonly enabled: boolean;
}

function historyOf(row: Entity): SwitchChange[] {
  try {
    const parsed: unknown = typeof row.localAccountsHistory === "string" ? JSON.parse(row.localAccountsHistory) : [];
    return Array.isArray(parsed) ? (parsed as SwitchChange[]) : [];
  } catch {
    return [];
  }
}

/** The columns that set the switch at `at`, with the change remembered for the lagged view. */
export function localAccountsColumns(row: Entity | undefined, enabled: boolean, at: Date) {
  const before: SwitchChange[] = row
    ? historyOf(row).length
      ? historyOf(row)
      : [{ at: new Date(0).toISOString(), enabled: row.localAccountsEnabled === true }]
    : [];
  const history = [...before, { at: at.toISOString(), enabled }].slice(-HISTORY_LENGTH);
  return { localAccountsEnabled: enabled, localAccountsHistory: JSON.stringify(history) };
}

function tagsOf(row: Entity): Readonly<Record<string, string>> {
  try {
    const parsed: unknown = typeof row.tags === "string" ? JSON.parse(row.tags) : {};
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/**
 * The row Resource Graph would answer for the cluster at `now`, lagging `lagMs` behind it, in the
 * shape the adapter's query projects; undefined when it would not show the cluster.
 */
export function resourceGraphRowOf(row: Entity, now: Date, lagMs: number): FleetRow | undefined {
  const cluster = parseManagedClusterId(String(row.id));
  if (!cluster || !factsOf(row).appActions.includes(ARM_ACTIONS.readCluster.action)) return undefined;
  const asOf = now.getTime() - lagMs;
  if (typeof row.createdAt === "string" && Date.parse(row.createdAt) > asOf) return undefined;
  const known = historyOf(row).filter((change) => Date.parse(change.at) <= asOf);
  // Older than every remembered change: the oldest one is the best guess left.
  const enabled = (known.at(-1) ?? historyOf(row)[0])?.enabled ?? row.localAccountsEnabled === true;
  return {
    id: cluster.id,
    name: cluster.name,
    subscriptionId: cluster.subscriptionId,
    tags: tagsOf(row),
    disableLocalAccounts: !enabled,
    aadManaged: row.entraIntegration !== false,
    provisioningState: String(row.provisioningState),
    powerState: typeof row.powerState === "string" ? row.powerState : "Running",
  };
}
